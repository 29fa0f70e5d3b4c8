// Console output on the 16550 UART at port 0x3f8 (DESIGN.md boot
// contract). Usable at CPL0 and from user tasks (CPL3), where output goes
// through the kSysWrite system call: printf formats in the task and makes
// one call per 128 characters.
#pragma once

#include <stdarg.h>
#include <stddef.h>

namespace rt {

void write(const char* s, size_t n);
void putc(char c);
void puts(const char* s);  // no newline added
// The UART itself; CPL0 only.
void console_write(const char* s, size_t n);
// A small printf: %d %i %u %x %X %p %s %c %%, the l/ll/z length modifiers,
// field widths and the '0' and '-' flags.
void printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintf(const char* fmt, va_list ap);
// Formats into buf (always NUL-terminated if size > 0); returns the length
// the whole output would have.
size_t snprintf(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
size_t vsnprintf(char* buf, size_t size, const char* fmt, va_list ap);

}  // namespace rt
