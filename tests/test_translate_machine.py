"""The translating tier in the whole machine: the same runs as the interpreter.

* A boot sector runs a hot routine, has the BIOS read (INSW from the ATA
  controller) another routine over it, and runs it again.
* FreeDOS boots, lists a directory and runs two programs that DOS loads
  one over the other (EXEC): the screens and the instruction counts must
  be those of the interpreter, and the second program must print its own
  answer, not the first one's.
"""
import shutil
import subprocess

import pytest

from conftest import image_path, require_tool
from pcemu.cpu import translate
from pcemu.machine import Machine

PROMPT = "A:\\>"


@pytest.fixture(autouse=True, scope="module")
def low_threshold():
    """Short guest loops here: translate after 50 entries instead of the tier's default."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(translate, "HOT_ENTRIES", 50)
        yield


def nasm(tmp_path, name, source):
    require_tool("nasm")
    src = tmp_path / (name + ".asm")
    src.write_text(source)
    out = tmp_path / (name + ".bin")
    subprocess.run(["nasm", "-f", "bin", "-o", str(out), str(src)], check=True)
    return out.read_bytes()


BOOT = """
        bits 16
        org 0x7C00
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        mov [drive], dl
        mov cl, 2              ; sector 2: the routine adding 3s
        call load
        call 0x8000
        mov [0x600], ax
        mov cl, 3              ; sector 3: the routine adding 5s, read over the first
        call load
        call 0x8000
        mov [0x602], ax
        cli
        hlt
load:   mov ax, 0x0201
        mov bx, 0x8000
        xor ch, ch
        xor dh, dh
        mov dl, [drive]
        int 0x13
        jc load
        ret
drive:  db 0
        times 510-($-$$) db 0
        dw 0xAA55
"""

ROUTINE = """
        bits 16
        org 0x8000
        mov cx, 5000
        xor ax, ax
l:      add ax, {step}
        loop l
        ret
        times 512-($-$$) db 0
"""


def test_bios_disk_read_over_translated_code(tmp_path):
    image = bytearray(1474560)
    image[0:512] = nasm(tmp_path, "boot", BOOT)
    image[512:1024] = nasm(tmp_path, "r3", ROUTINE.format(step=3))
    image[1024:1536] = nasm(tmp_path, "r5", ROUTINE.format(step=5))
    path = tmp_path / "boot.img"
    path.write_bytes(bytes(image))
    results = {}
    for tier in ("interp", "auto"):
        with Machine(floppies=[path], clock="virtual", translate=tier, snapshot=True) as m:
            assert m.run_until(lambda m: m.cpu.halted and not m.cpu.get_flags() & 0x200, timeout=120)
            data = m.mem.data
            results[tier] = (data[0x600] | data[0x601] << 8, data[0x602] | data[0x603] << 8, m.icount)
            if tier == "auto":
                t = m.cpu.translator
                assert t.invalidations >= 1 and t.translated_insns > 5000
    assert results["auto"][:2] == (15000, 25000)
    assert results["auto"] == results["interp"]


COM = """
        bits 16
        org 0x100
        mov cx, 5000
        xor ax, ax
l:      add ax, {step}
        loop l
        mov si, 4
digit:  mov cl, 4
        rol ax, cl
        mov dl, al
        and dl, 0x0F
        add dl, '0'
        cmp dl, '9'
        jbe show
        add dl, 7
show:   push ax
        mov ah, 2
        int 0x21
        pop ax
        dec si
        jnz digit
        mov ax, 0x4C00
        int 0x21
"""


@pytest.fixture(scope="module")
def dos_image(tmp_path_factory):
    require_tool("mcopy")
    tmp = tmp_path_factory.mktemp("dos")
    path = tmp / "fd.img"
    shutil.copyfile(image_path("freedos-minimal-1440k.img"), path)
    for name, step in (("ADD3", 3), ("ADD7", 7)):
        (tmp / (name + ".COM")).write_bytes(nasm(tmp, name, COM.format(step=step)))
        subprocess.run(["mcopy", "-i", str(path), str(tmp / (name + ".COM")), "::/"], check=True)
    return path


def session(path, tier):
    """Boot, DIR, run both programs; the screen and icount after each step."""
    seen = []
    with Machine(floppies=[path], clock="virtual", translate=tier, snapshot=True) as m:
        assert m.run_until_text(PROMPT, timeout=600)
        assert m.run_until_idle(timeout=300)
        seen.append((m.screen_text(), m.icount))
        for command in ("DIR", "ADD3", "ADD7"):
            m.type_text(command + "\r")
            assert m.run_until_idle(timeout=300)
            seen.append((m.screen_text(), m.icount))
        stats = m.cpu.translator.stats() if m.cpu.translator else None
    return seen, stats


def test_freedos_same_screens_and_counts_in_both_tiers(dos_image):
    interp, _ = session(dos_image, "interp")
    auto, stats = session(dos_image, "auto")
    for (iscreen, icount), (tscreen, tcount) in zip(interp, auto):
        assert tscreen == iscreen
        assert tcount == icount
    screen = auto[-1][0]
    # 5000 * 3 = 3A98h, 5000 * 7 = 88B8h: ADD7 ran its own code, not ADD3's translation
    assert "3A98" in screen and "88B8" in screen
    assert "KERNEL   SYS" in auto[1][0]
    assert stats["regions"] > 0 and stats["translated_insns"] > 0 and stats["invalidations"] > 0
