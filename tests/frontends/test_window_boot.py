"""FreeDOS in the window: type DIR with posted pygame key events, compare the drawn pixels with VGA memory.

The screenshot is left in artifacts/ for a person to look at.
"""
import pathlib

import pytest

from conftest import require_module

pygame = require_module("pygame")

from pcemu.frontends import font  # noqa: E402
from pcemu.frontends.window import Window  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
PROMPT = "A:\\>"


def boot_machine(disk):
    from pcemu.machine import Machine

    machine = Machine(floppies=[disk], clock="virtual")
    booted = machine.run_until_text(PROMPT, timeout=180) and machine.run_until_idle(timeout=60)
    if not booted:
        screen = machine.screen_text()
        machine.close()
        pytest.fail("no FreeDOS prompt; screen:\n%s" % screen)
    return machine


def post_key(scancode, key, mod=0):
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, scancode=scancode, mod=mod))
    pygame.event.post(pygame.event.Event(pygame.KEYUP, key=key, scancode=scancode, mod=mod))


def check_surface_matches_vga(surface, screen, scale):
    glyphs = font.load_font()
    palette = [tuple(c) for c in screen.palette]
    cursor_cell = (screen.cursor_row, screen.cursor_col)
    mismatches = 0
    for row in range(screen.rows):
        for col in range(screen.cols):
            if (row, col) == cursor_cell:
                continue  # the cursor overlay blinks; checked in the renderer tests
            code = screen.cells[(row * screen.cols + col) * 2]
            attr = screen.cells[(row * screen.cols + col) * 2 + 1]
            fg, bg = palette[attr & 15], palette[(attr >> 4) & 7]
            for y in range(16):
                byte = glyphs[code][y]
                for x in range(9):
                    on = byte >> (7 - x) & 1 if x < 8 else (byte & 1 if 0xC0 <= code <= 0xDF else 0)
                    got = tuple(surface.get_at(((col * 9 + x) * scale, (row * 16 + y) * scale)))[:3]
                    if got != (fg if on else bg):
                        mismatches += 1
    return mismatches


def test_dir_typed_through_the_window(tmp_path, writable_image):
    machine = boot_machine(writable_image("freedos-minimal-1440k.img"))
    try:
        win = Window(machine, scale=1, pygame=pygame, screenshot_dir=str(tmp_path))
        win.open()
        # Shift held across D, I, R: the guest sees the modifier as a real keyboard sends it.
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_LSHIFT, scancode=0xE1, mod=0))
        for ch in "dir":
            post_key(0x04 + ord(ch) - ord("a"), ord(ch), pygame.KMOD_LSHIFT)
        pygame.event.post(pygame.event.Event(pygame.KEYUP, key=pygame.K_LSHIFT, scancode=0xE1, mod=0))
        post_key(0x28, pygame.K_RETURN)
        for _ in range(2000):
            win.frame_step()
            if "bytes free" in machine.screen_text() and machine.is_idle():
                break
        text = machine.screen_text()
        assert "A:\\>DIR\n" in text, text
        assert "KERNEL   SYS" in text and "bytes free" in text, text
        win.renderer.invalidate()
        win.render()
        ARTIFACTS.mkdir(exist_ok=True)
        win.screenshot(str(ARTIFACTS / "window-freedos-dir.png"))
        assert check_surface_matches_vga(win.surface, machine.text_screen(), 1) == 0
        win.close()
    finally:
        machine.close()


def test_no_bootable_disk_screen_stays_up(tmp_path):
    import time

    from pcemu.machine import Machine

    blank = tmp_path / "blank.img"
    blank.write_bytes(bytes(1474560))  # a floppy with no boot sector
    machine = Machine(floppies=[blank], clock="virtual")
    win = Window(machine, scale=1, pygame=pygame)
    win.open()
    try:
        end = time.monotonic() + 60
        while win.fault is None and time.monotonic() < end:
            win.next_frame = time.monotonic() + 0.05
            win.frame_step()
        assert win.fault is not None, machine.screen_text()
        for _ in range(2):
            win.frame_step()  # the window goes on drawing the BIOS's message
        assert "No bootable disk" in machine.screen_text()
        win.update_title(time.monotonic() + 1)
        assert "No bootable disk" in pygame.display.get_caption()[0]
    finally:
        win.close()
        machine.close()
