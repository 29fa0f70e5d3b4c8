// Expectations about MSR accesses, each printed as one TAP line by
// rt::tap ("ok N - ..." / "not ok N - ...: got X, want Y"). The
// description is printf-style and says what the SDM requires.
#pragma once

#include <stdint.h>

#include "pmu.h"

namespace conf {

#define CONF_FORMAT(n) __attribute__((format(printf, n, n + 1)))

// RDMSR gives `want` (no fault).
bool expect_read(uint32_t msr, uint64_t want, const char* fmt, ...) CONF_FORMAT(3);
// WRMSR of `value` is accepted, then RDMSR gives `want`.
bool expect_write_read(uint32_t msr, uint64_t value, uint64_t want, const char* fmt, ...) CONF_FORMAT(4);
// WRMSR of `value` is accepted (nothing read back).
bool expect_write(uint32_t msr, uint64_t value, const char* fmt, ...) CONF_FORMAT(3);
// WRMSR of `value` #GPs.
bool expect_write_gp(uint32_t msr, uint64_t value, const char* fmt, ...) CONF_FORMAT(3);
// RDMSR and WRMSR of 0 both #GP for every MSR in [first, first + count).
bool expect_absent(uint32_t first, unsigned count, const char* fmt, ...) CONF_FORMAT(3);
// With the register holding `base`, setting any one bit of `reserved`
// #GPs and leaves it holding `base`.
bool expect_reserved(uint32_t msr, uint64_t base, uint64_t reserved, const char* fmt, ...) CONF_FORMAT(4);
// The same for a write-only register: `readback` must keep reading
// `readback_value` instead.
bool expect_reserved_wo(uint32_t msr, uint64_t reserved, uint32_t readback, uint64_t readback_value,
                        const char* fmt, ...) CONF_FORMAT(5);

// Writes that set up a check rather than check: a fault fails loudly.
void setup_write(uint32_t msr, uint64_t value);

}  // namespace conf
