"""QEMU's screendump as the referee for what the VGA shows.

A test program is a boot sector (NASM) that draws, then sends ``K`` on COM1
and idles with interrupts on. It boots once on QEMU (its own VGA and VGA
BIOS) and once on pcemu (our VGA and our BIOS); QEMU's picture comes from
``screendump`` over QMP (PPM), ours from ``pcemu.screenshot.picture`` (what
``Machine.screenshot`` saves). Both are RGB at the VGA's raster size
(640x400 for the 200-line modes, 640x350, 640x480).
"""

import json
import os
import socket
import subprocess
import time

from conftest import require_tool

from pcemu.machine import Machine
from pcemu.screenshot import picture

# Boot-sector tail: report on COM1 that the picture is ready, then idle.
DONE_ROUTINE = r"""
done:
    mov dx, 3FDh
.wait:
    in al, dx
    test al, 20h
    jz .wait
    mov dx, 3F8h
    mov al, 'K'
    out dx, al
.idle:
    sti
    hlt
    jmp .idle
"""

BOOT_HEAD = r"""org 7C00h
bits 16
cpu 8086
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 7C00h
    cld
"""


def need_tools():
    require_tool("nasm", "qemu-system-i386")


def build_floppy(tmp_path, body, name="draw"):
    """Assemble BOOT_HEAD + ``body`` + DONE_ROUTINE into a 1.44M floppy image; its path."""
    need_tools()
    src = tmp_path / (name + ".asm")
    src.write_text(BOOT_HEAD + body + DONE_ROUTINE + "\ntimes 510-($-$$) db 0\ndw 0AA55h\n")
    binary = tmp_path / (name + ".bin")
    subprocess.run(["nasm", "-f", "bin", "-o", str(binary), str(src)], check=True)
    image = bytearray(1474560)
    image[:512] = binary.read_bytes()
    path = tmp_path / (name + ".img")
    path.write_bytes(bytes(image))
    return path


def read_ppm(path):
    data = path.read_bytes()
    fields = []
    pos = 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1
    assert fields[0] == b"P6" and fields[3] == b"255"
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos:pos + width * height * 3]
    return width, height, [pixels[y * width * 3:(y + 1) * width * 3] for y in range(height)]


def qemu_picture(image, tmp_path, timeout=60):
    """Boot ``image`` on QEMU, wait for the program's ``K``, and screendump it."""
    sock_path = str(tmp_path / "qmp.sock")
    com1 = tmp_path / "qemu-com1.txt"
    shot = tmp_path / "qemu.ppm"
    for p in (sock_path, str(com1), str(shot)):
        if os.path.exists(p):
            os.unlink(p)
    proc = subprocess.Popen(["qemu-system-i386", "-display", "none", "-no-reboot", "-m", "4",
                             "-drive", "file=%s,format=raw,if=floppy" % image,
                             "-serial", "file:%s" % com1, "-qmp", "unix:%s,server,nowait" % sock_path])
    try:
        end = time.monotonic() + timeout
        while not (com1.exists() and b"K" in com1.read_bytes()):
            if time.monotonic() > end or proc.poll() is not None:
                raise AssertionError("the program did not finish on QEMU")
            time.sleep(0.05)
        qmp = socket.socket(socket.AF_UNIX)
        qmp.connect(sock_path)
        reader = qmp.makefile("rb")

        def call(command, **arguments):
            msg = {"execute": command}
            if arguments:
                msg["arguments"] = arguments
            qmp.sendall(json.dumps(msg).encode() + b"\n")
            while True:
                reply = json.loads(reader.readline())
                if "return" in reply:
                    return reply["return"]
                if "error" in reply:
                    raise AssertionError("QMP %s: %s" % (command, reply["error"]))

        json.loads(reader.readline())  # greeting
        call("qmp_capabilities")
        call("screendump", filename=str(shot))
        try:
            call("quit")
        except (OSError, ValueError):
            pass
        qmp.close()
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return read_ppm(shot)


def pcemu_run(image, max_insns=50_000_000):
    """Boot ``image`` on pcemu until the program's ``K``; the machine (closed by the caller)."""
    m = Machine(floppies=[str(image)], clock="virtual")
    if not m.run_until(lambda mm: b"K" in mm.serial_output(), timeout=120, max_insns=max_insns):
        m.close()
        raise AssertionError("the program did not finish on pcemu")
    return m


def pcemu_picture(image):
    m = pcemu_run(image)
    try:
        return picture(m.vga)
    finally:
        m.close()


SIX_BITS = bytes(v >> 2 for v in range(256))


def compare(ours, theirs, rows=None):
    """Assert two (width, height, rows) pictures are equal (in scan lines ``rows``, default all),
    naming the first differing pixel and how many differ.

    Compared at the DAC's 6 bits a component: the one documented difference is how each
    widens them to 8 (QEMU shifts, 3Fh -> FCh; pcemu repeats the top bits, 3Fh -> FFh, as
    the text palette always has)."""
    (w1, h1, r1), (w2, h2, r2) = ours, theirs
    r1 = [bytes(r).translate(SIX_BITS) for r in r1]
    r2 = [bytes(r).translate(SIX_BITS) for r in r2]
    assert (w1, h1) == (w2, h2), "size: pcemu %dx%d, QEMU %dx%d" % (w1, h1, w2, h2)
    lines = range(h1) if rows is None else rows
    bad = 0
    first = None
    for y in lines:
        if r1[y] != r2[y]:
            for x in range(w1):
                if r1[y][3 * x:3 * x + 3] != r2[y][3 * x:3 * x + 3]:
                    bad += 1
                    if first is None:
                        first = (x, y, bytes(r1[y][3 * x:3 * x + 3]).hex(), bytes(r2[y][3 * x:3 * x + 3]).hex())
    assert bad == 0, "%d pixels differ; first at x=%d y=%d: pcemu %s, QEMU %s" % ((bad,) + first)
