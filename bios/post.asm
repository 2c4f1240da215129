; post.asm - power-on self test: bring the chips and tables into the state
; DOS expects, report what was found, then INT 19h.
;
; Stack during POST and at boot: 0000:7C00 downward (below the boot sector).

post_start:
        cli
        cld
        POST_CODE 01h
        xor ax, ax
        mov ss, ax
        mov sp, 7C00h
        mov ax, BDA_SEG
        mov ds, ax
        mov es, ax

        ; ---- clear the BIOS data area ----
        POST_CODE 02h
        xor di, di
        mov cx, 128
        xor ax, ax
        rep stosw

        ; ---- interrupt vector table ----
        POST_CODE 03h
        call post_ivt

        ; ---- interrupt controllers, timer, clock chip ----
        POST_CODE 04h
        call pic_init
        POST_CODE 05h
        call pit_init
        POST_CODE 06h
        call cmos_init
        mov al, CMOS_PCEMU_CFG
        call cmos_read
        and al, PVF_SERCON
%ifdef FORCE_SERIAL_CONSOLE
        or al, PVF_SERCON
%endif
        mov [PV_FLAGS], al
        call post_detect_cpu

        ; ---- memory ----
        POST_CODE 07h
        call post_size_ram
        mov [BDA_MEM_KB], ax

        ; ---- BIOS data area basics ----
        POST_CODE 08h
        mov word [BDA_KB_HEAD], BDA_KB_BUF
        mov word [BDA_KB_TAIL], BDA_KB_BUF
        mov word [BDA_KB_START], BDA_KB_BUF
        mov word [BDA_KB_END], BDA_KB_BUF_END
        mov byte [BDA_KB_FLAGS3], 10h           ; 101/102-key keyboard present
        mov word [BDA_LPT_TIMEOUT], 1414h
        mov byte [BDA_LPT_TIMEOUT+2], 14h

        ; ---- serial ports ----
        POST_CODE 09h
        call uart_detect                        ; CL = count
        mov al, cl
        and al, 7
        shl al, 1                               ; serial port count: bits 9-11
        mov ah, al
        mov al, 20h                             ; initial video: 80x25 colour
        mov [BDA_EQUIPMENT], ax
        test byte [PV_FLAGS], PVF_SERCON
        jz .no_sercon
        cmp word [BDA_COM_BASE], COM1_BASE
        je .sercon_ok
        and byte [PV_FLAGS], ~PVF_SERCON & 0FFh  ; no UART at 3F8h: stay quiet
        mov si, msg_no_com1
        call dbg_puts
        jmp .no_sercon
.sercon_ok:
        call sercon_uart_init
        mov al, 4
        call pic_unmask
        push es
        xor ax, ax
        mov es, ax
        mov word [es:0Ch*4], sercon_irq4
        pop es
.no_sercon:

        ; ---- keyboard, first half: its self test runs while the video comes up ----
        POST_CODE 0Bh
        call kbc_start
        pushf

        ; ---- video ----
        POST_CODE 0Ah
        mov ax, 0003h
        int 10h
        mov si, msg_banner
        call con_puts
        mov si, msg_memory
        call con_puts
        mov ax, [BDA_MEM_KB]
        call con_put_dec
        mov si, msg_kb_crlf
        call con_puts

        ; ---- time of day ----
        POST_CODE 0Ch
        call post_init_ticks

        ; ---- disks ----
        POST_CODE 0Dh
        call ata_init_channels
        call post_detect_disks

        ; ---- keyboard, second half: its self test is done by now ----
        popf
        call kbc_finish

        ; ---- interrupts on ----
        POST_CODE 0Eh
        mov al, 0                               ; timer
        call pic_unmask
        mov al, 1                               ; keyboard
        call pic_unmask
        mov al, 8                               ; RTC (only used for INT 15h waits)
        call pic_unmask
        mov al, 0Ch
        call cmos_read                          ; drop anything latched meanwhile
        sti

        POST_CODE 0Fh
        mov si, msg_crlf
        call con_puts
        int 19h
        ; INT 19h never returns
        jmp $

; ---------------------------------------------------------------------
; Interrupt vector table. Every vector up to 77h gets a harmless default
; so a stray INT returns instead of jumping into zeros; the user vectors
; 60h-67h and everything from 78h up stay zero as DOS programs expect.
post_ivt:
        push ds
        push es
        xor ax, ax
        mov es, ax
        mov ds, ax
        xor di, di
        mov ax, dummy_iret
        stosw
        mov ax, BIOS_SEG
        stosw
        xor si, si                      ; the rest up to 77h copy the first:
        mov cx, (78h - 1) * 2           ; each word is read 4 bytes behind
        rep movsw                       ; where it is written
        xor ax, ax
        mov cx, (100h - 78h) * 2
        rep stosw
        mov di, 60h*4
        mov cx, 8*2
        rep stosw
        ; specific vectors
        mov ax, cs
        mov ds, ax
        mov si, ivt_table
.next:  lodsb
        cmp al, 0FFh
        je .done
        xor ah, ah
        shl ax, 1
        shl ax, 1
        mov di, ax
        movsw
        lodsw                           ; segment: 0 means "pointer into RAM"
        stosw
        jmp .next
.done:  pop es
        pop ds
        ret

; vector, offset, segment
ivt_table:
        db 02h
        dw nmi_handler, BIOS_SEG
        db 06h
        dw int06_handler, BIOS_SEG
        db 08h
        dw int08_handler, BIOS_SEG
        db 09h
        dw int09_handler, BIOS_SEG
        db 0Ah
        dw irq_master_default, BIOS_SEG
        db 0Bh
        dw irq_master_default, BIOS_SEG
        db 0Ch
        dw irq_master_default, BIOS_SEG
        db 0Dh
        dw irq_master_default, BIOS_SEG
        db 0Eh
        dw irq_master_default, BIOS_SEG
        db 0Fh
        dw irq7_handler, BIOS_SEG
        db 10h
        dw int10_handler, BIOS_SEG
        db 11h
        dw int11_handler, BIOS_SEG
        db 12h
        dw int12_handler, BIOS_SEG
        db 13h
        dw int13_handler, BIOS_SEG
        db 14h
        dw int14_handler, BIOS_SEG
        db 15h
        dw int15_handler, BIOS_SEG
        db 16h
        dw int16_handler, BIOS_SEG
        db 17h
        dw int17_handler, BIOS_SEG
        db 18h
        dw int18_handler, BIOS_SEG
        db 19h
        dw int19_handler, BIOS_SEG
        db 1Ah
        dw int1a_handler, BIOS_SEG
        db 1Dh
        dw video_param_table, BIOS_SEG
        db 1Eh
        dw fd_param_1440, BIOS_SEG
        db 1Fh
        dw font8x8 + 400h, BIOS_SEG
        db 41h
        dw FDPT_C_LINEAR, 0
        db 43h
        dw font8x8, BIOS_SEG
        db 46h
        dw FDPT_D_LINEAR, 0
        db 70h
        dw int70_handler, BIOS_SEG
        db 71h
        dw int71_handler, BIOS_SEG
        db 72h
        dw irq_slave_default, BIOS_SEG
        db 73h
        dw irq_slave_default, BIOS_SEG
        db 74h
        dw irq_slave_default, BIOS_SEG
        db 75h
        dw int75_handler, BIOS_SEG
        db 76h
        dw irq_slave_default, BIOS_SEG
        db 77h
        dw irq15_handler, BIOS_SEG
        db 0FFh

; ---------------------------------------------------------------------
; The 80186 and later mask shift counts to 5 bits; the 8086 shifts by all of
; CL. On an 80186 or later set PVF_STRING_IO: the disk code then moves each
; sector with one REP INSW/OUTSW instead of a 256-pass IN/STOSW loop.
; DS = 40h.
post_detect_cpu:
        mov al, 1
        mov cl, 32
        shl al, cl                      ; 8086: 0, 80186+: 1 (shifted by 0)
        test al, al
        jz .done
        or byte [PV_FLAGS], PVF_STRING_IO
.done:  ret

; -> AX = KB of conventional RAM. Probes the KBs above the first 64K with
; two patterns (restoring the old contents) and stops at the first that does
; not hold, or at 640K: the video RAM above must never count. Whole 16K
; steps first (checking their first KB), then KB by KB from the last step
; that held, so a full 640K takes 36 probes instead of 576.
post_size_ram:
        SAVE_REGS bx, cx, dx, es
        mov bx, 64
        mov dx, 16                      ; KBs per probe: 16, then 1
.probe: cmp bx, 640
        jae .done
        mov ax, bx
        mov cl, 6
        shl ax, cl                      ; KB -> paragraph
        mov es, ax
        mov cx, [es:0]
        mov word [es:0], 0AA55h
        cmp word [es:0], 0AA55h
        jne .restore_stop
        mov word [es:0], 55AAh
        cmp word [es:0], 55AAh
        jne .restore_stop
        mov [es:0], cx
        add bx, dx
        jmp .probe
.restore_stop:
        mov [es:0], cx
.done:  cmp dx, 1
        je .sized
        sub bx, 15                      ; the KB after the last coarse probe that held
        mov dx, 1
        jmp .probe
.sized: mov ax, bx
        RESTORE_REGS bx, cx, dx, es
        ret

; ---------------------------------------------------------------------
; Tick counter from the RTC time, so INT 1Ah AH=00h agrees with the clock.
; ticks = seconds * 1193180 / 65536 = seconds * 18 + seconds * 13532 / 65536
post_init_ticks:
        call cmos_wait_uip
        mov al, 04h
        call cmos_read
        call bcd_to_bin
        mov bl, al                      ; hours
        mov al, 02h
        call cmos_read
        call bcd_to_bin
        mov bh, al                      ; minutes
        mov al, 00h
        call cmos_read
        call bcd_to_bin
        mov cl, al                      ; seconds
        ; seconds since midnight into DI:SI
        mov al, bl
        xor ah, ah
        mov dx, 3600
        mul dx
        mov si, ax
        mov di, dx
        mov al, bh
        xor ah, ah
        mov dx, 60
        mul dx
        add si, ax
        adc di, 0
        xor ch, ch
        add si, cx
        adc di, 0
        ; fractional part: (DI:SI * 13532) >> 16
        mov ax, si
        mov bx, 13532
        mul bx
        mov cx, dx                      ; high word of low product
        mov ax, di
        mul bx
        add cx, ax                      ; DI is 0 or 1: no further carry
        ; integer part: DI:SI * 18
        mov ax, si
        mov bx, 18
        mul bx
        push dx
        push ax
        mov ax, di
        mul bx
        pop bx                          ; low
        pop dx
        add dx, ax
        add bx, cx
        adc dx, 0
        cli
        mov [BDA_TICKS], bx
        mov [BDA_TICKS+2], dx
        ret

; AL = BCD -> AL = binary
bcd_to_bin:
        push cx
        mov ah, al
        mov cl, 4
        shr ah, cl
        and al, 0Fh
        mov cl, al
        mov al, 10
        mul ah
        add al, cl
        pop cx
        ret

; AL = binary (0-99) -> AL = BCD
bin_to_bcd:
        push cx
        xor ah, ah
        mov cl, 10
        div cl
        mov cl, 4
        shl al, cl
        or al, ah
        pop cx
        ret

; ---------------------------------------------------------------------
; ATA units: floppies on the secondary channel, hard disks on the primary.
post_detect_disks:
        xor si, si
.unit:  push si
        call ata_identify
        pop si
        jc .absent
        mov bx, si
        shl bx, 1
        shl bx, 1
        mov [PV_TOTAL + bx], ax
        mov [PV_TOTAL + bx + 2], dx
        mov cx, si
        mov bl, 1
        shl bl, cl
        or [PV_ATA_PRESENT], bl
        cmp si, 2
        jae .hard
        call post_floppy_geometry
        jmp .report
.hard:  call post_disk_geometry
        inc byte [BDA_HD_COUNT]
.report:
        call post_report_unit
.absent:
        inc si
        cmp si, 4
        jb .unit

        ; equipment word: floppy present bit and count-1 in bits 6-7
        mov al, [PV_ATA_PRESENT]
        and al, 03h
        jz .no_floppy
        mov ah, 01h                     ; one drive
        cmp al, 03h
        jne .fd_bits
        mov ah, 41h                     ; two drives
.fd_bits:
        or [BDA_EQUIPMENT], ah
.no_floppy:
        cmp byte [PV_ATA_PRESENT], 0
        jne .done
        mov si, msg_no_drives
        call con_puts
.done:  ret

; SI = unit (0/1), DX:AX = total sectors -> floppy geometry at PV_FD_GEOM.
; Standard floppy formats are recognised by size; anything else gets an
; 18-sector, 2-head layout covering as much of it as fits.
post_floppy_geometry:
        push si
        mov bx, si
        shl bx, 1
        shl bx, 1
        add bx, PV_FD_GEOM
        mov si, floppy_formats
.find:  mov cx, [cs:si]
        test cx, cx
        jz .generic
        test dx, dx
        jnz .generic
        cmp cx, ax
        je .found
        add si, FLOPPY_FORMAT_SIZE
        jmp .find
.found: mov cx, [cs:si+2]
        mov [bx], cx
        mov cx, [cs:si+4]               ; heads, spt
        mov [bx+2], cx
        pop si
        ret
.generic:
        mov cx, 36
        push bx
        call div32_16                   ; DX:AX = cylinders
        pop bx
        test dx, dx
        jnz .cap
        cmp ax, 255
        jbe .set
.cap:   mov ax, 255
.set:   mov [bx], ax
        mov word [bx+2], 1202h          ; 2 heads, 18 sectors
        pop si
        ret

; DX:AX / CX -> DX:AX quotient, CX unchanged, BX = remainder
div32_16:
        push cx
        mov bx, ax
        mov ax, dx
        xor dx, dx
        div cx
        xchg ax, bx
        div cx
        xchg dx, bx                     ; DX = high quotient, BX = remainder
        pop cx
        ret

; SI = unit (2/3), DX:AX = total sectors -> FDPT for that disk, with the
; LBA-assisted translation the image tool uses: 63 sectors per track and
; the smallest head count from 16, 32, 64, 128, 255 that keeps the
; cylinder count at or below 1024.
post_disk_geometry:
        SAVE_REGS si, ax, dx
        mov si, disk_head_choices
.try:   mov cl, [cs:si]
        xor ch, ch
        cmp cl, 255
        je .chosen
        push ax
        push dx
        mov al, cl
        mov ah, 63
        mul ah
        mov bx, ax
        pop dx
        pop ax
        SAVE_REGS ax, dx, cx
        mov cx, bx
        call div32_16
        pop cx
        test dx, dx
        jnz .too_many
        cmp ax, 1024
        ja .too_many
        pop dx
        pop ax
        jmp .chosen
.too_many:
        pop dx
        pop ax
        inc si
        jmp .try
.chosen:
        ; CX = heads; cylinders = min(1024, total / (heads * 63))
        mov bl, cl
        mov al, cl
        mov ah, 63
        mul ah
        mov cx, ax
        pop dx
        pop ax
        push bx
        call div32_16
        pop bx                          ; BL = heads
        test dx, dx
        jnz .cap
        cmp ax, 1024
        jbe .have_cyl
.cap:   mov ax, 1024
.have_cyl:
        test ax, ax
        jnz .nonzero
        inc ax                          ; a disk under one cylinder still gets one
.nonzero:
        pop si
        ; fill the table
        mov di, PV_FDPT_C
        cmp si, 2
        je .fill
        mov di, PV_FDPT_D
.fill:  mov [di+0], ax                  ; cylinders
        mov [di+2], bl                  ; heads
        mov word [di+3], 0              ; reduced write current cylinder
        mov word [di+5], 0FFFFh         ; no write precompensation
        mov byte [di+7], 0
        mov byte [di+8], 0
        cmp bl, 8
        jbe .ctl
        mov byte [di+8], 08h            ; more than 8 heads
.ctl:   mov word [di+9], 0
        mov byte [di+11], 0
        mov [di+12], ax                 ; landing zone
        mov byte [di+14], 63            ; sectors per track
        mov byte [di+15], 0
        ret

disk_head_choices: db 16, 32, 64, 128, 255

; SI = unit: print "A: floppy 1440K (80/2/18)" or
; "C: hard disk 504 MB (1024/16/63)".
post_report_unit:
        push si
        mov ax, si
        add al, 'A'
        call con_putc
        mov al, ':'
        call con_putc
        mov bx, si
        shl bx, 1
        shl bx, 1
        mov ax, [PV_TOTAL + bx]
        mov dx, [PV_TOTAL + bx + 2]
        cmp si, 2
        jae .hard
        mov si, msg_floppy
        call con_puts
        shr dx, 1
        rcr ax, 1
        call con_put_dec32
        mov al, 'K'
        call con_putc
        mov ax, [PV_FD_GEOM + bx]
        mov cl, [PV_FD_GEOM + bx + 2]
        mov ch, [PV_FD_GEOM + bx + 3]
        jmp .chs
.hard:  mov si, msg_hard
        call con_puts
        push bx
        mov cx, 2048
        call div32_16
        pop bx
        call con_put_dec32
        mov si, msg_mb
        call con_puts
        mov di, PV_FDPT_C
        cmp bx, 8
        je .fdpt
        mov di, PV_FDPT_D
.fdpt:  mov ax, [di]
        mov cl, [di+2]
        mov ch, [di+14]
.chs:   push cx
        mov si, msg_chs_open
        call con_puts
        call con_put_dec
        mov al, '/'
        call con_putc
        pop cx
        push cx
        mov al, cl
        xor ah, ah
        call con_put_dec
        mov al, '/'
        call con_putc
        pop cx
        mov al, ch
        xor ah, ah
        call con_put_dec
        mov si, msg_chs_close
        call con_puts
        pop si
        ret

msg_banner:     db 'pcemu BIOS ', BIOS_VERSION_STR, ' - open BIOS for the pcemu PC emulator', 13, 10, 0
msg_memory:     db 'Memory: ', 0
msg_kb_crlf:    db 'K', 13, 10, 0
msg_crlf:       db 13, 10, 0
msg_floppy:     db ' floppy ', 0
msg_hard:       db ' hard disk ', 0
msg_mb:         db ' MB', 0
msg_chs_open:   db ' (CHS ', 0
msg_chs_close:  db ')', 13, 10, 0
msg_no_drives:  db 'No ATA drives found', 13, 10, 0
msg_no_com1:    db 'pcemu BIOS: serial console requested but no UART at 3F8h', 13, 10, 0
