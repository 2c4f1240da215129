; tables.asm - parameter tables software finds through the IVT.

; Diskette parameter tables (INT 1Eh, INT 13h AH=08h/18h), one per format.
; Only EOT (sectors per track) and the gap lengths differ; the timing bytes
; are the usual ones, which nothing here depends on.
;   specify1, specify2, motor-off ticks, bytes/sector code, EOT,
;   gap, data length, format gap, fill byte, head settle ms, motor start /8s
fd_param_320:   db 0DFh, 02h, 25h, 02h,  8, 2Ah, 0FFh, 50h, 0F6h, 0Fh, 08h
fd_param_360:   db 0DFh, 02h, 25h, 02h,  9, 2Ah, 0FFh, 50h, 0F6h, 0Fh, 08h
fd_param_1200:  db 0DFh, 02h, 25h, 02h, 15, 1Bh, 0FFh, 54h, 0F6h, 0Fh, 08h
fd_param_720:   db 0DFh, 02h, 25h, 02h,  9, 2Ah, 0FFh, 50h, 0F6h, 0Fh, 08h
fd_param_1440:  db 0DFh, 02h, 25h, 02h, 18, 1Bh, 0FFh, 6Ch, 0F6h, 0Fh, 08h
fd_param_2880:  db 0AFh, 02h, 25h, 02h, 36, 1Bh, 0FFh, 50h, 0F6h, 0Fh, 08h

; Floppy formats by total sector count: sectors, cylinders, heads, spt
floppy_formats:
        dw 320, 40
        db 1, 8
FLOPPY_FORMAT_SIZE equ $ - floppy_formats
        dw 360, 40
        db 1, 9
        dw 640, 40
        db 2, 8
        dw 720, 40
        db 2, 9
        dw 1440, 80
        db 2, 9
        dw 2400, 80
        db 2, 15
        dw 2880, 80
        db 2, 18
        dw 5760, 80
        db 2, 36
        dw 0

; INT 1Dh: 6845 CRTC parameters for 40x25, 80x25, graphics and mono, as
; the PC published them; kept for software that reads them.
video_param_table:
        db 38h, 28h, 2Dh, 0Ah, 1Fh, 06h, 19h, 1Ch, 02h, 07h, 06h, 07h, 0, 0, 0, 0
        db 71h, 50h, 5Ah, 0Ah, 1Fh, 06h, 19h, 1Ch, 02h, 07h, 06h, 07h, 0, 0, 0, 0
        db 38h, 28h, 2Dh, 0Ah, 7Fh, 06h, 64h, 70h, 02h, 01h, 06h, 07h, 0, 0, 0, 0
        db 61h, 50h, 52h, 0Fh, 19h, 06h, 19h, 19h, 02h, 0Dh, 0Bh, 0Ch, 0, 0, 0, 0
        dw 0800h, 1000h, 4000h, 4000h           ; regen buffer sizes
        db 40, 40, 80, 80, 40, 40, 80, 80       ; columns per mode
        db 2Ch, 28h, 2Dh, 29h, 2Ah, 2Eh, 1Eh, 29h   ; mode select values
