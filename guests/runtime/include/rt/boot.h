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

// Guest-to-host call through the hypercall port 0x600 (a 32-bit OUT of a
// command number; 0 = ping). `vmcall` hangs guests on this host.
inline constexpr uint16_t kHypercallPort = 0x600;
void hypercall(uint32_t command);

}  // namespace rt
