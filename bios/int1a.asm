; int1a.asm - time of day: the tick counter and the RTC.

int1a_handler:
        sti
        cld
        SAVE_FRAME
        mov si, BDA_SEG
        mov ds, si
        FRAME_CLC
        cmp ah, INT1A_FUNCS
        jae .bad
        mov bl, ah
        xor bh, bh
        shl bx, 1
        jmp [cs:int1a_table + bx]
.bad:   FRAME_STC
int1a_done:
        RESTORE_FRAME_IRET

int1a_table:
        dw time_get_ticks           ; 00
        dw time_set_ticks           ; 01
        dw time_get_rtc_time        ; 02
        dw time_set_rtc_time        ; 03
        dw time_get_rtc_date        ; 04
        dw time_set_rtc_date        ; 05
        dw time_unsupported         ; 06 set alarm: no alarm interrupt use
        dw time_unsupported         ; 07 reset alarm
INT1A_FUNCS equ ($ - int1a_table) / 2

time_unsupported:
        FRAME_STC
        jmp int1a_done

; AH=00h -> CX:DX = ticks, AL = midnight flag (cleared by reading)
time_get_ticks:
        cli
        mov ax, [BDA_TICKS]
        mov [bp+F_DX], ax
        mov ax, [BDA_TICKS+2]
        mov [bp+F_CX], ax
        mov al, [BDA_MIDNIGHT]
        mov byte [BDA_MIDNIGHT], 0
        mov [bp+F_AL], al
        jmp int1a_done

; AH=01h: CX:DX = ticks
time_set_ticks:
        cli
        mov [BDA_TICKS], dx
        mov [BDA_TICKS+2], cx
        mov byte [BDA_MIDNIGHT], 0
        jmp int1a_done

; AH=02h -> CH = hours, CL = minutes, DH = seconds (BCD), DL = DST flag
time_get_rtc_time:
        call cmos_wait_uip
        jc time_unsupported
        mov al, 04h
        call cmos_read
        mov [bp+F_CH], al
        mov al, 02h
        call cmos_read
        mov [bp+F_CL], al
        mov al, 00h
        call cmos_read
        mov [bp+F_DH], al
        mov al, 0Bh
        call cmos_read
        and al, 01h
        mov [bp+F_DL], al
        jmp int1a_done

; AH=03h: CH:CL:DH = time (BCD), DL bit 0 = DST
time_set_rtc_time:
        call cmos_wait_uip
        call rtc_hold
        mov al, 04h
        mov ah, ch
        call cmos_write
        mov al, 02h
        mov ah, cl
        call cmos_write
        mov al, 00h
        mov ah, dh
        call cmos_write
        mov al, 0Bh
        call cmos_read
        and al, 0FEh
        and dl, 01h
        or al, dl
        mov ah, al
        mov al, 0Bh
        call cmos_write
        call rtc_release
        jmp int1a_done

; AH=04h -> CH = century, CL = year, DH = month, DL = day (BCD)
time_get_rtc_date:
        call cmos_wait_uip
        jc time_unsupported
        mov al, 32h
        call cmos_read
        mov [bp+F_CH], al
        mov al, 09h
        call cmos_read
        mov [bp+F_CL], al
        mov al, 08h
        call cmos_read
        mov [bp+F_DH], al
        mov al, 07h
        call cmos_read
        mov [bp+F_DL], al
        jmp int1a_done

; AH=05h: CH:CL = century:year, DH = month, DL = day (BCD)
time_set_rtc_date:
        call cmos_wait_uip
        call rtc_hold
        mov al, 32h
        mov ah, ch
        call cmos_write
        mov al, 09h
        mov ah, cl
        call cmos_write
        mov al, 08h
        mov ah, dh
        call cmos_write
        mov al, 07h
        mov ah, dl
        call cmos_write
        call rtc_release
        jmp int1a_done

; SET bit in register B freezes updates while the clock is written
rtc_hold:
        push ax
        mov al, 0Bh
        call cmos_read
        or al, 80h
        mov ah, al
        mov al, 0Bh
        call cmos_write
        pop ax
        ret
rtc_release:
        push ax
        mov al, 0Bh
        call cmos_read
        and al, 7Fh
        mov ah, al
        mov al, 0Bh
        call cmos_write
        pop ax
        ret
