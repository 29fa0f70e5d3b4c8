// CPL3 tasks: enter with IRETQ (rt_user_enter), come back with INT 0x80
// through a DPL3 gate, whose handler is here.
//
// Measured on the PVM host (DESIGN.md): INT n at CPL3 raises #UD at the
// INT instruction instead of going through the gate, and SYSCALL jumps to
// IA32_LSTAR without leaving CPL3, so neither reaches the kernel as the SDM
// says. Exceptions do: the #UD handler recognises INT 0x80 (CD 80) and runs
// the system call, so one mechanism works on hardware, QEMU and PVM. IOPL
// is not honoured either, so tasks run with IOPL 0 everywhere and the
// console goes through kSysWrite.
#include "internal.h"
#include "rt/rt.h"

namespace rt {
namespace {

bool in_task;

void syscall(Frame& f) {
    switch (f.rax) {
    case kSysExit:
        if (!f.from_user() || !in_task) panic("exit system call outside a user task");
        in_task = false;
        rt_user_return(f.rdi);
    case kSysKcall:
        f.rax = reinterpret_cast<UserFn>(f.rdi)(f.rsi);
        return;
    case kSysWrite:
        console_write(reinterpret_cast<const char*>(f.rdi), f.rsi);
        return;
    default:
        panic("unknown system call %lu from rip 0x%lx", f.rax, f.rip);
    }
}

}  // namespace

void user_init() { set_trap_handler(SYSCALL_VECTOR, syscall); }

bool user_int80_as_ud(Frame& f) {
    const auto* insn = reinterpret_cast<const uint8_t*>(uintptr_t(f.rip));
    if (!f.from_user() || insn[0] != 0xCD || insn[1] != SYSCALL_VECTOR) return false;
    f.rip += 2;
    syscall(f);
    return true;
}

uint64_t user_run(UserFn fn, uint64_t arg, void* stack, size_t size) {
    if (in_task || cpl() != 0) panic("user_run: user tasks do not nest");
    // SysV ABI: at function entry RSP + 8 is 16-byte aligned; the word at
    // RSP is the return address, here the trampoline that exits the task.
    uint64_t top = (uint64_t(uintptr_t(stack)) + size) & ~uint64_t(15);
    uint64_t rsp = top - 8;
    *reinterpret_cast<uint64_t*>(uintptr_t(rsp)) = uint64_t(uintptr_t(rt_user_exit_trampoline));
    in_task = true;
    return rt_user_enter(fn, arg, rsp);
}

uint64_t user_run(UserFn fn, uint64_t arg) {
    return user_run(fn, arg, user_stack_bottom, size_t(user_stack_top - user_stack_bottom));
}

void user_exit(uint64_t value) {
    __asm__ volatile("int %0" : : "i"(SYSCALL_VECTOR), "a"(kSysExit), "D"(value) : "memory");
    __builtin_unreachable();
}

uint64_t syscall2(uint64_t number, uint64_t a, uint64_t b) {
    uint64_t ret;
    __asm__ volatile("int %1" : "=a"(ret) : "i"(SYSCALL_VECTOR), "a"(number), "D"(a), "S"(b) : "memory");
    return ret;
}

uint64_t kcall(UserFn fn, uint64_t arg) {
    if (cpl() == 0) return fn(arg);
    return syscall2(kSysKcall, uint64_t(uintptr_t(fn)), arg);
}

}  // namespace rt
