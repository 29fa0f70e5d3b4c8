/* Interrupt entry and user-mode switches. Guest CPL0 code is emulated and
 * slow here, so the common path saves only the registers the C ABI lets a
 * callee clobber (SysV: rax rcx rdx rsi rdi r8-r11); rt::Frame in
 * rt/trap.h mirrors the layout. */
#include "rt/layout.h"

	.text
/* One 16-byte stub per vector: push a zero error code where the CPU pushes
 * none (SDM Vol. 3A 6.13 and Table 6-1: vectors 8, 10-14, 17, 21, 29, 30
 * push one), push the vector, join isr_common. */
	.balign 16
	.globl rt_isr_stubs
rt_isr_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

isr_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	cld
	/* The CPU aligned RSP to 16 before pushing its frame (SDM Vol. 3A
	 * 6.14.2); 5 + 2 + 9 quadwords keep it aligned for the call. */
	movq %rsp, %rdi
	call rt_trap_dispatch
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp
	iretq

/* uint64_t rt_user_enter(fn, arg, user_rsp): run fn(arg) at CPL3 on the
 * given stack (whose top word returns into rt_user_exit_trampoline). Comes
 * back, through rt_user_return, with the task's exit value. */
	.globl rt_user_enter
rt_user_enter:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushfq
	movq %rsp, rt_kernel_resume_rsp(%rip)
	pushq $USER_DS
	pushq %rdx
	pushq $0x202		/* IF | reserved bit 1; IOPL 0 */
	pushq $USER_CS
	pushq %rdi
	movq %rsi, %rdi
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %ebp, %ebp
	iretq

/* [[noreturn]] rt_user_return(value): called from the system-call handler
 * (on the TSS RSP0 stack): drop that stack and return from rt_user_enter. */
	.globl rt_user_return
rt_user_return:
	movq rt_kernel_resume_rsp(%rip), %rsp
	movl $KERNEL_DS, %eax
	movl %eax, %ss
	movq %rdi, %rax
	popfq
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

/* Runs at CPL3 when the task function returns: exit with its value. */
	.globl rt_user_exit_trampoline
rt_user_exit_trampoline:
	movq %rax, %rdi
	xorl %eax, %eax		/* rt::kSysExit */
	int $SYSCALL_VECTOR
	ud2

	.bss
	.balign 8
rt_kernel_resume_rsp:
	.quad 0

	.section .note.GNU-stack, "", @progbits
