; int13.asm - disk services entry: floppies (DL 00h-7Fh) and fixed disks
; (DL 80h-FFh) are separate files; this holds what both share.

int13_handler:
        sti
        cld
        SAVE_FRAME
        mov si, BDA_SEG
        mov ds, si
        KB_NOT_IDLE
        cmp dl, 80h
        jae .disk
        jmp int13_floppy
.disk:  jmp int13_disk

; AH = status of a floppy operation: remember it at 40:41 and return it.
int13_fd_status:
        mov [BDA_FD_STATUS], ah
        jmp int13_return
; AH = status of a fixed disk operation: remember it at 40:74 and return it.
int13_hd_status:
        mov [BDA_HD_STATUS], ah
; AH -> caller's AH, CF = (AH != 0)
int13_return:
        mov [bp+F_AH], ah
        test ah, ah
        jz .ok
        FRAME_STC
        jmp int13_exit
.ok:    FRAME_CLC
int13_exit:
        RESTORE_FRAME_IRET

; SI = unit -> CF=1 if no ATA device answered for it at POST.
unit_present:
        push ax
        push cx
        mov cx, si
        mov al, 1
        shl al, cl
        test [PV_ATA_PRESENT], al
        pop cx
        pop ax
        jnz .yes
        stc
        ret
.yes:   clc
        ret

; SI = unit -> CX = cylinders, BH = heads, BL = sectors per track
unit_geometry:
        push di
        cmp si, 2
        jae .disk
        mov di, si
        shl di, 1
        shl di, 1
        mov cx, [PV_FD_GEOM + di]
        mov bx, [PV_FD_GEOM + di + 2]
        xchg bh, bl                 ; stored heads, spt
        pop di
        ret
.disk:  mov di, PV_FDPT_C
        cmp si, 2
        je .fdpt
        mov di, PV_FDPT_D
.fdpt:  mov cx, [di]
        mov bh, [di+2]
        mov bl, [di+14]
        pop di
        ret

; SI = unit -> the caller's CX/DH as INT 13h AH=08h returns them: CH = low 8 bits
; of the highest cylinder, CL = its bits 8-9 in bits 6-7 plus sectors per track,
; DH = highest head. Clobbers AX, BX, CX.
frame_geometry:
        call unit_geometry          ; CX = cyls, BH = heads, BL = spt
        dec cx                      ; highest cylinder
        mov al, ch
        ror al, 1
        ror al, 1
        and al, 0C0h
        or al, bl
        mov [bp+F_CL], al
        mov [bp+F_CH], cl
        dec bh
        mov [bp+F_DH], bh
        ret

; SI = unit -> DX:AX = total sectors
unit_total:
        push di
        mov di, si
        shl di, 1
        shl di, 1
        mov ax, [PV_TOTAL + di]
        mov dx, [PV_TOTAL + di + 2]
        pop di
        ret

; Caller's CH/CL/DH (INT 13h CHS form) and SI = unit -> DX:AX = LBA.
; CF=1 if the address is outside the geometry. Clobbers BX, CX, DI.
chs_to_lba:
        call unit_geometry          ; CX = cyls, BH = heads, BL = spt
        mov al, [bp+F_CL]
        and al, 3Fh                 ; sector, 1-based
        jz .bad
        cmp al, bl
        ja .bad
        mov dl, [bp+F_DH]
        cmp dl, bh
        jae .bad
        ; cylinder = CH + (CL bits 6-7) * 256
        mov di, cx
        mov ah, [bp+F_CL]
        mov cl, 6
        shr ah, cl
        mov cl, al                  ; CL = sector
        mov al, [bp+F_CH]
        cmp ax, di
        jae .bad
        ; LBA = (cyl * heads + head) * spt + sector - 1
        push cx
        mov cl, bh
        xor ch, ch
        mul cx                      ; DX:AX = cyl * heads
        mov cl, [bp+F_DH]
        add ax, cx
        adc dx, 0
        mov cl, bl
        mov di, dx
        mul cx                      ; low word * spt
        push ax
        push dx
        mov ax, di
        mul cx                      ; high word * spt (small)
        pop dx
        add dx, ax
        pop ax
        pop cx
        xor ch, ch
        dec cx
        add ax, cx
        adc dx, 0
        clc
        ret
.bad:   stc
        ret

; SI = unit, DX:AX = first LBA, CX = count -> CF=1 if the range runs
; past the end of the disk. Preserves all registers.
lba_range_check:
        SAVE_REGS ax, dx, di
        add ax, cx
        adc dx, 0
        jc .bad
        mov di, si
        shl di, 1
        shl di, 1
        cmp dx, [PV_TOTAL + di + 2]
        ja .bad
        jb .ok
        cmp ax, [PV_TOTAL + di]
        ja .bad
.ok:    clc
        jmp .out
.bad:   stc
.out:
        RESTORE_REGS ax, dx, di
        ret

; Common body of AH=02h/03h/04h: BL = ATA operation, SI = unit.
; -> AH = status, caller's AL = sectors done.
int13_chs_transfer:
        mov cl, [bp+F_AL]
        xor ch, ch
        mov byte [bp+F_AL], 0
        mov ah, 01h
        jcxz .out                   ; zero sectors is an invalid request
        push cx
        push bx
        call chs_to_lba
        pop bx
        pop cx
        jc .not_found
        call lba_range_check
        jc .not_found
        mov es, [bp+F_ES]
        mov di, [bp+F_BX]
        call ata_xfer
        mov [bp+F_AL], cl
.out:   ret
.not_found:
        mov ah, 04h
        ret
