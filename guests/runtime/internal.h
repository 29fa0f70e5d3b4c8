// Between the runtime's own files; not for guests.
#pragma once

#include <stdint.h>

#include "rt/trap.h"
#include "rt/user.h"

namespace rt {

void traps_init();  // GDT TSS descriptor, TR, IDT
void user_init();   // system-call gate handler
// INT 0x80 at CPL3 that the host turned into #UD: run it as a system call.
bool user_int80_as_ud(Frame& f);
void boot_info_init(uint32_t start_info_pa);
extern uint64_t boot_tsc_value;  // set first thing in rt_boot
void trace_at_exit();            // trace.cpp: last flush of the guest trace

}  // namespace rt

extern "C" {
// entry.S
extern uint8_t gdt_tss[16];
extern char boot_stack_top[], irq_stack_top[], nmi_stack_top[], df_stack_top[];
extern char user_stack_bottom[], user_stack_top[];
// isr.S
extern char rt_isr_stubs[];
extern char rt_user_exit_trampoline[];
uint64_t rt_user_enter(rt::UserFn fn, uint64_t arg, uint64_t user_rsp);
[[noreturn]] void rt_user_return(uint64_t value);
void rt_trap_dispatch(rt::Frame* frame);
// guest.ld
extern char __image_start[], __image_end[];
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
}
