/*
 * Bring-up guest: PVH entry, its own GDT and IDT, and the one trick that
 * lets a 32-bit guest survive a #GP without IRET (which the PVM emulator
 * cannot do): safe_msr() arms a recovery point, and the #GP handler jumps
 * back to it with the stack it had, instead of returning from the fault.
 */

/* XEN_ELFNOTE_PHYS32_ENTRY (type 18, name "Xen"): the PVH entry point. */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4, 4, 18
    .asciz "Xen"
    .balign 4
    .long pvh_start

    .code32
    .section .text.entry, "ax"
    .globl pvh_start
pvh_start:
    cli
    lgdt gdt_descriptor
    ljmp $0x08, $1f
1:  mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov $stack_top, %esp
    push %ebx                   /* hvm_start_info GPA, the PVH contract */
    call guest_main
    outb %al, $0xf4             /* the debug-exit port ends the VM */
2:  jmp 2b

/* void load_idt(void): 32 interrupt gates, one stub per vector. */
    .globl load_idt
load_idt:
    mov $idt, %edi
    mov $vector_stubs, %esi
    mov $32, %ecx
3:  mov %esi, %eax
    mov %ax, (%edi)             /* offset 15:0 */
    movw $0x08, 2(%edi)         /* code selector */
    movw $0x8e00, 4(%edi)       /* present, DPL 0, 32-bit interrupt gate */
    shr $16, %eax
    mov %ax, 6(%edi)            /* offset 31:16 */
    add $8, %edi
    add $8, %esi                /* each stub is 8 bytes */
    loop 3b
    lidt idt_descriptor
    ret

/* void load_null_idt(void): no vector can be delivered any more. */
    .globl load_null_idt
load_null_idt:
    lidt null_idt_descriptor
    ret

/* Each stub: push the vector, jump to the common handler. 8 bytes each. */
    .balign 8
vector_stubs:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .balign 8
    pushl $\v
    jmp exception_common
    .endr

exception_common:
    cmpl $0, recover_eip
    je 4f
    mov recover_esp, %esp       /* drop the fault frame: no IRET needed */
    jmp *recover_eip
4:  call unexpected_exception    /* vector on the stack as its argument; never returns */
5:  jmp 5b

/*
 * int safe_msr(int write, uint32_t index, uint32_t* lo_hi)
 * Returns 0 when the RDMSR/WRMSR completed, 1 when it raised an exception.
 */
    .globl safe_msr
safe_msr:
    push %ebx
    push %esi
    push %edi
    push %ebp
    mov %esp, recover_esp
    movl $msr_faulted, recover_eip
    mov 24(%esp), %ecx          /* index */
    mov 28(%esp), %ebx          /* lo_hi */
    cmpl $0, 20(%esp)           /* write? */
    jne 6f
    rdmsr
    mov %eax, (%ebx)
    mov %edx, 4(%ebx)
    jmp 7f
6:  mov (%ebx), %eax
    mov 4(%ebx), %edx
    wrmsr
7:  xor %eax, %eax
    jmp 8f
msr_faulted:
    mov $1, %eax
8:  movl $0, recover_eip
    pop %ebp
    pop %edi
    pop %esi
    pop %ebx
    ret

    .section .rodata
    .balign 8
gdt:
    .quad 0
    .quad 0x00cf9b000000ffff    /* 0x08: flat 32-bit code */
    .quad 0x00cf93000000ffff    /* 0x10: flat data */
gdt_end:
gdt_descriptor:
    .word gdt_end - gdt - 1
    .long gdt
idt_descriptor:
    .word 32 * 8 - 1
    .long idt
null_idt_descriptor:
    .word 0
    .long 0

    .section .bss
    .balign 8
idt:
    .skip 32 * 8
    .globl recover_esp, recover_eip
recover_esp:
    .long 0
recover_eip:
    .long 0
