// 16550 UART transmit at COM1 (DESIGN.md boot contract): wait for the
// transmit holding register to be empty (LSR bit 5), then write it. Each
// access is a port-I/O exit; no initialisation is needed for the VMM's
// UART or QEMU's.
#include "rt/console.h"

#include "rt/cpu.h"
#include "rt/libc.h"
#include "rt/user.h"

namespace rt {
namespace {

constexpr uint16_t kCom1 = 0x3f8;
constexpr uint16_t kLsr = kCom1 + 5;
constexpr uint8_t kLsrThrEmpty = 1u << 5;
// A UART that never reports empty must not hang the guest.
constexpr unsigned kMaxPolls = 100000;

}  // namespace

void console_write(const char* s, size_t n) {
    for (size_t k = 0; k < n; ++k) {
        for (unsigned i = 0; i < kMaxPolls && !(inb(kLsr) & kLsrThrEmpty); ++i) pause();
        outb(kCom1, uint8_t(s[k]));
    }
}

void write(const char* s, size_t n) {
    if (cpl() == 0) console_write(s, n);
    else syscall2(kSysWrite, uint64_t(uintptr_t(s)), n);
}

void putc(char c) { write(&c, 1); }
void puts(const char* s) { write(s, strlen(s)); }

}  // namespace rt
