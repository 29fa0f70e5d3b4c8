/* Constants shared by the assembly entry code and C++ (no C++ here). */
#ifndef RT_LAYOUT_H
#define RT_LAYOUT_H

/* GDT selectors (entry.S builds the table). */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_CS (0x18 | 3)
#define USER_DS (0x20 | 3)
#define TSS_SEL 0x28

#define BOOT_STACK_SIZE 0x4000
#define IRQ_STACK_SIZE 0x4000
#define IST_STACK_SIZE 0x2000
#define USER_STACK_SIZE 0x10000

/* Control-register and EFER bits (SDM Vol. 3A 2.5, Vol. 4 IA32_EFER). */
#define CR0_PE (1 << 0)
#define CR0_MP (1 << 1)
#define CR0_EM (1 << 2)
#define CR0_NE (1 << 5)
#define CR0_WP (1 << 16)
#define CR0_NW (1 << 29)
#define CR0_CD (1 << 30)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_PCE (1 << 8)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)

/* Page-table entry bits (SDM Vol. 3A 4.5). */
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_U 0x4
#define PTE_PWT 0x8
#define PTE_PCD 0x10
#define PTE_PS 0x80

/* Interrupt vectors the runtime reserves. */
#define SYSCALL_VECTOR 0x80
#define SPURIOUS_VECTOR 0xFF

#endif
