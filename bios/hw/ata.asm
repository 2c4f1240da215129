; hw/ata.asm - ATA (IDE) disks by programmed I/O, polled.
;
; Units: 0 = A: (secondary master), 1 = B: (secondary slave),
;        2 = C: (primary master),   3 = D: (primary slave).
; Interrupts are masked at the devices (nIEN) and the BIOS polls BSY/DRQ:
; a BIOS call is synchronous anyway, and polling needs no IRQ14/15 plumbing
; that DOS drivers might later want to own.

ATA_PRI_BASE    equ 1F0h
ATA_SEC_BASE    equ 170h
ATA_CTRL_OFS    equ 206h        ; base + 206h = device control / alt status

ATA_REG_DATA    equ 0
ATA_REG_ERROR   equ 1
ATA_REG_COUNT   equ 2
ATA_REG_LBA0    equ 3
ATA_REG_LBA1    equ 4
ATA_REG_LBA2    equ 5
ATA_REG_DEVICE  equ 6
ATA_REG_STATUS  equ 7

ATA_ST_BSY      equ 80h
ATA_ST_DF       equ 20h
ATA_ST_DRQ      equ 08h
ATA_ST_ERR      equ 01h

ATA_ERR_UNC     equ 40h
ATA_ERR_IDNF    equ 10h
ATA_ERR_ABRT    equ 04h

ATA_CMD_READ    equ 20h
ATA_CMD_WRITE   equ 30h
ATA_CMD_IDENT   equ 0ECh

ATA_OP_READ     equ 0
ATA_OP_WRITE    equ 1
ATA_OP_VERIFY   equ 2

; where IDENTIFY data lands during POST (free until INT 19h loads 7C00h)
ATA_IDENT_BUF   equ 7E00h

; SI = unit -> BX = command block base port, AH = device register bits
; (LBA mode + master/slave).
ata_unit_port:
        mov bx, ATA_SEC_BASE
        cmp si, 2
        jb .chan
        mov bx, ATA_PRI_BASE
.chan:  mov ah, 0E0h
        test si, 1
        jz .master
        mov ah, 0F0h
.master:
        ret

; DX = status port -> AL = status once BSY is clear. CF=1 on timeout
; (a missing or hung device must not hang the BIOS call).
ata_wait_not_busy:
        push bx
        push cx
        mov bx, 8
.outer: mov cx, 0FFFFh
.poll:  in al, dx
        test al, ATA_ST_BSY
        jz .ok
        loop .poll
        dec bx
        jnz .outer
        stc
        jmp .out
.ok:    clc
.out:   pop cx
        pop bx
        ret

; BX = base port. Reading the alternate status four times is the ~400 ns
; the ATA spec asks for after selecting a device or issuing a command,
; without clearing a pending interrupt.
ata_delay400:
        push ax
        push dx
        mov dx, bx
        add dx, ATA_CTRL_OFS
        in al, dx
        in al, dx
        in al, dx
        in al, dx
        pop dx
        pop ax
        ret

; CX words from data port DX to ES:DI (DI advances, CX ends 0; DF = 0).
; DS = 40h. One REP INSW where the CPU has it (see post_detect_cpu).
ata_read_words:
        test byte [PV_FLAGS], PVF_STRING_IO
        jz .loop
        cpu 186
        rep insw
        cpu 8086
        ret
.loop:  in ax, dx
        stosw
        loop .loop
        ret

; CX words from ES:DI to data port DX (DI advances, CX ends 0; DF = 0).
; DS = 40h; AX is clobbered.
ata_write_words:
        test byte [PV_FLAGS], PVF_STRING_IO
        jz .loop
        push ds
        push si
        mov si, di
        push es
        pop ds
        cpu 186
        rep outsw
        cpu 8086
        mov di, si
        pop si
        pop ds
        ret
.loop:  mov ax, [es:di]
        out dx, ax
        add di, 2
        loop .loop
        ret

; POST: set nIEN on both channels.
ata_init_channels:
        mov al, 02h
        mov dx, ATA_PRI_BASE + ATA_CTRL_OFS
        out dx, al
        mov dx, ATA_SEC_BASE + ATA_CTRL_OFS
        out dx, al
        ret

; SI = unit -> CF=0 and DX:AX = total LBA28 sectors if an ATA disk answers
; IDENTIFY DEVICE; CF=1 if nothing (usable) is there.
; Clobbers BX, CX, DI, ES.
ata_identify:
        call ata_unit_port
        mov dx, bx
        add dx, ATA_REG_DEVICE
        mov al, ah
        and al, 0F0h
        out dx, al
        call ata_delay400
        mov dx, bx
        add dx, ATA_REG_STATUS
        in al, dx
        ; floating bus (FFh/7Fh) or no device behind a live channel (00h)
        cmp al, 0FFh
        je .absent
        cmp al, 7Fh
        je .absent
        test al, al
        jz .absent
        call ata_wait_not_busy
        jc .absent
        ; the register file must hold what we write, or nothing is there
        mov dx, bx
        add dx, ATA_REG_COUNT
        mov al, 55h
        out dx, al
        inc dx
        mov al, 0AAh
        out dx, al
        dec dx
        in al, dx
        cmp al, 55h
        jne .absent
        inc dx
        in al, dx
        cmp al, 0AAh
        jne .absent
        mov dx, bx
        add dx, ATA_REG_STATUS
        mov al, ATA_CMD_IDENT
        out dx, al
        call ata_delay400
        call ata_wait_not_busy
        jc .absent
        test al, ATA_ST_ERR         ; ATAPI and friends abort IDENTIFY DEVICE
        jnz .absent
        test al, ATA_ST_DRQ
        jz .absent
        xor ax, ax
        mov es, ax
        mov di, ATA_IDENT_BUF
        mov dx, bx
        mov cx, 256
        cld
        call ata_read_words
        mov ax, [es:ATA_IDENT_BUF + 60*2]
        mov dx, [es:ATA_IDENT_BUF + 61*2]
        mov cx, ax
        or cx, dx
        jnz .have_size
        ; pre-LBA device: default CHS capacity from words 1, 3, 6
        mov ax, [es:ATA_IDENT_BUF + 1*2]
        mul word [es:ATA_IDENT_BUF + 3*2]
        mov cx, [es:ATA_IDENT_BUF + 6*2]
        mul cx                      ; ignores overflow: such disks are tiny
.have_size:
        and dx, 0FFFh               ; LBA28
        clc
        ret
.absent:
        stc
        ret

; Transfer sectors one ATA command at a time.
;   SI = unit, DX:AX = first LBA, CX = sector count (>= 1),
;   ES:DI = buffer, BL = ATA_OP_READ / ATA_OP_WRITE / ATA_OP_VERIFY
; Returns CX = sectors done, AH = INT 13h status (0 = ok), CF = AH != 0.
; The buffer pointer is renormalised before every sector, so transfers that
; run past the end of the caller's segment continue linearly in memory the
; way DMA would. Clobbers AX, BX, DX, DI, ES.
ata_xfer:
        push bp
        mov bp, sp
        sub sp, 12
        mov [bp-2], ax              ; LBA low word
        mov [bp-4], dx              ; LBA high word
        mov [bp-6], cx              ; sectors left
        mov word [bp-8], 0          ; sectors done
        mov [bp-11], bl             ; operation
        call ata_unit_port
        mov [bp-10], bx             ; base port
        mov [bp-12], ah             ; device bits
.sector:
        cmp word [bp-6], 0
        je .ok
        mov ax, di
        mov cl, 4
        shr ax, cl
        mov dx, es
        add dx, ax
        mov es, dx
        and di, 0Fh
        mov bx, [bp-10]
        mov dx, bx
        add dx, ATA_REG_STATUS
        call ata_wait_not_busy
        jc .timeout
        mov al, [bp-3]              ; LBA bits 24-27 go in the device register
        and al, 0Fh
        or al, [bp-12]
        mov dx, bx
        add dx, ATA_REG_DEVICE
        out dx, al
        call ata_delay400
        mov dx, bx
        add dx, ATA_REG_STATUS
        call ata_wait_not_busy
        jc .timeout
        mov dx, bx
        add dx, ATA_REG_COUNT
        mov al, 1
        out dx, al
        inc dx
        mov al, [bp-2]
        out dx, al
        inc dx
        mov al, [bp-1]
        out dx, al
        inc dx
        mov al, [bp-4]
        out dx, al
        mov dx, bx
        add dx, ATA_REG_STATUS
        mov al, ATA_CMD_READ
        cmp byte [bp-11], ATA_OP_WRITE
        jne .issue
        mov al, ATA_CMD_WRITE
.issue: out dx, al
        call ata_delay400
        call ata_wait_not_busy
        jc .timeout
        test al, ATA_ST_ERR | ATA_ST_DF
        jnz .error
        test al, ATA_ST_DRQ
        jz .error
        mov dx, bx                  ; data port
        mov cx, 256
        mov al, [bp-11]
        cmp al, ATA_OP_WRITE
        je .write
        cmp al, ATA_OP_VERIFY
        je .verify
.read:  call ata_read_words
        jmp .next
.verify:
        in ax, dx
        loop .verify
        jmp .next
.write: call ata_write_words
        add dx, ATA_REG_STATUS
        call ata_delay400
        call ata_wait_not_busy
        jc .timeout
        test al, ATA_ST_ERR | ATA_ST_DF
        jnz .error
.next:  inc word [bp-8]
        dec word [bp-6]
        add word [bp-2], 1
        adc word [bp-4], 0
        jmp .sector
.ok:    xor ah, ah
        jmp .out
.timeout:
        mov ah, 80h
        jmp .out
.error: mov dx, [bp-10]
        inc dx                      ; error register
        in al, dx
        cmp byte [bp-11], ATA_OP_WRITE
        jne .read_error
        ; a read-only image refuses writes with ABRT: report write protect
        mov ah, 03h
        test al, ATA_ERR_ABRT
        jnz .out
        cmp si, 2
        jb .out                     ; floppies only know "write protected"
        mov ah, 0CCh                ; fixed disk write fault
        jmp .out
.read_error:
        mov ah, 10h                 ; uncorrectable data error
        test al, ATA_ERR_UNC
        jnz .out
        mov ah, 04h                 ; sector not found
.out:   mov cx, [bp-8]
        mov sp, bp
        pop bp
        cmp ah, 1
        cmc                         ; CF = (AH != 0)
        ret
