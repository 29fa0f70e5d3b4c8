// What the loader handed over (PVH hvm_start_info), and how a guest ends.
//
// A guest program defines `int guest_main()`; the runtime calls it at CPL0
// in long mode, with traps installed and interrupts disabled, and exits with
// its return value.
#pragma once

#include <stddef.h>
#include <stdint.h>

int guest_main();

namespace rt {

// Exit statuses the runtime itself uses (a guest's own are 0..123).
inline constexpr int kExitFatal = 124;  // unhandled exception or rt::panic

// Ends the VM: writes `status` (0..124) to the debug-exit port 0xf4. The
// VMM's exit status is then `status` (QEMU's isa-debug-exit: status*2+1).
[[noreturn]] void exit(int status);
// Prints "PANIC: ..." and exits with kExitFatal.
[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Xen's public/arch-x86/hvm/start_info.h, version 1.
struct MemmapEntry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;  // 1 = RAM
    uint32_t reserved;
};
inline constexpr uint32_t kMemmapRam = 1;
inline constexpr size_t kMaxMemmapEntries = 32;

struct BootInfo {
    const char* cmdline;      // copied into the image; "" if none
    uint64_t ram_end;         // end of the RAM range holding the image (≤ 3 GiB)
    uint32_t memmap_entries;  // copied, at most kMaxMemmapEntries
    MemmapEntry memmap[kMaxMemmapEntries];
};
const BootInfo& boot_info();

// Command line as space-separated words "key=value" or "flag".
// cmdline_value copies the value of `key` into buf; false if absent.
bool cmdline_value(const char* key, char* buf, size_t size);
bool cmdline_flag(const char* word);  // "word" or "word=..." present
uint64_t cmdline_u64(const char* key, uint64_t fallback);

// Memory after the image, up to BootInfo::ram_end: a bump allocator for
// buffers (sample logs, traces). Never freed; panics when exhausted.
void* alloc(size_t bytes, size_t align = 16);

// Guest-to-host calls through the VMM's hypercall port (`vmcall` hangs
// guests on this host). ABI of emulator/devices/hypercall.h: 32-bit OUT of
// the arguments to 0x604/0x608/0x60c, of the command to 0x600, then a
// 32-bit IN from 0x600 gives the result. Works from user tasks (through a
// kcall). Without the device (e.g. under QEMU) the result is whatever an
// unclaimed port reads (QEMU: 0).
inline constexpr uint16_t kHypercallPort = 0x600;
inline constexpr uint32_t kHypercallPing = 0;    // answers kHypercallPingReply
inline constexpr uint32_t kHypercallTscKhz = 1;  // guest TSC frequency in kHz, 0 if unknown
inline constexpr uint32_t kHypercallPingReply = 0x554d5056;  // "VPMU"
uint32_t hypercall(uint32_t command, uint32_t arg0 = 0, uint32_t arg1 = 0, uint32_t arg2 = 0);
// True when the VMM is vpmu's (the ping is answered).
bool under_vpmu();

}  // namespace rt
