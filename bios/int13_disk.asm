; int13_disk.asm - INT 13h for C:/D: (ATA primary channel), CHS through the
; LBA-assisted translation in the FDPTs, plus the EDD packet functions.
; Entered from int13_handler with the frame saved and DS = 40h.

int13_disk:
        mov al, ah
        cmp al, HD_FUNCS
        jb .basic
        sub al, 41h
        jb hd_bad_function
        cmp al, HD_EXT_FUNCS
        jae hd_bad_function
        xor ah, ah
        mov bx, ax
        shl bx, 1
        mov ax, [bp+F_AX]
        jmp [cs:hd_ext_table + bx]
.basic: xor ah, ah
        mov bx, ax
        shl bx, 1
        mov ax, [bp+F_AX]
        jmp [cs:hd_table + bx]

hd_table:
        dw hd_ok_if_present         ; 00 reset
        dw hd_get_status            ; 01
        dw hd_read                  ; 02
        dw hd_write                 ; 03
        dw hd_verify                ; 04
        dw hd_ok_if_present         ; 05 format track: accept
        dw hd_bad_function          ; 06
        dw hd_bad_function          ; 07
        dw hd_params                ; 08
        dw hd_ok_if_present         ; 09 initialise drive parameters
        dw hd_bad_function          ; 0A read long
        dw hd_bad_function          ; 0B write long
        dw hd_seek                  ; 0C
        dw hd_ok_if_present         ; 0D alternate reset
        dw hd_bad_function          ; 0E
        dw hd_bad_function          ; 0F
        dw hd_ok_if_present         ; 10 test unit ready
        dw hd_ok_if_present         ; 11 recalibrate
        dw hd_bad_function          ; 12
        dw hd_bad_function          ; 13
        dw hd_ok_if_present         ; 14 controller diagnostic
        dw hd_get_type              ; 15
HD_FUNCS equ ($ - hd_table) / 2

hd_ext_table:
        dw hd_ext_check             ; 41
        dw hd_ext_read              ; 42
        dw hd_ext_write             ; 43
        dw hd_ext_verify            ; 44
        dw hd_bad_function          ; 45 lock/unlock: not removable
        dw hd_bad_function          ; 46 eject
        dw hd_ext_seek              ; 47
        dw hd_ext_params            ; 48
HD_EXT_FUNCS equ ($ - hd_ext_table) / 2

hd_bad_function:
        mov ah, 01h
        jmp int13_hd_status

; caller's DL -> SI = unit 2/3; CF=1 with AH = 01h if no such disk
hd_unit:
        mov al, [bp+F_DL]
        mov ah, 01h
        sub al, 80h
        cmp al, 1
        ja .no
        xor ah, ah
        add al, 2
        mov si, ax
        mov ah, 01h
        call unit_present
        ret
.no:    stc
        ret

hd_ok_if_present:
        call hd_unit
        jc .out
        xor ah, ah
.out:   jmp int13_hd_status

hd_get_status:
        mov ah, [BDA_HD_STATUS]
        jmp int13_return

hd_read:
        mov bl, ATA_OP_READ
        jmp hd_transfer
hd_write:
        mov bl, ATA_OP_WRITE
        jmp hd_transfer
hd_verify:
        mov bl, ATA_OP_VERIFY
hd_transfer:
        call hd_unit
        jc .out
        call int13_chs_transfer
.out:   jmp int13_hd_status

hd_seek:
        call hd_unit
        jc .out
        call chs_to_lba
        mov ah, 04h
        jc .out
        xor ah, ah
.out:   jmp int13_hd_status

; AH=08h: translated geometry, the same as the FDPT
hd_params:
        call hd_unit
        jc .out
        call frame_geometry
        mov al, [BDA_HD_COUNT]
        mov [bp+F_DL], al
        mov byte [bp+F_AL], 0
        xor ah, ah
.out:   jmp int13_hd_status

; AH=15h: AH = 03h (fixed disk), CX:DX = sectors addressable by CHS
hd_get_type:
        call hd_unit
        jc .none
        call unit_geometry
        mov al, bh
        mul bl                      ; heads * spt
        mul cx                      ; * cylinders
        mov [bp+F_CX], dx
        mov [bp+F_DX], ax
        mov byte [bp+F_AH], 03h
        mov byte [BDA_HD_STATUS], 0
        FRAME_CLC
        jmp int13_exit
.none:  mov byte [bp+F_AH], 0
        FRAME_CLC
        jmp int13_exit

; AH=41h: extensions present? BX = 55AAh in, AA55h out; AH = version
; (21h = EDD 1.1), CX bit 0 = the packet functions 42h-44h, 47h, 48h.
hd_ext_check:
        ; the caller's BX from the frame: the dispatch above used BX for the table index
        cmp word [bp+F_BX], 55AAh
        jne hd_bad_function
        call hd_unit
        jc .out
        mov word [bp+F_BX], 0AA55h
        mov word [bp+F_CX], 0001h
        mov byte [bp+F_AH], 21h
        mov byte [BDA_HD_STATUS], 0
        FRAME_CLC
        jmp int13_exit
.out:   jmp int13_hd_status

hd_ext_read:
        mov bl, ATA_OP_READ
        jmp hd_ext_transfer
hd_ext_write:
        mov bl, ATA_OP_WRITE
        jmp hd_ext_transfer
hd_ext_verify:
        mov bl, ATA_OP_VERIFY
; Disk address packet at caller's DS:SI:
;   +0 size, +2 word count, +4 buffer offset, +6 buffer segment, +8 qword LBA
; The count field is rewritten with the number of sectors transferred.
hd_ext_transfer:
        call hd_unit
        jc .out
        mov es, [bp+F_DS]
        mov di, [bp+F_SI]
        mov cx, [es:di+2]
        mov word [es:di+2], 0
        mov ax, [es:di+8]
        mov dx, [es:di+10]
        ; LBA28 and within the disk, or the request is invalid
        mov ah, 01h
        cmp word [es:di+12], 0
        jne .out
        cmp word [es:di+14], 0
        jne .out
        mov ax, [es:di+8]
        call lba_range_check
        mov ah, 01h
        jc .out
        mov ax, [es:di+8]
        jcxz .done
        push di
        push es
        les di, [es:di+4]
        call ata_xfer
        pop es
        pop di
        mov [es:di+2], cx
        jmp .out
.done:  xor ah, ah
.out:   jmp int13_hd_status

hd_ext_seek:
        call hd_unit
        jc .out
        mov es, [bp+F_DS]
        mov di, [bp+F_SI]
        mov ax, [es:di+8]
        mov dx, [es:di+10]
        mov cx, 1
        call lba_range_check
        mov ah, 01h
        jc .out
        xor ah, ah
.out:   jmp int13_hd_status

; AH=48h: drive parameters into the caller's DS:SI buffer
hd_ext_params:
        call hd_unit
        jc .out
        mov es, [bp+F_DS]
        mov di, [bp+F_SI]
        mov ah, 01h
        mov dx, [es:di]
        cmp dx, 1Ah
        jb .out
        push dx
        mov word [es:di], 1Ah
        call unit_geometry          ; CX = cyls, BH = heads, BL = spt
        ; CHS fields only describe the whole disk below 1024 cylinders
        xor ax, ax
        cmp cx, 1024
        jae .flags
        mov al, 02h
.flags: mov [es:di+2], ax
        mov [es:di+4], cx
        mov word [es:di+6], 0
        mov al, bh
        xor ah, ah
        mov [es:di+8], ax
        mov word [es:di+10], 0
        mov al, bl
        mov [es:di+12], ax
        mov word [es:di+14], 0
        call unit_total
        mov [es:di+16], ax
        mov [es:di+18], dx
        xor ax, ax
        mov [es:di+20], ax
        mov [es:di+22], ax
        mov word [es:di+24], 512
        ; EDD 2.0+ callers offer room for a DPTE pointer: say there is none
        pop dx                      ; caller's buffer size
        cmp dx, 1Eh
        jb .done
        mov word [es:di], 1Eh
        mov word [es:di+26], 0FFFFh
        mov word [es:di+28], 0FFFFh
.done:  xor ah, ah
.out:   jmp int13_hd_status
