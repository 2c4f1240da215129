"""VGA text mode through its ports and text RAM, against the IBM VGA Technical Reference.

Expected values written out here: the standard 16 text colours (the
EGA-compatible DAC load the BIOS makes: 00h/2Ah/15h/3Fh levels, brown at
DAC 14h), the attribute flip-flop rules, CRTC cursor/start-address semantics,
Input Status 1 bits, and IBM code page 437 glyphs (Python's cp437 codec as
referee for 80h-FFh; the Unicode IBM437 glyph names for the control range).
"""

import pathlib

import pytest
from qemu_probe import run_probe, run_probe_on_pcemu

from pcemu.bus import IoPorts, Memory
from pcemu.clock import Clock, NS_PER_INSN
from pcemu.devices.vga import VgaText

STANDARD_TEXT_COLOURS_8BIT = [
    (0x00, 0x00, 0x00), (0x00, 0x00, 0xAA), (0x00, 0xAA, 0x00), (0x00, 0xAA, 0xAA),
    (0xAA, 0x00, 0x00), (0xAA, 0x00, 0xAA), (0xAA, 0x55, 0x00), (0xAA, 0xAA, 0xAA),
    (0x55, 0x55, 0x55), (0x55, 0x55, 0xFF), (0x55, 0xFF, 0x55), (0x55, 0xFF, 0xFF),
    (0xFF, 0x55, 0x55), (0xFF, 0x55, 0xFF), (0xFF, 0xFF, 0x55), (0xFF, 0xFF, 0xFF),
]


class Rig:
    def __init__(self, clock=None):
        self.io = IoPorts()
        self.mem = Memory()
        self.vga = VgaText(self.io, self.mem, clock=clock)

    def crtc(self, index, value, base=0x3D4):
        self.io.out8(base, index)
        self.io.out8(base + 1, value)

    def crtc_get(self, index, base=0x3D4):
        self.io.out8(base, index)
        return self.io.in8(base + 1)

    def attr(self, index, value):
        self.io.in8(0x3DA)  # reset the flip-flop
        self.io.out8(0x3C0, index | 0x20)
        self.io.out8(0x3C0, value)

    def poke_text(self, row, col, text, attr=0x07, base=0xB8000, cols=80):
        for i, ch in enumerate(text.encode("cp437")):
            addr = base + (row * cols + col + i) * 2
            self.mem.data[addr] = ch
            self.mem.data[addr + 1] = attr


def test_default_is_80x25_colour_text_with_standard_palette():
    r = Rig()
    s = r.vga.text_screen()
    assert (s.cols, s.rows) == (80, 25)
    assert len(s.cells) == 80 * 25 * 2
    assert s.palette == STANDARD_TEXT_COLOURS_8BIT
    assert s.blink_enabled
    assert s.cursor_visible and (s.cursor_start, s.cursor_end) == (0x0D, 0x0E)
    assert r.io.in8(0x3CC) & 1


def test_dac_default_entries_at_ega_indices():
    r = Rig()
    r.io.out8(0x3C7, 0x14)  # brown
    assert [r.io.in8(0x3C9) for _ in range(3)] == [0x2A, 0x15, 0x00]
    assert r.io.in8(0x3C7) == 3
    r.io.out8(0x3C7, 0x38)  # dark grey, then auto-increment to light blue
    assert [r.io.in8(0x3C9) for _ in range(6)] == [0x15, 0x15, 0x15, 0x15, 0x15, 0x3F]


def test_dac_write_then_read_back_six_bits():
    r = Rig()
    r.io.out8(0x3C8, 0x07)
    for v in (0xFF, 0x10, 0x20):
        r.io.out8(0x3C9, v)
    assert r.io.in8(0x3C8) == 0x08  # write index advanced after three components
    r.io.out8(0x3C7, 0x07)
    assert [r.io.in8(0x3C9) for _ in range(3)] == [0x3F, 0x10, 0x20]
    assert r.vga.text_screen().palette[7] == (0xFF, 0x41, 0x82)


def test_attribute_flipflop_and_palette_redirect():
    r = Rig()
    before = r.vga.change_count()
    r.attr(0x01, 0x3F)  # colour 1 now shows DAC entry 3Fh (white)
    assert r.vga.change_count() > before
    assert r.vga.text_screen().palette[1] == (0xFF, 0xFF, 0xFF)
    r.io.in8(0x3DA)
    r.io.out8(0x3C0, 0x21)
    assert r.io.in8(0x3C1) == 0x3F
    # after an index write the flip-flop points at data, and reading 3C1h does not move it
    r.io.out8(0x3C0, 0x30)
    assert r.vga.attr[1] == 0x30
    r.io.out8(0x3C0, 0x30)  # the write after data is an index again: 10h (mode control), PAS set
    r.io.out8(0x3C0, 0x00)  # blink off -> bright backgrounds
    assert not r.vga.text_screen().blink_enabled


def test_status_read_resets_flipflop():
    r = Rig()
    r.io.in8(0x3DA)
    r.io.out8(0x3C0, 0x30)  # index 10h
    r.io.in8(0x3DA)  # reset: next write is an index again
    r.io.out8(0x3C0, 0x32)  # index 12h
    r.io.out8(0x3C0, 0x05)
    assert r.vga.attr[0x12] == 0x05 and r.vga.attr[0x10] == 0x0C


def test_p54s_and_colour_select():
    r = Rig()
    r.attr(0x14, 0x01)
    r.attr(0x10, 0x0C | 0x80)  # P5,P4 from colour select
    # colour 0 -> palette 00h with P5P4=01 -> DAC 10h: rgbRGB 010000 = (0,15h,0)
    assert r.vga.text_screen().palette[0] == (0x00, 0x55, 0x00)


def test_text_lines_cp437_and_trailing_spaces():
    r = Rig()
    r.poke_text(0, 0, "C:\\>dir   ")
    r.mem.data[0xB8000 + 160 + 20:0xB8000 + 160 + 34:2] = bytes([0x01, 0x03, 0x20, 0x80, 0xB0, 0xDB, 0xE3])
    r.mem.data[0xB8000 + 2 * 80 * 2] = 0x01
    lines = r.vga.text_lines()
    assert len(lines) == 25
    assert lines[0] == "C:\\>dir"
    assert lines[1] == " " * 10 + "\u263a\u2665 \u00c7\u2591\u2588\u03c0"
    assert lines[2] == "\u263a"  # WHITE SMILING FACE, the IBM437 glyph for 01h
    assert lines[3] == ""  # zero bytes read as blanks


def test_text_lines_follow_every_change_between_polls():
    """text_lines() keeps what it made last (callers poll it between slices): a caller's
    changes to the list it got, and any change on the screen, must still show."""
    r = Rig()
    r.poke_text(0, 0, "first")
    lines = r.vga.text_lines()
    lines[0] = "scribbled"
    assert r.vga.text_lines()[0] == "first"
    r.poke_text(0, 0, "again")
    assert r.vga.text_lines()[0] == "again"
    r.crtc(0x0D, 80)                    # start address: row 1 comes up to the top
    assert r.vga.text_lines()[0] == ""
    r.crtc(0x0D, 0)
    r.poke_text(24, 79, "X")
    assert r.vga.text_lines()[0] == "again" and r.vga.text_lines()[24] == " " * 79 + "X"


def test_cp437_high_half_matches_python_codec():
    from pcemu.devices.vga import CP437
    assert len(CP437) == 256
    assert CP437[0x80:] == bytes(range(0x80, 0x100)).decode("cp437")
    assert CP437[0x20:0x7F] == bytes(range(0x20, 0x7F)).decode("ascii")
    assert CP437[0x7F] == "\u2302"  # HOUSE


def test_start_address_scrolls_and_wraps_in_32k_window():
    r = Rig()
    r.poke_text(1, 0, "second row")
    r.crtc(0x0C, 0x00)
    r.crtc(0x0D, 80)  # start at row 1
    assert r.vga.text_lines()[0] == "second row"
    # start address near the end of the 32 KiB window: the screen wraps to B8000h
    start = (0x8000 - 160) // 2
    r.crtc(0x0C, start >> 8)
    r.crtc(0x0D, start & 0xFF)
    r.mem.data[0xB8000 + 0x8000 - 160] = ord("A")
    r.mem.data[0xB8000] = ord("B")
    lines = r.vga.text_lines()
    assert lines[0] == "A" and lines[1] == "B"
    assert r.vga.text_screen().cells[160] == ord("B")


def test_cursor_location_relative_to_start_and_disable_bit():
    r = Rig()
    r.crtc(0x0E, (5 * 80 + 7) >> 8)
    r.crtc(0x0F, (5 * 80 + 7) & 0xFF)
    s = r.vga.text_screen()
    assert (s.cursor_row, s.cursor_col, s.cursor_visible) == (5, 7, True)
    r.crtc(0x0D, 80)  # scrolled one row
    assert r.vga.text_screen().cursor_row == 4
    r.crtc(0x0A, 0x20 | 0x0D)
    assert not r.vga.text_screen().cursor_visible
    r.crtc(0x0A, 0x0F)
    r.crtc(0x0B, 0x0E)  # start below end: no cursor
    assert not r.vga.text_screen().cursor_visible
    r.crtc(0x0A, 0x06)
    r.crtc(0x0B, 0x07)
    s = r.vga.text_screen()
    assert s.cursor_visible and (s.cursor_start, s.cursor_end) == (6, 7)
    assert r.crtc_get(0x0A) == 0x06


def test_forty_columns():
    r = Rig()
    r.crtc(0x01, 0x27)
    r.crtc(0x13, 0x14)
    r.poke_text(1, 0, "row one", cols=40)
    s = r.vga.text_screen()
    assert (s.cols, s.rows) == (40, 25) and len(s.cells) == 40 * 25 * 2
    assert r.vga.text_lines()[1] == "row one"


def test_fifty_rows_with_8_line_font():
    r = Rig()
    r.crtc(0x09, 0x47)  # 8 scan lines a row
    assert r.vga.text_screen().rows == 50


def test_mono_mode_moves_crtc_and_memory():
    r = Rig()
    r.io.out8(0x3C2, 0x66)  # I/O address select = 3Bx
    assert r.io.in8(0x3CC) == 0x66
    assert r.io.in8(0x3D5) == 0xFF and r.io.in8(0x3DA) == 0xFF  # colour ports gone
    r.crtc(0x09, 0x4D, base=0x3B4)
    r.crtc(0x12, 0x5D, base=0x3B4)  # 350 lines / 14 = 25 rows
    r.poke_text(0, 0, "mono", base=0xB0000)
    r.poke_text(0, 0, "colour", base=0xB8000)
    s = r.vga.text_screen()
    assert s.mono and s.rows == 25
    assert r.vga.text_lines()[0] == "mono"


def test_input_status_toggles_without_clock():
    r = Rig()
    values = [r.io.in8(0x3DA) for _ in range(64)]
    assert any(v & 0x08 for v in values) and any(not v & 0x08 for v in values)
    assert any(v & 0x01 for v in values) and any(not v & 0x01 for v in values)
    # a 'wait for retrace end, then start' loop terminates
    n = 0
    while r.io.in8(0x3DA) & 0x08:
        n += 1
    while not r.io.in8(0x3DA) & 0x08:
        n += 1
    assert n < 64


def test_input_status_follows_70hz_frame_with_clock():
    insns = [0]
    clock = Clock("virtual", insn_count=lambda: insns[0])
    r = Rig(clock=clock)
    # mode 3 (IBM VGA Technical Reference): 900 dots a line at 28.322 MHz, 449 lines: 70.09 Hz
    frame_ns = 449 * (900 * 1_000_000_000 // 28_322_000)
    retrace_starts = []
    prev = 0
    step_ns = 2000
    for k in range(int(3 * frame_ns / step_ns)):
        insns[0] = k * step_ns // NS_PER_INSN
        v = r.io.in8(0x3DA) & 0x08
        if v and not prev:
            retrace_starts.append(k * step_ns)
        prev = v
    assert len(retrace_starts) in (2, 3)
    period = retrace_starts[1] - retrace_starts[0]
    assert abs(period - frame_ns) < 2 * step_ns
    # during the visible part of a line the display is enabled (bit 0 clear)
    insns[0] = 0
    assert r.io.in8(0x3DA) == 0x00


def test_sequencer_and_graphics_registers_stored():
    r = Rig()
    r.io.out8(0x3C4, 0x02)
    r.io.out8(0x3C5, 0x0F)
    assert r.io.in8(0x3C5) == 0x0F
    r.io.out8(0x3CE, 0x06)
    assert r.io.in8(0x3CF) == 0x0E
    r.io.out8(0x3CF, 0x0A)
    assert r.io.in8(0x3CF) == 0x0A


def test_change_count_moves_only_on_writes():
    r = Rig()
    c = r.vga.change_count()
    r.vga.text_screen()
    r.io.in8(0x3DA)
    assert r.vga.change_count() == c
    r.crtc(0x0F, 1)
    assert r.vga.change_count() > c


# -- QEMU as referee: registers after QEMU's VGA BIOS has set mode 3 ---------------------
QEMU_VGA_PROBE = r"""org 7C00h
bits 16
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 7C00h
    mov dx, 3DAh
    in al, dx
    xor bx, bx
.attr:                      ; attribute registers 00h-14h
    mov dx, 3C0h
    mov al, bl
    out dx, al
    inc dx
    in al, dx
    call hexal
    mov dx, 3DAh
    in al, dx
    inc bx
    cmp bx, 15h
    jb .attr
    mov dx, 3C0h
    mov al, 20h
    out dx, al
    mov dx, 3C7h            ; DAC entries 0-63
    xor al, al
    out dx, al
    mov dx, 3C9h
    mov cx, 64*3
.dac:
    in al, dx
    call hexal
    loop .dac
    mov dx, 3D4h            ; CRTC 01h, 09h, 0Ah, 0Bh, 12h, 13h
    mov si, crtc_list
    mov cx, 6
.crtc:
    lodsb
    out dx, al
    inc dx
    in al, dx
    call hexal
    dec dx
    loop .crtc
    mov dx, 3CCh
    in al, dx
    call hexal
    jmp done

crtc_list: db 01h, 09h, 0Ah, 0Bh, 12h, 13h

"""


def test_mode3_defaults_agree_with_qemu_vga_bios(tmp_path):
    q, _ = run_probe(tmp_path, QEMU_VGA_PROBE, extra_args=("-serial", "null"))
    r = Rig()
    attr = []
    r.io.in8(0x3DA)
    for i in range(0x15):
        r.io.out8(0x3C0, i)
        attr.append(r.io.in8(0x3C1))
        r.io.in8(0x3DA)
    r.io.out8(0x3C0, 0x20)
    assert bytes(attr) == q[:0x15]
    r.io.out8(0x3C7, 0)
    dac = bytes(r.io.in8(0x3C9) for _ in range(64 * 3))
    assert dac == q[0x15:0x15 + 192]
    crtc = bytes(r.crtc_get(i) for i in (0x01, 0x09, 0x0A, 0x0B, 0x12, 0x13))
    assert crtc == q[0x15 + 192:0x15 + 198]
    assert r.io.in8(0x3CC) == q[-1]


def retrace_period_ns(r, insns, frames=3, step_ns=2000):
    starts = []
    prev = 0
    for k in range(int(frames * 1_000_000_000 / 60 / step_ns)):
        insns[0] = k * step_ns // NS_PER_INSN
        v = r.io.in8(0x3DA) & 0x08
        if v and not prev:
            starts.append(k * step_ns)
        prev = v
    return starts[1] - starts[0]


def test_retrace_follows_the_crtc_timing_of_a_480_line_mode():
    """Mode 12h's timing (IBM VGA Technical Reference: 25.175 MHz dot clock, 800 dots a line,
    525 lines, 480 shown): a 59.94 Hz frame."""
    insns = [0]
    clock = Clock("virtual", insn_count=lambda: insns[0])
    r = Rig(clock=clock)
    r.io.out8(0x3C2, 0xE3)
    r.io.out8(0x3C4, 0x01)
    r.io.out8(0x3C5, 0x01)  # 8-dot characters
    for index, value in ((0x11, 0x0C), (0x00, 0x5F), (0x06, 0x0B), (0x07, 0x3E), (0x10, 0xEA),
                         (0x11, 0x8C), (0x12, 0xDF)):
        r.crtc(index, value)
    line_ns = 800 * 1_000_000_000 // 25_175_000
    assert abs(retrace_period_ns(r, insns) - 525 * line_ns) < 4000
    # shown lines: display enabled at line 479, blanked from line 480
    insns[0] = (479 * line_ns + 1000) // NS_PER_INSN
    assert not r.io.in8(0x3DA) & 0x01
    insns[0] = (481 * line_ns + 1000) // NS_PER_INSN
    assert r.io.in8(0x3DA) & 0x01


def test_teletype_agrees_with_qemu_vga_bios(tmp_path):
    # INT 10h AH=0Eh takes a short path for plain glyphs and the general one for
    # control characters, the last column and the bottom row: both, against QEMU's VGA BIOS.
    source = (pathlib.Path(__file__).resolve().parent / "vga_programs" / "teletype_probe.asm").read_text()
    theirs, image = run_probe(tmp_path, source, extra_args=("-serial", "null"))
    ours = run_probe_on_pcemu(image)
    assert len(theirs) == 2 + 2 + 8 * 3 + 6 * 2
    assert ours == theirs
