; int11_12.asm - equipment list and memory size, straight from the BDA.

int11_handler:
        push ds
        mov ax, BDA_SEG
        mov ds, ax
        mov ax, [BDA_EQUIPMENT]
        pop ds
        iret

int12_handler:
        push ds
        mov ax, BDA_SEG
        mov ds, ax
        mov ax, [BDA_MEM_KB]
        pop ds
        iret
