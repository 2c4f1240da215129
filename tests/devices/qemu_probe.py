"""Boot-sector probes on QEMU: an outside referee for the chips' register behaviour.

A probe is a 512-byte boot sector in NASM that pokes a chip, reads registers
back and prints each byte as two hex digits on COM1. QEMU runs it on its own
model of the same chip; a test then makes the same accesses on ours and
compares. Probes end by jumping to ``done``, which exits QEMU through its
isa-debug-exit device.
"""

import shutil
import subprocess

import pytest

from conftest import require_tool

# hexal prints AL as two hex digits on COM1; putc prints AL.
COM1_HEX_ROUTINES = r"""
done:
    mov al, 0Ah
    call putc
    mov dx, 0F4h            ; isa-debug-exit: QEMU quits
    xor al, al
    out dx, al
    hlt
    jmp $

hexal:
    push ax
    shr al, 4
    call nib
    pop ax
    push ax
    and al, 0Fh
    call nib
    pop ax
    ret
nib:
    add al, '0'
    cmp al, '9'
    jbe putc
    add al, 7
putc:
    push dx
    push ax
    mov dx, 3FDh
.t: in al, dx
    test al, 20h
    jz .t
    pop ax
    mov dx, 3F8h
    out dx, al
    pop dx
    ret

times 510-($-$$) db 0
dw 0AA55h
"""


def run_probe(tmp_path, body, disk=None, interface="floppy", extra_args=()):
    """Assemble ``body`` + the COM1 routines as a boot sector and boot it on QEMU.

    ``disk``: bytes of the disk image the probe boots from (its first sector is
    replaced by the probe); a blank 1.44M floppy by default. Returns (the bytes
    the probe printed, the image path).
    """
    require_tool("nasm", "qemu-system-i386")
    (tmp_path / "probe.asm").write_text(body + COM1_HEX_ROUTINES)
    subprocess.run(["nasm", "-f", "bin", "-o", str(tmp_path / "probe.bin"), str(tmp_path / "probe.asm")],
                   check=True)
    image = bytearray(disk if disk is not None else bytes(1474560))
    image[:512] = (tmp_path / "probe.bin").read_bytes()
    img = tmp_path / "probe.img"
    img.write_bytes(bytes(image))
    out = tmp_path / "com1.txt"
    subprocess.run(["qemu-system-i386", "-display", "none", "-no-reboot", "-m", "4",
                    "-drive", "file=%s,format=raw,if=%s" % (img, interface), "-serial", "file:%s" % out,
                    "-device", "isa-debug-exit,iobase=0xf4"] + list(extra_args), timeout=60)
    return bytes.fromhex(out.read_text().strip()), img


def run_probe_on_pcemu(image, lines=1):
    """Boot the probe's image on pcemu (our BIOS and chips): the bytes it printed on COM1 once
    it has printed ``lines`` lines (a probe ends halted with interrupts off)."""
    from pcemu.machine import GuestFault, Machine

    m = Machine(floppies=[str(image)], clock="virtual")
    try:
        try:
            m.run_until(lambda mm: mm.serial_output().count(b"\n") >= lines, timeout=120)
        except GuestFault:
            pass  # the probe's end
        return bytes.fromhex(m.serial_output().decode().replace("\n", "").replace("\r", ""))
    finally:
        m.close()
