// Test output for guests, one line per check in the TAP style:
//   ok 3 - description
//   not ok 4 - description: got 0x1, want 0x2
// then "1..N" and a summary line. finish() gives the exit status: the number
// of failures, capped below rt::kExitFatal so that a crash stays distinct.
#pragma once

#include <stdint.h>

namespace rt::tap {

inline constexpr int kMaxFailureStatus = 123;

// Prints one result line; `detail` (may be null) follows the description of
// a failure. Returns pass.
bool report(bool pass, const char* detail, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
bool ok(bool pass, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
bool eq(uint64_t got, uint64_t want, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
void skip(const char* reason, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void diag(const char* fmt, ...) __attribute__((format(printf, 1, 2)));  // "# ..." line

unsigned checks();
unsigned failures();
int finish();  // prints the plan and summary; returns the exit status

}  // namespace rt::tap
