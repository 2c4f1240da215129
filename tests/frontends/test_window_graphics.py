"""The window in graphics modes (SDL's dummy driver): the surface shows the VGA's picture at
the monitor's raster size, palette changes show at the next frame, unchanged frames are not
redrawn. The referee for the picture is tests/devices/test_vga_graphics.py (QEMU's
screendump of the same programs); here the window must show exactly that picture."""

import pathlib
import sys
import time

import pytest

from conftest import require_module

pygame = require_module("pygame")

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "devices"))
from qemu_screen import build_floppy, pcemu_run  # noqa: E402

from pcemu.frontends.window import Window  # noqa: E402
from pcemu.screenshot import picture  # noqa: E402

PROGRAMS = pathlib.Path(__file__).resolve().parent.parent / "devices" / "vga_programs"


@pytest.fixture(scope="module", autouse=True)
def sdl():
    pygame.display.init()
    yield
    pygame.display.quit()


def surface_rows(surface):
    width, height = surface.get_size()
    raw = pygame.image.tostring(surface, "RGB")
    return width, height, [raw[y * width * 3:(y + 1) * width * 3] for y in range(height)]


def machine_with(tmp_path, name, mode=None):
    body = (PROGRAMS / name).read_text()
    if mode is not None:  # the program's first mode set becomes ``mode``
        at = body.index("mov ax, 00")
        body = body[:at] + "mov ax, 00%02Xh" % mode + body[at + len("mov ax, 0012h"):]
    return pcemu_run(build_floppy(tmp_path, body))


@pytest.mark.parametrize("name, mode, size", [
    ("mode13_direct_and_bios.asm", None, (640, 400)),
    ("planar_write_read_modes.asm", 0x12, (640, 480)),
    ("planar_write_read_modes.asm", 0x10, (640, 350)),
    ("planar_write_read_modes.asm", 0x0D, (640, 400)),
    ("planar_write_read_modes.asm", 0x0E, (640, 400)),
    ("cga_pixels_palette.asm", None, (640, 400)),
    ("cga_pixels_palette.asm", 0x06, (640, 400)),
])
def test_window_shows_the_vga_picture_at_raster_size(tmp_path, name, mode, size):
    m = machine_with(tmp_path, name, mode)
    try:
        w = Window(m, scale=1, pygame=pygame, screenshot_dir=str(tmp_path))
        w.open()
        assert w.render() == 1
        assert w.surface.get_size() == size
        assert surface_rows(w.surface) == picture(m.vga)
        assert w.render() == 0  # nothing changed: nothing redrawn
        w.close()
    finally:
        m.close()


def test_palette_change_shows_at_the_next_frame_and_scale_two(tmp_path):
    m = machine_with(tmp_path, "mode13_direct_and_bios.asm")
    try:
        w = Window(m, scale=2, pygame=pygame, screenshot_dir=str(tmp_path))
        w.open()
        w.render()
        assert w.surface.get_size() == (1280, 800)
        # pixel (5, 0) holds colour 5; each pixel is 2x2 dots of the 640x400 raster, x2 scale
        before = tuple(w.surface.get_at((5 * 4, 0)))[:3]
        m.io.out8(0x3C8, 5)
        for v in (0x3F, 0x3F, 0x00):
            m.io.out8(0x3C9, v)
        assert w.render() == 1
        after = tuple(w.surface.get_at((5 * 4 + 3, 3)))[:3]
        assert before != after and after[2] == 0 and after[0] >= 0xFC and after[1] >= 0xFC
        w.close()
    finally:
        m.close()


def test_switching_back_to_text_mode_reopens_the_text_window(tmp_path):
    body = ("    mov ax, 0013h\n    int 10h\n    mov ax, 0003h\n    int 10h\n    mov ax, 0E41h\n"
            "    int 10h\n    jmp done\n")
    m = pcemu_run(build_floppy(tmp_path, body))
    try:
        w = Window(m, scale=1, pygame=pygame, screenshot_dir=str(tmp_path))
        w.open()
        w.render()
        assert w.surface.get_size() == (720, 400)
        w.close()
    finally:
        m.close()


def test_full_screen_256_colour_updates_per_second(tmp_path):
    """Every pixel of mode 13h changes every frame; the figure is printed (README: speed)."""
    m = machine_with(tmp_path, "mode13_direct_and_bios.asm")
    try:
        w = Window(m, scale=1, pygame=pygame, screenshot_dir=str(tmp_path))
        w.open()
        w.render()
        vram = m.vga.memory.vram
        frames = 0
        start = time.monotonic()
        while time.monotonic() - start < 2.0:
            vram[:64000] = bytes((b + 1) & 0xFF for b in vram[:64000]) if frames == 0 else vram[1:64001]
            m.vga.memory.writes += 1
            assert w.render() == 1
            frames += 1
        rate = frames / (time.monotonic() - start)
        print("\nwhole-screen 320x200x256 updates per second (scale 1): %.0f" % rate)
        assert rate >= 10
        w.close()
    finally:
        m.close()
