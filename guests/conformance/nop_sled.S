# precise_probe(evtsel): writes `evtsel` (%rdi) to IA32_PERFEVTSEL0, which
# enables the counter, then runs 4096 one-byte instructions and returns.
# Runs at CPL0. With the counter at -N, the PMI comes after the N-th
# instruction retired, so the interrupted RIP minus N is the same for every
# N: exact counting means no drift between N = 1 and N = 4000.
    .text
    .globl precise_probe
    .type precise_probe, @function
precise_probe:
    mov $0x186, %ecx
    mov %edi, %eax
    mov %rdi, %rdx
    shr $32, %rdx
    wrmsr
    .globl precise_sled
precise_sled:
    .rept 4096
    nop
    .endr
    ret
    .size precise_probe, . - precise_probe
    .section .note.GNU-stack, "", @progbits
