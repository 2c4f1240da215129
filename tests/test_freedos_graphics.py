"""FreeDOS running a graphics program: it switches to mode 13h, draws, waits for a key and
sets text mode 3 again; DOS's text screen then works as before (prompt, command output).

The picture while it waits is checked against the program's drawing in the VGA's default
256-colour palette (the IBM VGA Technical Reference's: colour 4 is 2Ah,00h,00h, colour 15
is 3Fh,3Fh,3Fh), and the COM file gets onto the image with mtools.
"""

import shutil
import subprocess

import pytest

from conftest import image_path, require_tool
from pcemu.machine import Machine
from pcemu.screenshot import picture

PROMPT = "A:\\>"
PROGRAM = "tests/devices/vga_programs/gfxdemo.asm"


@pytest.fixture
def floppy_with_demo(tmp_path):
    require_tool("nasm", "mcopy")
    img = tmp_path / "fd.img"
    shutil.copyfile(image_path("freedos-minimal-1440k.img"), img)
    com = tmp_path / "GFXDEMO.COM"
    subprocess.run(["nasm", "-f", "bin", "-o", str(com), PROGRAM], check=True)
    subprocess.run(["mcopy", "-i", str(img), str(com), "::/GFXDEMO.COM"], check=True)
    return img


def dot(rows, x, y):
    return tuple(rows[y][3 * x:3 * x + 3])


def test_mode13_program_then_text_screen_intact(floppy_with_demo):
    m = Machine(floppies=[str(floppy_with_demo)], clock="virtual")
    try:
        assert m.run_until_text(PROMPT, timeout=240) and m.run_until_idle(timeout=120)
        m.type_text("VER\r")
        assert m.run_until_idle(timeout=120)
        before = m.screen_text()
        assert "FreeCom" in before
        m.type_text("GFXDEMO\r")
        assert m.run_until(lambda mm: mm.video_mode().number == 0x13 and mm.is_idle(), timeout=120)
        assert tuple(m.video_mode()) == (0x13, True, 320, 200, 256)
        width, height, rows = picture(m.vga)
        assert (width, height) == (640, 400)
        red, white, black = (0xAA, 0x00, 0x00), (0xFF, 0xFF, 0xFF), (0x00, 0x00, 0x00)
        assert dot(rows, 2 * 100, 2 * 50) == red and dot(rows, 2 * 159 + 1, 2 * 109 + 1) == red
        assert dot(rows, 2 * 99, 2 * 50) == black and dot(rows, 2 * 160, 2 * 109) == black
        assert all(dot(rows, x, 300) == white for x in range(0, 640, 7))
        assert dot(rows, 5, 302) == black
        m.type_text(" ")
        assert m.run_until_text("back in text mode", timeout=120) and m.run_until_idle(timeout=120)
        assert tuple(m.video_mode()) == (0x03, False, 80, 25, 16)
        lines = m.screen_lines()
        assert lines[0] == "back in text mode"
        assert lines[2] == PROMPT  # a blank line after the program, then the prompt
        m.type_text("VER\r")
        assert m.run_until_idle(timeout=120)
        after = m.screen_lines()
        assert after[2] == PROMPT + "VER"
        assert [l for l in after if "FreeCom" in l] == [l for l in before.splitlines() if "FreeCom" in l]
        assert m.cursor()[1] == len(PROMPT)
    finally:
        m.close()
