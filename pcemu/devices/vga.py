"""IBM VGA: the adapter's registers, its text screen, and its graphics modes.

The card's parts live in three modules:

* this one: the register files of the sequencer (3C4h/3C5h), graphics
  controller (3CEh/3CFh), attribute controller (3C0h/3C1h), CRTC
  (3B4h/3D4h) and DAC (3C6h-3C9h), the input status register, and the text
  screen front ends read;
* ``vga_memory``: the four planes behind the A0000h window, with the
  graphics controller's write modes, read modes and latches;
* ``vga_scanout``: the display pipeline for graphics modes (CRTC scan-out,
  attribute palette, DAC) giving the picture.

Text RAM is plain RAM at B8000h (colour) or B0000h (mono), and so are the
CGA-compatible graphics modes 04h-06h at B8000h: the device never intercepts
those pages and reads ``mem.data`` when a front end asks for the screen.
Only A0000h-AFFFFh is memory-mapped (planar EGA/VGA modes and mode 13h).

Registers (IBM VGA Technical Reference names):

    3C2h  Miscellaneous Output (write; read at 3CCh). Bit 0 (I/O address
          select) picks the 3Dx CRTC and B8000h colour text, or 3Bx and B0000h.
    3B4h/3B5h, 3D4h/3D5h  CRT controller index/data. Used: 01h horizontal
          display end (columns - 1), 07h overflow, 09h maximum scan line,
          0Ah/0Bh cursor start/end (0Ah bit 5 = cursor off), 0Ch/0Dh start
          address, 0Eh/0Fh cursor location, 12h vertical display end, 13h
          offset (row pitch in words / 2). All others stored. The write
          protect bit (11h bit 7) is not enforced.
    3BAh/3DAh  Input Status 1 (read): bit 0 display disabled (any blanking),
          bit 3 vertical retrace. Reading it resets the attribute flip-flop.
    3C0h/3C1h  Attribute controller: index/data flip-flop on 3C0h writes,
          data read at 3C1h. 00h-0Fh palette, 10h mode control (bit 3: blink
          vs bright backgrounds, bit 7: P5/P4 from colour select), 11h overscan,
          12h colour plane enable, 13h panning, 14h colour select.
    3C4h/3C5h  Sequencer: 01h bit 3 halves the dot clock (320-pixel modes),
          02h map mask, 04h bit 3 chain-4 (see vga_memory).
    3CEh/3CFh  Graphics controller: 00h-08h steer the data path (vga_memory);
          05h bit 5 CGA 2-bit pixels, bit 6 256 colours; 06h bit 0 graphics,
          bits 2-3 memory map.
    3D8h/3D9h  CGA mode control and colour select (write-only), for CGA programs
          in modes 04h-06h: mapped onto the attribute palette.
    3C6h  PEL mask; 3C7h DAC read index (read: DAC state), 3C8h DAC write
          index, 3C9h DAC data (R, G, B in turn, 6 bits each, auto-increment).

Geometry follows the registers as real VGA does: columns = CRTC 01h + 1,
row pitch from CRTC 13h (so a BIOS changing width sets both, as on the real
card), rows = displayed scan lines (12h, 07h) / character height (09h),
falling back to 25 when those registers hold no sensible text layout.

Retrace timing follows the CRTC as the monitor sees it: the line lasts
horizontal total (CRTC 00h + 5) characters of 8 or 9 dots (sequencer 01h
bit 0) at the dot clock the miscellaneous output selects (25.175 or 28.322
MHz); the frame has vertical total (06h, 07h) + 2 lines, of which vertical
display end (12h) + 1 are shown and retrace runs from 10h to 11h's low
bits. So text modes and mode 13h run at 70 Hz (449 lines) and the 480-line
modes at 60 Hz (525 lines), with emulated time; without a clock, successive
reads step through a fixed pattern that has both edges.
"""

import codecs

from pcemu.clock import NS_PER_SEC
from pcemu import state

from .vga_memory import WINDOW_BASE, WINDOW_SIZE, VgaMemory

# Miscellaneous output
MISC_IO_COLOUR = 0x01

# CRTC registers
CRTC_H_DISPLAY_END = 0x01
CRTC_OVERFLOW = 0x07
CRTC_MAX_SCAN_LINE = 0x09
CRTC_CURSOR_START = 0x0A
CRTC_CURSOR_END = 0x0B
CRTC_START_HIGH = 0x0C
CRTC_START_LOW = 0x0D
CRTC_CURSOR_HIGH = 0x0E
CRTC_CURSOR_LOW = 0x0F
CRTC_V_DISPLAY_END = 0x12
CRTC_OFFSET = 0x13
CURSOR_DISABLE = 0x20

# Graphics controller
GC_MISC = 0x06
GC_GRAPHICS = 0x01

# Attribute controller
ATTR_PAS = 0x20  # palette address source: set = video on
ATTR_MODE_CONTROL = 0x10
ATTR_COLOUR_SELECT = 0x14
AMC_BLINK = 0x08
AMC_P54S = 0x80

# Input status 1
IS1_DISPLAY_DISABLED = 0x01
IS1_VRETRACE = 0x08

TEXT_WINDOW = 0x8000
COLOUR_TEXT_BASE = 0xB8000
MONO_TEXT_BASE = 0xB0000

# The VGA's two dot clocks (miscellaneous output bits 2-3), in Hz.
DOT_CLOCKS = (25_175_000, 28_322_000)

# Power-on register file for mode 3, as the IBM BIOS programs it.
MODE3_CRTC = bytes([
    0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00,
    0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
])
MODE3_SEQ = bytes([0x03, 0x00, 0x03, 0x00, 0x02])
MODE3_GC = bytes([0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF])
MODE3_ATTR = bytes([
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
    0x0C, 0x00, 0x0F, 0x08, 0x00,
])
MODE3_MISC = 0x67


def ega_dac_colour(index):
    """The 6-bit RGB the EGA-compatible DAC load gives entry ``index`` (0-63): rgbRGB bits."""
    r = (0x2A if index & 0x04 else 0) + (0x15 if index & 0x20 else 0)
    g = (0x2A if index & 0x02 else 0) + (0x15 if index & 0x10 else 0)
    b = (0x2A if index & 0x01 else 0) + (0x15 if index & 0x08 else 0)
    return r, g, b


# CP437 glyphs for the control range, as the VGA character ROM draws them.
_CP437_LOW = (
    " \u263a\u263b\u2665\u2666\u2663\u2660\u2022\u25d8\u25cb\u25d9\u2642\u2640\u266a\u266b\u263c"
    "\u25ba\u25c4\u2195\u203c\u00b6\u00a7\u25ac\u21a8\u2191\u2193\u2192\u2190\u221f\u2194\u25b2\u25bc"
)
CP437 = _CP437_LOW + "".join(chr(c) for c in range(0x20, 0x7F)) + "\u2302" + bytes(range(0x80, 0x100)).decode("cp437")


class TextScreen:
    """A snapshot of what the text display shows, for front ends."""

    __slots__ = ("cols", "rows", "cells", "cursor_row", "cursor_col", "cursor_visible",
                 "cursor_start", "cursor_end", "char_height", "blink_enabled", "palette", "mono")

    def __init__(self, **fields):
        for name in self.__slots__:
            setattr(self, name, fields[name])

    def __repr__(self):
        return "<TextScreen %dx%d cursor=(%d,%d)%s>" % (
            self.cols, self.rows, self.cursor_row, self.cursor_col, "" if self.cursor_visible else " hidden")


class Vga:
    # Text memory (B8000h) is RAM, saved with it; these are the card's registers, and its
    # planes with their latches (vga_memory.VgaMemory.STATE).
    STATE = state.Description("VGA", fields=[
        state.Int("misc_output"), state.Bytes("crtc", 64), state.Int("crtc_index"), state.Bytes("seq", 8),
        state.Int("seq_index"), state.Bytes("gc", 16), state.Int("gc_index"), state.Bytes("attr", 32),
        state.Int("attr_index"), state.Bool("attr_flipflop"), state.Bytes("dac", 768), state.Int("pel_mask"),
        state.Int("dac_read_index"), state.Int("dac_write_index"), state.Int("dac_component"),
        state.Int("dac_state"), state.Int("feature_control"), state.Int("cga_mode_control"),
        state.Int("cga_colour_select"), state.Int("_status_reads"), state.Int("_changes"),
        state.Int("register_writes"), state.Child("memory", VgaMemory.STATE),
    ], post_load="_state_loaded",
        # _timing_key/_timing cache what frame_timing() derives from the CRTC: dropped on load;
        # _lines_of/_lines what text_lines() made last, keyed by what it was made from
        wiring=["mem", "clock", "_timing_key", "_timing", "_lines_of", "_lines"])

    def __init__(self, io, mem, clock=None):
        self.mem = mem
        self.clock = clock
        self._lines_of = None
        self._lines = []
        self.memory = VgaMemory(self)
        mem.map_device(WINDOW_BASE, WINDOW_SIZE, self.memory)
        io.register(0x3B4, 2, self._crtc_read8, self._crtc_write8_mono, name="VGA CRTC (mono)")
        io.register(0x3BA, 1, self._status_read_mono, None, name="VGA input status (mono)")
        io.register(0x3C0, 16, self._read8, self._write8, name="VGA")
        io.register(0x3D4, 2, self._crtc_read8_colour, self._crtc_write8_colour, name="VGA CRTC (colour)")
        io.register(0x3D8, 2, None, self._cga_write, name="CGA mode control / colour select")
        io.register(0x3DA, 1, self._status_read_colour, None, name="VGA input status (colour)")
        self.reset()

    # -- state -------------------------------------------------------------------
    def reset(self):
        """Mode 3 register values, so a guest sees a sane card before the BIOS runs."""
        self.misc_output = MODE3_MISC
        self.crtc = bytearray(64)
        self.crtc[:len(MODE3_CRTC)] = MODE3_CRTC
        self.crtc_index = 0
        self.seq = bytearray(8)
        self.seq[:len(MODE3_SEQ)] = MODE3_SEQ
        self.seq_index = 0
        self.gc = bytearray(16)
        self.gc[:len(MODE3_GC)] = MODE3_GC
        self.gc_index = 0
        self.attr = bytearray(32)
        self.attr[:len(MODE3_ATTR)] = MODE3_ATTR
        self.attr_index = ATTR_PAS
        self.attr_flipflop = False  # False: next 3C0h write is an index
        self.dac = bytearray(256 * 3)
        for i in range(64):
            self.dac[3 * i:3 * i + 3] = bytes(ega_dac_colour(i))
        self.pel_mask = 0xFF
        self.dac_read_index = 0
        self.dac_write_index = 0
        self.dac_component = 0
        self.dac_state = 0  # what 3C7h reads: 0 after a write-index set, 3 after a read-index set
        self.feature_control = 0
        self.cga_mode_control = 0
        self.cga_colour_select = 0
        self._status_reads = 0
        self._timing_key = None
        self._timing = None
        self._changes = 0
        self.register_writes = 0

    def _state_loaded(self):
        self._timing_key = self._timing = None
        self._changes += 1  # front ends redraw the whole picture

    def change_count(self):
        """Grows whenever a register that affects the picture is written."""
        return self._changes

    @property
    def graphics(self):
        """True in a graphics mode (graphics controller 06h bit 0), False in text."""
        return bool(self.gc[GC_MISC] & GC_GRAPHICS)

    def graphics_frame(self):
        """The picture of a graphics mode (a vga_scanout.GraphicsFrame)."""
        # imported on first use: its tables take ~20 ms to build, and most runs never show graphics
        from .vga_scanout import scan_out

        return scan_out(self)

    def graphics_geometry(self):
        """(width, height, colours) of the graphics mode, in pixels."""
        from .vga_scanout import geometry

        return geometry(self)

    def picture_changes(self):
        """Grows with register writes and writes to the A0000h window (RAM at B8000h is
        not watched: front ends compare its bytes)."""
        return self._changes + self.memory.writes

    @property
    def colour(self):
        return bool(self.misc_output & MISC_IO_COLOUR)

    # -- CRTC --------------------------------------------------------------------------
    def _crtc_read8(self, off):
        if self.colour:
            return 0xFF
        return self._crtc_get(off)

    def _crtc_read8_colour(self, off):
        if not self.colour:
            return 0xFF
        return self._crtc_get(off)

    def _crtc_get(self, off):
        if off == 0:
            return self.crtc_index
        return self.crtc[self.crtc_index] if self.crtc_index < 0x19 else 0xFF

    def _crtc_write8_mono(self, off, value):
        if not self.colour:
            self._crtc_put(off, value)

    def _crtc_write8_colour(self, off, value):
        if self.colour:
            self._crtc_put(off, value)

    def _crtc_put(self, off, value):
        if off == 0:
            self.crtc_index = value & 0x3F
        else:
            self.crtc[self.crtc_index] = value
            self._changes += 1
            self.register_writes += 1

    # -- CGA compatibility: 3D8h mode control, 3D9h colour select (write-only) ---------------
    def _cga_write(self, off, value):
        """CGA programs pick their colours through 3D9h; in the CGA graphics modes the write
        sets the attribute palette the way the CGA's colour select register works: 320x200
        bits 0-3 the background, bit 5 the palette (green/red/brown or cyan/magenta/white;
        3D8h bit 2 gives cyan/red/white), bit 4 their intensity; 640x200 bits 0-3 the
        foreground. (The DAC set of the CGA modes has the intensity in bit 4.)"""
        if off == 0:
            self.cga_mode_control = value
            return
        self.cga_colour_select = value
        if not (self.gc[GC_MISC] & GC_GRAPHICS and (self.gc[GC_MISC] >> 2) & 3 == 3):
            return
        colour = (value & 0x07) | ((value & 0x08) << 1)
        if self.gc[0x05] & 0x20:
            if self.cga_mode_control & 0x04:
                colours = (3, 4, 7)
            else:
                colours = (3, 5, 7) if value & 0x20 else (2, 4, 6)
            bright = value & 0x10
            self.attr[0] = colour
            for i, c in enumerate(colours):
                self.attr[1 + i] = c | bright
        else:
            self.attr[1] = colour
        self._changes += 1

    # -- input status 1 ------------------------------------------------------------------
    def _status_read_mono(self, off):
        return self._status() if not self.colour else 0xFF

    def _status_read_colour(self, off):
        return self._status() if self.colour else 0xFF

    def frame_timing(self):
        """(frame ns, line ns, shown lines, first and last retrace line) from the CRTC."""
        key = self._changes
        if self._timing_key == key:
            return self._timing
        crtc = self.crtc
        overflow = crtc[0x07]
        clock = DOT_CLOCKS[(self.misc_output >> 2) & 1]
        dots = (crtc[0x00] + 5) * (8 if self.seq[0x01] & 0x01 else 9)
        line_ns = dots * NS_PER_SEC // clock
        total = crtc[0x06] + ((overflow & 0x01) << 8) + ((overflow & 0x20) << 4) + 2
        shown = crtc[0x12] + ((overflow & 0x02) << 7) + ((overflow & 0x40) << 3) + 1
        start = crtc[0x10] + ((overflow & 0x04) << 6) + ((overflow & 0x80) << 2)
        # retrace ends at the next line whose low 4 bits match the end register's
        end = start + (((crtc[0x11] - start) & 0x0F) or 16) - 1
        if not shown < total or not start < total:
            total, shown, start, end = 449, 400, 412, 413  # not a real timing: a 70 Hz frame
        self._timing = (total * line_ns, line_ns, shown, start, end)
        self._timing_key = key
        return self._timing

    def _status(self):
        self.attr_flipflop = False
        if self.clock is not None:
            frame_ns, line_ns, shown, first, last = self.frame_timing()
            line, in_line = divmod(self.clock.now() % frame_ns, line_ns)
            value = 0
            if line >= shown or in_line >= line_ns * 4 // 5:
                value |= IS1_DISPLAY_DISABLED
            if first <= line <= last:
                value |= IS1_VRETRACE
            return value
        # No clock: each read advances a little: display/blank alternate, retrace every 8th pair.
        n = self._status_reads = (self._status_reads + 1) & 15
        value = n & IS1_DISPLAY_DISABLED
        if n >= 14:
            value |= IS1_VRETRACE | IS1_DISPLAY_DISABLED
        return value

    # -- 3C0h-3CFh -------------------------------------------------------------------------
    def _read8(self, off):
        port = 0x3C0 + off
        if port == 0x3C0:
            return self.attr_index
        if port == 0x3C1:
            return self.attr[self.attr_index & 0x1F]
        if port == 0x3C2:
            return 0x10  # input status 0: switch sense reads high (colour monitor present)
        if port == 0x3C4:
            return self.seq_index
        if port == 0x3C5:
            return self.seq[self.seq_index & 7]
        if port == 0x3C6:
            return self.pel_mask
        if port == 0x3C7:
            return self.dac_state
        if port == 0x3C8:
            return self.dac_write_index
        if port == 0x3C9:
            value = self.dac[self.dac_read_index * 3 + self.dac_component]
            self._dac_step_read()
            return value
        if port == 0x3CA:
            return self.feature_control
        if port == 0x3CC:
            return self.misc_output
        if port == 0x3CE:
            return self.gc_index
        if port == 0x3CF:
            return self.gc[self.gc_index & 15]
        return 0xFF

    def _write8(self, off, value):
        port = 0x3C0 + off
        self.register_writes += 1
        if port == 0x3C0:
            if self.attr_flipflop:
                index = self.attr_index & 0x1F
                if index < 0x15:
                    self.attr[index] = value
                    self._changes += 1
            else:
                self.attr_index = value & 0x3F
            self.attr_flipflop = not self.attr_flipflop
        elif port == 0x3C2:
            self.misc_output = value
            self._changes += 1
        elif port == 0x3C4:
            self.seq_index = value
        elif port == 0x3C5:
            self.seq[self.seq_index & 7] = value
            self._changes += 1
        elif port == 0x3C6:
            self.pel_mask = value
            self._changes += 1
        elif port == 0x3C7:
            self.dac_read_index = value
            self.dac_component = 0
            self.dac_state = 3
        elif port == 0x3C8:
            self.dac_write_index = value
            self.dac_component = 0
            self.dac_state = 0
        elif port == 0x3C9:
            self.dac[self.dac_write_index * 3 + self.dac_component] = value & 0x3F
            self._changes += 1
            self.dac_component += 1
            if self.dac_component == 3:
                self.dac_component = 0
                self.dac_write_index = (self.dac_write_index + 1) & 0xFF
        elif port == 0x3CE:
            self.gc_index = value
        elif port == 0x3CF:
            self.gc[self.gc_index & 15] = value
            self._changes += 1

    def _dac_step_read(self):
        self.dac_component += 1
        if self.dac_component == 3:
            self.dac_component = 0
            self.dac_read_index = (self.dac_read_index + 1) & 0xFF

    # -- what the screen shows --------------------------------------------------------------
    @property
    def text_base(self):
        return COLOUR_TEXT_BASE if self.colour else MONO_TEXT_BASE

    def geometry(self):
        """(cols, rows, pitch in characters, character height in scan lines)."""
        crtc = self.crtc
        cols = crtc[CRTC_H_DISPLAY_END] + 1
        pitch = crtc[CRTC_OFFSET] * 2
        if pitch < cols:
            pitch = cols
        overflow = crtc[CRTC_OVERFLOW]
        lines = crtc[CRTC_V_DISPLAY_END] | ((overflow & 0x02) << 7) | ((overflow & 0x40) << 3)
        lines += 1
        msl = crtc[CRTC_MAX_SCAN_LINE]
        char_height = (msl & 0x1F) + 1
        if msl & 0x80:
            lines //= 2  # double scanning: each row drawn twice
        rows = lines // char_height
        if not 1 <= rows <= 60:
            rows = 25
        return cols, rows, pitch, char_height

    @property
    def start_address(self):
        return (self.crtc[CRTC_START_HIGH] << 8) | self.crtc[CRTC_START_LOW]

    @property
    def cursor_address(self):
        return (self.crtc[CRTC_CURSOR_HIGH] << 8) | self.crtc[CRTC_CURSOR_LOW]

    def palette_rgb(self):
        """16 (r, g, b) 8-bit triples: attribute colour 0-15 through the palette and DAC."""
        attr = self.attr
        amc = attr[ATTR_MODE_CONTROL]
        colour_select = attr[ATTR_COLOUR_SELECT]
        high = (colour_select & 0x0C) << 4
        out = []
        for i in range(16):
            entry = attr[i] & 0x3F
            if amc & AMC_P54S:
                entry = (entry & 0x0F) | ((colour_select & 0x03) << 4)
            index = (high | entry) & self.pel_mask
            r, g, b = self.dac[3 * index:3 * index + 3]
            out.append(((r << 2) | (r >> 4), (g << 2) | (g >> 4), (b << 2) | (b >> 4)))
        return out

    def _cells(self, cols, rows, pitch):
        data = self.mem.data
        base = self.text_base
        start = self.start_address * 2
        row_bytes = cols * 2
        if pitch == cols and start + rows * row_bytes <= TEXT_WINDOW:
            # rows back to back, no wrap (what a text mode nearly always shows): one slice
            return bytes(data[base + start:base + start + rows * row_bytes])
        out = bytearray()
        for row in range(rows):
            offset = (start + row * pitch * 2) & (TEXT_WINDOW - 1)
            end = offset + row_bytes
            if end <= TEXT_WINDOW:
                out += data[base + offset:base + end]
            else:
                out += data[base + offset:base + TEXT_WINDOW]
                out += data[base:base + end - TEXT_WINDOW]
        return bytes(out)

    def text_screen(self):
        cols, rows, pitch, char_height = self.geometry()
        cursor_start = self.crtc[CRTC_CURSOR_START]
        cursor_end = self.crtc[CRTC_CURSOR_END] & 0x1F
        pos = (self.cursor_address - self.start_address) & 0xFFFF
        cursor_row, cursor_col = divmod(pos, pitch)
        visible = (not cursor_start & CURSOR_DISABLE and (cursor_start & 0x1F) <= cursor_end
                   and cursor_row < rows and cursor_col < cols)
        return TextScreen(
            cols=cols, rows=rows, cells=self._cells(cols, rows, pitch),
            cursor_row=min(cursor_row, rows - 1), cursor_col=min(cursor_col, cols - 1),
            cursor_visible=visible, cursor_start=cursor_start & 0x1F, cursor_end=cursor_end,
            char_height=char_height, blink_enabled=bool(self.attr[ATTR_MODE_CONTROL] & AMC_BLINK),
            palette=self.palette_rgb(), mono=not self.colour,
        )

    def text_lines(self):
        """Each row as Unicode (CP437 glyphs), trailing spaces removed."""
        cols, rows, pitch, _ = self.geometry()
        cells = self._cells(cols, rows, pitch)
        # Callers poll the screen between slices (Machine.run_until_text): the same cells
        # give the same lines, so they are made again only after a change.
        if self._lines_of == (cols, cells):
            return list(self._lines)
        # one decode of every character byte through the glyph table: a lookup per character
        # in Python took 3% of a FreeDOS boot's CPU, polled as run_until_text polls it
        text = codecs.charmap_decode(cells[0::2], "strict", CP437)[0]
        lines = [text[i:i + cols].rstrip(" ") for i in range(0, rows * cols, cols)]
        self._lines_of = (cols, cells)
        self._lines = lines
        return list(lines)

    # -- introspection ------------------------------------------------------------------------
    def debug_state(self):
        cols, rows, pitch, char_height = self.geometry()
        return {
            "misc_output": self.misc_output, "colour": self.colour, "cols": cols, "rows": rows,
            "pitch": pitch, "char_height": char_height, "start_address": self.start_address,
            "cursor_address": self.cursor_address, "crtc": bytes(self.crtc[:0x19]).hex(),
            "attr": bytes(self.attr[:0x15]).hex(), "attr_index": self.attr_index,
            "attr_flipflop": self.attr_flipflop, "seq": bytes(self.seq[:5]).hex(),
            "gc": bytes(self.gc[:9]).hex(), "pel_mask": self.pel_mask,
            "changes": self._changes, "register_writes": self.register_writes,
            "graphics": self.graphics, "latch": self.memory.latch,
        }


VgaText = Vga  # the name the text-only card had
