; hw/cmos.asm - MC146818 CMOS RAM / real-time clock.

; AL = register -> AL = value. Bit 7 of the index port is the NMI mask;
; keeping NMI enabled (bit clear) is what the PC does in normal operation.
cmos_read:
        and al, 7Fh
        out CMOS_INDEX, al
        in al, CMOS_DATA
        ret

; AL = register, AH = value.
cmos_write:
        and al, 7Fh
        out CMOS_INDEX, al
        mov al, ah
        out CMOS_DATA, al
        ret

; Wait until no update cycle is running so a read of the time registers
; is consistent. Gives up after a while (a stuck clock must not hang boot).
; Returns CF=1 on timeout.
cmos_wait_uip:
        push ax
        push cx
        mov cx, 0FFFFh
.poll:  mov al, 0Ah
        call cmos_read
        test al, 80h
        jz .ok
        loop .poll
        stc
        jmp .out
.ok:    clc
.out:   pop cx
        pop ax
        ret

; Put the RTC into the state the BIOS services assume: BCD, 24-hour,
; update cycles running, periodic/alarm/update interrupts off.
cmos_init:
        mov al, 0Ah
        call cmos_read
        and al, 0F0h
        or al, 06h                  ; periodic rate 1024 Hz for INT 15h waits
        and al, 7Fh
        mov ah, al
        mov al, 0Ah
        call cmos_write
        mov al, 0Bh
        call cmos_read
        and al, 07h                 ; keep DSE/24h/DM bits only, SET=0, no IRQs
        or al, 02h                  ; 24-hour
        mov ah, al
        mov al, 0Bh
        call cmos_write
        mov al, 0Ch                 ; reading C acknowledges anything pending
        call cmos_read
        ret
