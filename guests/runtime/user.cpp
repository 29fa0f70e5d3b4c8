// CPL3 tasks: enter with IRETQ (rt_user_enter), come back through the
// int 0x80 gate (DPL3), whose handler is here.
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
    default:
        panic("unknown system call %lu from rip 0x%lx", f.rax, f.rip);
    }
}

}  // namespace

void user_init() { set_trap_handler(SYSCALL_VECTOR, syscall); }

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

uint64_t kcall(UserFn fn, uint64_t arg) {
    if (cpl() == 0) return fn(arg);
    uint64_t ret;
    __asm__ volatile("int %1"
                     : "=a"(ret)
                     : "i"(SYSCALL_VECTOR), "a"(kSysKcall), "D"(fn), "S"(arg)
                     : "memory");
    return ret;
}

}  // namespace rt
