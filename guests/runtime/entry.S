/* PVH entry (DESIGN.md "Guest boot contract"): the loader enters
 * pvh_entry32 in 32-bit protected mode, paging off, flat segments,
 * EBX = physical address of struct hvm_start_info. Nothing here may fault:
 * the hypervisor behind guest CPL0 cannot emulate a 32-bit IRET, so we reach
 * long mode before any exception can be taken, and only then install an IDT.
 */
#include "rt/layout.h"

/* Xen's public/elfnote.h: XEN_ELFNOTE_PHYS32_ENTRY = 18. The descriptor is
 * 8 bytes wide, as in Linux's arch/x86/platform/pvh/head.S (QEMU reads it
 * that way); loaders use its low 32 bits. */
	.section .note.Xen, "a"
	.balign 4
	.long 4			/* namesz: "Xen\0" */
	.long 8			/* descsz */
	.long 18		/* type: XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.balign 4
	.quad pvh_entry32

	.section .text.entry32, "ax"
	.code32
	.globl pvh_entry32
pvh_entry32:
	cli
	cld
	movl %ebx, rt_start_info_pa

	lgdt gdt_pointer32

	/* SDM Vol. 3A 10.8.5 "Initializing IA-32e Mode": PAE on, CR3 loaded,
	 * EFER.LME set, then CR0.PG. CR4.OSFXSR/OSXMMEXCPT let user code use
	 * SSE (the kernel itself is built without it). */
	movl %cr4, %eax
	orl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	andl $~(CR0_EM | CR0_CD | CR0_NW), %eax
	orl $(CR0_PE | CR0_MP | CR0_NE | CR0_WP | CR0_PG), %eax
	movl %eax, %cr0

	/* Now in compatibility mode; the far jump loads the 64-bit CS. */
	ljmp $KERNEL_CS, $entry64

	.code64
entry64:
	movl $KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	leaq boot_stack_top(%rip), %rsp

	/* Zero .bss: the loader should have, but a guest cannot tell. */
	leaq __bss_start(%rip), %rdi
	leaq __bss_end(%rip), %rcx
	subq %rdi, %rcx
	shrq $3, %rcx
	xorl %eax, %eax
	rep stosq

	movl rt_start_info_pa(%rip), %edi
	xorl %ebp, %ebp
	call rt_boot
1:	pause
	jmp 1b

/* 32-bit pointer for LGDT before long mode (the base is zero-extended). */
	.section .rodata
	.balign 8
gdt_pointer32:
	.word gdt_end - gdt - 1
	.long gdt

/* GDT (SDM Vol. 3A 3.4.5): flat segments; 64-bit code has L=1, D=0. The TSS
 * descriptor is filled in by rt_boot (its base is split across fields). */
	.data
	.balign 16
	.globl gdt, gdt_tss
gdt:
	.quad 0				/* 0x00 null */
	.quad 0x00af9a000000ffff	/* 0x08 kernel code, 64-bit, DPL0 */
	.quad 0x00cf92000000ffff	/* 0x10 kernel data */
	.quad 0x00affa000000ffff	/* 0x18 user code, 64-bit, DPL3 */
	.quad 0x00cff2000000ffff	/* 0x20 user data, DPL3 */
gdt_tss:
	.quad 0, 0			/* 0x28 64-bit TSS (16 bytes) */
gdt_end:

	.globl rt_start_info_pa
	.balign 4
rt_start_info_pa:
	.long 0

/* Identity map of the first 4 GiB with 2 MiB pages (SDM Vol. 3A 4.5,
 * "4-Level Paging"). Every level is user-accessible (U/S=1) so CPL3 tasks run
 * anywhere; SMEP/SMAP stay off. The top GiB (MMIO: local APIC at
 * 0xFEE00000, I/O APIC) is uncached: PCD|PWT. */
	.section .data.pagetables, "aw"
	.balign 4096
	.globl pml4
pml4:
	.quad pdpt + (PTE_P | PTE_W | PTE_U)
	.fill 511, 8, 0
pdpt:
	.quad pd + 0x0000 + (PTE_P | PTE_W | PTE_U)
	.quad pd + 0x1000 + (PTE_P | PTE_W | PTE_U)
	.quad pd + 0x2000 + (PTE_P | PTE_W | PTE_U)
	.quad pd + 0x3000 + (PTE_P | PTE_W | PTE_U)
	.fill 508, 8, 0
pd:
	.set addr, 0
	.rept 1536
	.quad addr + (PTE_P | PTE_W | PTE_U | PTE_PS)
	.set addr, addr + 0x200000
	.endr
	.rept 512
	.quad addr + (PTE_P | PTE_W | PTE_U | PTE_PS | PTE_PWT | PTE_PCD)
	.set addr, addr + 0x200000
	.endr

/* Stacks (never zeroed, see guest.ld): the boot stack (guest_main and
 * kernel code), the TSS RSP0 stack for traps from user mode and from the
 * kernel, IST stacks for NMI and #DF, and the default user-task stack. */
	.section .stack, "aw", @nobits
	.balign 4096
	.skip BOOT_STACK_SIZE
	.globl boot_stack_top
boot_stack_top:
	.skip IRQ_STACK_SIZE
	.globl irq_stack_top
irq_stack_top:
	.skip IST_STACK_SIZE
	.globl nmi_stack_top
nmi_stack_top:
	.skip IST_STACK_SIZE
	.globl df_stack_top
df_stack_top:
	.globl user_stack_bottom
user_stack_bottom:
	.skip USER_STACK_SIZE
	.globl user_stack_top
user_stack_top:

	.section .note.GNU-stack, "", @progbits
