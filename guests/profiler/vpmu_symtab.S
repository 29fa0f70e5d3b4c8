/* Room for the symbol table of the image that links this (symtab.h): filled
 * after the link by embed_symbols.cmake with objcopy --update-section, which
 * keeps the size, so no address in the image moves. Starts with a NUL: an
 * image whose post-link step did not run has an empty table. */
	.section .vpmu_symtab, "a", @progbits
	.globl vpmu_symtab
	.globl vpmu_symtab_end
vpmu_symtab:
	.byte 0
	.fill 131071, 1, 0
vpmu_symtab_end:
	.section .note.GNU-stack, "", @progbits
