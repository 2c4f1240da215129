; int13_floppy.asm - INT 13h for A:/B:, which are ATA devices on the
; secondary channel presented with the floppy geometry their size implies.
; Entered from int13_handler with the frame saved and DS = 40h.

int13_floppy:
        mov al, ah
        cmp al, FD_FUNCS
        jae fd_bad_function
        xor ah, ah
        mov bx, ax
        shl bx, 1
        mov ax, [bp+F_AX]
        jmp [cs:fd_table + bx]

fd_table:
        dw fd_reset                 ; 00
        dw fd_get_status            ; 01
        dw fd_read                  ; 02
        dw fd_write                 ; 03
        dw fd_verify                ; 04
        dw fd_format                ; 05
        dw fd_bad_function          ; 06
        dw fd_bad_function          ; 07
        dw fd_params                ; 08
        dw fd_bad_function          ; 09
        dw fd_bad_function          ; 0A
        dw fd_bad_function          ; 0B
        dw fd_bad_function          ; 0C
        dw fd_bad_function          ; 0D
        dw fd_bad_function          ; 0E
        dw fd_bad_function          ; 0F
        dw fd_bad_function          ; 10
        dw fd_bad_function          ; 11
        dw fd_bad_function          ; 12
        dw fd_bad_function          ; 13
        dw fd_bad_function          ; 14
        dw fd_get_type              ; 15
        dw fd_change_line           ; 16
        dw fd_set_dasd              ; 17
        dw fd_set_media             ; 18
FD_FUNCS equ ($ - fd_table) / 2

fd_bad_function:
        mov ah, 01h
        jmp int13_fd_status

; DL -> SI = unit; CF=1 (with AH = 80h "not ready") if no such drive.
fd_unit:
        mov dl, [bp+F_DL]
        xor dh, dh
        mov si, dx
        mov ah, 80h
        cmp dl, 1
        ja .no
        call unit_present
        ret
.no:    stc
        ret

fd_reset:
        call fd_unit
        jc .out
        xor ah, ah
.out:   jmp int13_fd_status

fd_get_status:
        mov ah, [BDA_FD_STATUS]
        jmp int13_return

fd_read:
        mov bl, ATA_OP_READ
        jmp fd_transfer
fd_write:
        mov bl, ATA_OP_WRITE
        jmp fd_transfer
fd_verify:
        mov bl, ATA_OP_VERIFY
fd_transfer:
        call fd_unit
        jc .out
        ; software looks at the motor bits; keep them plausible
        mov cx, si
        mov al, 1
        shl al, cl
        or [BDA_FD_MOTOR], al
        mov byte [BDA_FD_MOTOR_TO], 37  ; about 2 seconds
        call int13_chs_transfer
.out:   jmp int13_fd_status

; AH=05h: formatting a track on an image has nothing to lay down; accept.
fd_format:
        call fd_unit
        jc .out
        xor ah, ah
.out:   jmp int13_fd_status

; SI = unit -> AX = offset of the diskette parameter table for its format,
; BL = CMOS-style drive type.
fd_table_for_unit:
        push cx
        push dx
        call unit_geometry          ; CX = cyls, BH = heads, BL = spt
        mov dl, bl
        mov ax, fd_param_1440
        mov bl, 4
        cmp dl, 18
        je .out
        mov ax, fd_param_2880
        mov bl, 6
        cmp dl, 36
        je .out
        mov ax, fd_param_1200
        mov bl, 2
        cmp dl, 15
        je .out
        mov ax, fd_param_720
        mov bl, 3
        cmp cx, 40
        ja .out
        mov bl, 1                   ; 40-track formats live in a 360K drive
        mov ax, fd_param_360
        cmp dl, 9
        je .out
        mov ax, fd_param_320
.out:   pop dx
        pop cx
        ret

; number of floppy drives -> AL
fd_count:
        mov al, [PV_ATA_PRESENT]
        and al, 03h
        cmp al, 3
        jne .one_or_none
        mov al, 2
        ret
.one_or_none:
        test al, al
        jz .out
        mov al, 1
.out:   ret

; AH=08h: drive parameters
fd_params:
        call fd_unit                ; reads the caller's DL first
        pushf
        call fd_count
        mov [bp+F_DL], al
        popf
        jc .absent
        call fd_table_for_unit      ; AX = table, BL = type
        mov [bp+F_DI], ax
        mov word [bp+F_ES], BIOS_SEG
        xor bh, bh
        mov [bp+F_BX], bx
        call frame_geometry
        mov word [bp+F_AX], 0
        xor ah, ah
        jmp int13_fd_status
.absent:
        ; no such drive: report zeros (but the drive count) and no error
        mov word [bp+F_AX], 0
        mov word [bp+F_BX], 0
        mov word [bp+F_CX], 0
        mov byte [bp+F_DH], 0
        mov word [bp+F_ES], 0
        mov word [bp+F_DI], 0
        xor ah, ah
        jmp int13_fd_status

; AH=15h: drive type (not a status: AH = 00h none, 02h floppy with change line)
fd_get_type:
        call fd_unit
        mov ah, 0
        jc .out
        mov ah, 02h
.out:   mov [bp+F_AH], ah
        FRAME_CLC
        jmp int13_exit

; AH=16h: images never change under DOS's feet
fd_change_line:
        call fd_unit
        jc .out
        xor ah, ah
.out:   jmp int13_fd_status

; AH=17h: set drive type for format - nothing to configure
fd_set_dasd:
        call fd_unit
        jc .out
        xor ah, ah
.out:   jmp int13_fd_status

; AH=18h: set media type for format -> ES:DI = parameter table
fd_set_media:
        call fd_unit
        jc .out
        call fd_table_for_unit
        mov [bp+F_DI], ax
        mov word [bp+F_ES], BIOS_SEG
        xor ah, ah
.out:   jmp int13_fd_status
