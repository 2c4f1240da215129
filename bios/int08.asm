; int08.asm - IRQ0, the 18.2 Hz system timer tick.

TICKS_PER_DAY_HI equ 0018h      ; 1800B0h ticks = 24 hours
TICKS_PER_DAY_LO equ 00B0h

int08_handler:
        push ax
        push ds
        mov ax, BDA_SEG
        mov ds, ax
        add word [BDA_TICKS], 1
        adc word [BDA_TICKS+2], 0
        cmp word [BDA_TICKS+2], TICKS_PER_DAY_HI
        jb .counted
        cmp word [BDA_TICKS], TICKS_PER_DAY_LO
        jb .counted
        mov word [BDA_TICKS], 0
        mov word [BDA_TICKS+2], 0
        mov byte [BDA_MIDNIGHT], 1
.counted:
        ; diskette motor countdown: software reads it even without a motor
        cmp byte [BDA_FD_MOTOR_TO], 0
        je .motor_done
        dec byte [BDA_FD_MOTOR_TO]
        jnz .motor_done
        and byte [BDA_FD_MOTOR], 0F0h
.motor_done:
        call sercon_tick
        int 1Ch
        cli
        mov al, 20h
        out PIC1_CMD, al
        pop ds
        pop ax
        iret
