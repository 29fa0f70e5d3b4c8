// User-mode (CPL3) tasks. Guest kernel code is emulated and slow on this
// host while CPL3 code runs natively: run workloads with user_run().
//
// A task runs on its own stack with IF=1 and IOPL=0; every page is user-
// accessible. rt::printf and rt::hypercall work from a task (through system
// calls). It ends by returning, or with user_exit(); kcall() runs a function
// at CPL0 and returns its result. Tasks do not nest.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace rt {

using UserFn = uint64_t (*)(uint64_t arg);

// System calls: INT 0x80, number in RAX, arguments in RDI and RSI, result
// in RAX; every other register is preserved.
inline constexpr uint64_t kSysExit = 0;   // RDI = value; back to user_run's caller
inline constexpr uint64_t kSysKcall = 1;  // RAX = RDI(RSI) run at CPL0
inline constexpr uint64_t kSysWrite = 2;  // console output of RSI bytes at RDI
uint64_t syscall2(uint64_t number, uint64_t a, uint64_t b);

// Runs fn(arg) at CPL3 on the runtime's user stack (or on `stack`, `size`
// bytes) and returns fn's return value.
uint64_t user_run(UserFn fn, uint64_t arg);
uint64_t user_run(UserFn fn, uint64_t arg, void* stack, size_t size);

// From a task: end it now with `value`.
[[noreturn]] void user_exit(uint64_t value);

// Runs fn(arg) at CPL0 (directly when already there) and returns its value.
uint64_t kcall(UserFn fn, uint64_t arg);

}  // namespace rt
