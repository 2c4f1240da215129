; irq.asm - default and small hardware interrupt handlers, CPU exceptions.

dummy_iret:
        iret

; NMI: nothing on this machine raises it; ignore rather than halt.
nmi_handler:
        iret

; Unclaimed master IRQ: acknowledge it so lower-priority lines keep working.
irq_master_default:
        push ax
        mov al, 20h
        out PIC1_CMD, al
        pop ax
        iret

; Unclaimed slave IRQ: both controllers took part in delivering it.
irq_slave_default:
        push ax
        mov al, 20h
        out PIC2_CMD, al
        out PIC1_CMD, al
        pop ax
        iret

; IRQ7 is where the master reports a request that vanished (spurious);
; a spurious one is not in service and must not get an EOI.
irq7_handler:
        push ax
        mov al, 0Bh                 ; OCW3: read ISR
        out PIC1_CMD, al
        in al, PIC1_CMD
        test al, 80h
        jz .spurious
        mov al, 20h
        out PIC1_CMD, al
.spurious:
        pop ax
        iret

; IRQ15: the slave's spurious line. A spurious slave IRQ still went
; through the master's cascade input, so the master gets its EOI.
irq15_handler:
        push ax
        mov al, 0Bh
        out PIC2_CMD, al
        in al, PIC2_CMD
        test al, 80h
        jz .spurious
        mov al, 20h
        out PIC2_CMD, al
.spurious:
        mov al, 20h
        out PIC1_CMD, al
        pop ax
        iret

; IRQ9 is the AT's rewired IRQ2: software written for the PC/XT hooks
; INT 0Ah, so pass it on there after acknowledging the slave.
int71_handler:
        push ax
        mov al, 20h
        out PIC2_CMD, al
        pop ax
        int 0Ah
        iret

; IRQ13: coprocessor error, reported to software as NMI (INT 2) like the AT.
int75_handler:
        push ax
        xor al, al
        out 0F0h, al                ; clear the coprocessor busy latch
        mov al, 20h
        out PIC2_CMD, al
        out PIC1_CMD, al
        pop ax
        int 02h
        iret

; IRQ8: RTC. The only source we enable is the periodic interrupt that
; times INT 15h AH=83h/86h waits (976 us per interrupt at 1024 Hz).
int70_handler:
        SAVE_REGS ax, bx, ds, es
        mov ax, BDA_SEG
        mov ds, ax
        mov al, 0Ch
        call cmos_read              ; also acknowledges the RTC
        test al, 40h
        jz .eoi
        test byte [BDA_WAIT_ACTIVE], 01h
        jz .eoi
        sub word [BDA_WAIT_US], 976
        sbb word [BDA_WAIT_US+2], 0
        jnc .eoi
        ; time is up: stop the periodic interrupt and signal the waiter
        mov byte [BDA_WAIT_ACTIVE], 80h
        les bx, [BDA_WAIT_PTR]
        mov ax, es
        or ax, bx
        jz .no_user_flag
        or byte [es:bx], 80h
.no_user_flag:
        call rtc_periodic_off
.eoi:   mov al, 20h
        out PIC2_CMD, al
        out PIC1_CMD, al
        RESTORE_REGS ax, bx, ds, es
        iret

rtc_periodic_off:
        push ax
        mov al, 0Bh
        call cmos_read
        and al, ~40h & 0FFh
        mov ah, al
        mov al, 0Bh
        call cmos_write
        pop ax
        ret

rtc_periodic_on:
        push ax
        mov al, 0Bh
        call cmos_read
        or al, 40h
        mov ah, al
        mov al, 0Bh
        call cmos_write
        pop ax
        ret

; INT 6: invalid opcode (80186). Nothing sensible can continue: say where
; it happened, then halt with interrupts off, which the emulator reports
; as a fatal guest stop with a register dump.
int06_handler:
        push bp
        mov bp, sp
        mov si, msg_invalid_opcode
        call con_puts
        mov ax, [bp+4]              ; CS
        call con_put_hex16
        mov al, ':'
        call con_putc
        mov ax, [bp+2]              ; IP
        call con_put_hex16
        mov si, msg_crlf
        call con_puts
        cli
.stop:  hlt
        jmp .stop

msg_invalid_opcode: db 13, 10, 'pcemu BIOS: invalid opcode at ', 0
