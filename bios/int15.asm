; int15.asm - system services. This machine has no extended memory, no
; protected mode and no PS/2 mouse, so most functions report "unsupported"
; (CF=1, AH=86h) in the documented way.

int15_handler:
        sti
        cld
        SAVE_FRAME
        mov si, BDA_SEG
        mov ds, si
        cmp ah, 4Fh
        je sys_key_intercept
        cmp ah, 83h
        je sys_event_wait
        cmp ah, 85h
        je sys_ok
        cmp ah, 86h
        je sys_wait
        cmp ah, 88h
        je sys_ext_mem
        cmp ah, 90h
        je sys_ok
        cmp ah, 91h
        je sys_ok
        cmp ah, 0C0h
        je sys_config
sys_unsupported:
        mov byte [bp+F_AH], 86h
        FRAME_STC
int15_done:
        RESTORE_FRAME_IRET

; AH=4Fh: keyboard intercept: nobody hooked us, the key goes through
; unchanged (CF=1).
sys_key_intercept:
        FRAME_STC
        jmp int15_done

; AH=85h SysReq, 90h device busy, 91h interrupt complete: nothing to do
sys_ok:
        mov byte [bp+F_AH], 0
        FRAME_CLC
        jmp int15_done

; AH=88h: KB of memory above 1 MB - none
sys_ext_mem:
        mov word [bp+F_AX], 0
        FRAME_CLC
        jmp int15_done

; AH=C0h: ES:BX -> system configuration table
sys_config:
        mov word [bp+F_ES], BIOS_SEG
        mov word [bp+F_BX], sys_config_table
        mov byte [bp+F_AH], 0
        FRAME_CLC
        jmp int15_done

; AH=86h: wait CX:DX microseconds, counted by the RTC periodic interrupt
; (INT 70h takes 976 us off per interrupt). The CPU sleeps in HLT between
; interrupts. As a guard against an RTC that never interrupts, the wait
; also ends once the PIT's tick count shows it is long overdue.
sys_wait:
        cli
        test byte [BDA_WAIT_ACTIVE], 01h
        jnz .busy
        mov [BDA_WAIT_US], dx
        mov [BDA_WAIT_US+2], cx
        mov word [BDA_WAIT_PTR], 0
        mov word [BDA_WAIT_PTR+2], 0
        mov byte [BDA_WAIT_ACTIVE], 01h
        call rtc_periodic_on
        ; guard: CX * 65536 us is about 1.2 ticks per unit of CX; allow 2,
        ; plus 2 ticks of slack
        mov bx, cx
        shl bx, 1
        add bx, 3
        mov si, [BDA_TICKS]
.sleep: sti
        hlt
        cli
        test byte [BDA_WAIT_ACTIVE], 80h
        jnz .done
        mov ax, [BDA_TICKS]
        sub ax, si
        cmp ax, bx
        jb .sleep
        call rtc_periodic_off
.done:  mov byte [BDA_WAIT_ACTIVE], 0
        sti
        mov byte [bp+F_AH], 0
        FRAME_CLC
        jmp int15_done
.busy:  sti
        mov byte [bp+F_AH], 83h     ; a wait is already in progress
        FRAME_STC
        jmp int15_done

; AH=83h: AL=0 start an event wait (set bit 7 of ES:BX after CX:DX us),
; AL=1 cancel it.
sys_event_wait:
        cmp al, 1
        je .cancel
        test al, al
        jnz sys_unsupported
        cli
        test byte [BDA_WAIT_ACTIVE], 01h
        jnz .busy
        mov [BDA_WAIT_US], dx
        mov [BDA_WAIT_US+2], cx
        mov ax, [bp+F_ES]
        mov [BDA_WAIT_PTR], bx
        mov [BDA_WAIT_PTR+2], ax
        mov byte [BDA_WAIT_ACTIVE], 01h
        call rtc_periodic_on
        sti
        FRAME_CLC
        jmp int15_done
.cancel:
        cli
        mov byte [BDA_WAIT_ACTIVE], 0
        call rtc_periodic_off
        sti
        FRAME_CLC
        jmp int15_done
.busy:  sti
        FRAME_STC
        jmp int15_done

sys_config_table:
        dw 8                        ; bytes that follow
        db 0FCh                     ; model: AT class
        db 01h                      ; submodel
        db 00h                      ; BIOS revision
        db 70h                      ; slave PIC, RTC, INT 09h calls INT 15h/4Fh
        db 40h                      ; INT 16h AH=09h supported
        db 0, 0, 0
