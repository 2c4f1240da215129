; hw/pic.asm - the two 8259A interrupt controllers.

; Master at vectors 08h-0Fh (the PC's historical choice, which overlaps CPU
; exceptions on a 286+ but is what DOS expects), slave at 70h-77h cascaded
; on IRQ2. Everything starts masked except the cascade; POST unmasks the
; lines it services.
pic_init:
        mov al, 11h                 ; ICW1: edge triggered, cascade, ICW4 follows
        out PIC1_CMD, al
        out PIC2_CMD, al
        mov al, 08h                 ; ICW2: vector bases
        out PIC1_DATA, al
        mov al, 70h
        out PIC2_DATA, al
        mov al, 04h                 ; ICW3: slave hangs off master IRQ2
        out PIC1_DATA, al
        mov al, 02h                 ; ICW3: slave identity 2
        out PIC2_DATA, al
        mov al, 01h                 ; ICW4: 8086 mode, normal EOI
        out PIC1_DATA, al
        out PIC2_DATA, al
        mov al, 0FBh                ; only the cascade open for now
        out PIC1_DATA, al
        mov al, 0FFh
        out PIC2_DATA, al
        ret

; AL = IRQ number 0-15 -> unmask that line (and the cascade for 8-15).
pic_unmask:
        push ax
        push cx
        mov cl, al
        cmp cl, 8
        jae .slave
        mov ah, 1
        shl ah, cl
        not ah
        in al, PIC1_DATA
        and al, ah
        out PIC1_DATA, al
        jmp .done
.slave: sub cl, 8
        mov ah, 1
        shl ah, cl
        not ah
        in al, PIC2_DATA
        and al, ah
        out PIC2_DATA, al
        in al, PIC1_DATA
        and al, 0FBh
        out PIC1_DATA, al
.done:  pop cx
        pop ax
        ret
