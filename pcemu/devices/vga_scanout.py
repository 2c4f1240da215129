"""What a VGA in a graphics mode puts on the screen: its CRTC, attribute controller and DAC.

``scan_out(vga)`` reads the registers and memory as the card's display
pipeline does and returns a ``GraphicsFrame``: one byte per pixel (the DAC
entry the pixel shows), ``height`` display scan lines of ``width`` pixels,
and the 256 DAC colours as 8-bit RGB. A 320-pixel mode has ``xscale`` 2, so
every mode fills a 640-dot raster with square-ish pixels (320x200 drawn as
640x400, 640x200 line-doubled, 640x350 and 640x480 as they are), which is
what a VGA monitor shows and what QEMU's screendump gives.

The pipeline, by register:

  CRTC 01h horizontal display end: (value + 1) * 8 pixels, or half as many
      in 256 colours (two dot clocks a pixel); the 320-pixel modes (sequencer
      01h bit 3 halves the dot clock, or 256 colours) fill the 640-dot raster
      with pixels two dots wide.
  CRTC 12h/07h vertical display end: display scan lines.
  CRTC 09h bits 0-4 maximum scan line and bit 7 double scan: how many scan
      lines show each memory row.
  CRTC 0Ch/0Dh start address and 13h offset (row pitch, offset * 2 plane
      bytes); 18h/07h bit 4/09h bit 6 line compare: after that scan line the
      address restarts at 0 (the split screen).
  CRTC 17h bits 0-1: when clear, a memory row serves two (or four) scan-line
      counts with address bit 13 (14) taken from the row number, the CGA's
      interleave.
  Graphics 05h bit 6: 256-colour (each pixel one byte across the planes, as
      chain-4 stores it); otherwise four planes give a 4-bit pixel.
  Graphics 06h bits 2-3 = 3 (B8000h) with graphics: a CGA mode, drawn from
      the CGA's layout in RAM (2 bits a pixel when graphics 05h bit 5 is set,
      else 1), even scan lines at B8000h, odd ones at BA000h.
  Attribute 12h colour plane enable, 00h-0Fh palette, 10h bit 7 and 14h
      colour select: 4-bit pixel to DAC index. PEL mask (3C6h) last.
"""

CGA_BASE = 0xB8000
CGA_ODD_BANK = 0x2000
CGA_ROW_BYTES = 80

# A byte of one plane -> eight pixel bytes (leftmost pixel from bit 7) with the plane's bit set.
PLANE_SPREAD = [
    [sum(((b >> (7 - k)) & 1) << (p + 8 * (7 - k)) for k in range(8)) for b in range(256)]
    for p in range(4)
]
# CGA 2-bit pixels: a byte -> four pixel bytes; 1-bit: a byte -> eight.
CGA_TWO_BIT = [bytes((b >> s) & 3 for s in (6, 4, 2, 0)) for b in range(256)]
CGA_ONE_BIT = [bytes((b >> (7 - k)) & 1 for k in range(8)) for b in range(256)]


class GraphicsFrame:
    """``pixels``: ``height`` display lines of ``width`` DAC indices. ``xscale``: dots a pixel
    is wide on the 640-dot raster; ``yscale``: display lines a memory row shows on (2 in the
    double-scanned 200-line modes); ``colours``: how many the mode can show at once."""

    __slots__ = ("width", "height", "xscale", "yscale", "colours", "pixels", "palette")

    def __init__(self, width, height, xscale, yscale, colours, pixels, palette):
        self.width = width
        self.height = height
        self.xscale = xscale
        self.yscale = yscale
        self.colours = colours
        self.pixels = pixels
        self.palette = palette

    def rgb_rows(self):
        """The frame at display size (width * xscale by height) as RGB byte strings, one a line."""
        pal = [bytes(c) * self.xscale for c in self.palette]
        w = self.width
        px = self.pixels
        return [b"".join([pal[i] for i in px[y * w:(y + 1) * w]]) for y in range(self.height)]

    def __repr__(self):
        return "<GraphicsFrame %dx%d x%d>" % (self.width, self.height, self.xscale)


def dac_rgb(vga):
    """The 256 DAC entries as 8-bit (r, g, b)."""
    dac = vga.dac
    out = []
    for i in range(256):
        r, g, b = dac[3 * i], dac[3 * i + 1], dac[3 * i + 2]
        out.append(((r << 2) | (r >> 4), (g << 2) | (g >> 4), (b << 2) | (b >> 4)))
    return out


def attribute_table(vga):
    """256-byte translation: 4-bit pixel value (0-15) -> DAC index, through the attribute controller."""
    attr = vga.attr
    amc = attr[0x10]
    select = attr[0x14]
    enable = attr[0x12] & 15
    table = bytearray(256)
    for v in range(16):
        entry = attr[v & enable] & 0x3F
        if amc & 0x80:
            entry = (entry & 0x0F) | ((select & 0x03) << 4)
        table[v] = (entry | ((select & 0x0C) << 4)) & vga.pel_mask
    return bytes(table)


def geometry(vga):
    """(width in pixels, height in pixel rows, colours) of the graphics mode, without
    drawing it: the numbers a program or a front end asks about the mode."""
    crtc = vga.crtc
    overflow = crtc[0x07]
    lines = (crtc[0x12] | ((overflow & 0x02) << 7) | ((overflow & 0x40) << 3)) + 1
    dots = (crtc[0x01] + 1) * 8
    mode = vga.gc[0x05]
    if (vga.gc[0x06] >> 2) & 3 == 3:
        return dots, lines // 2, 4 if mode & 0x20 else 2
    msl = crtc[0x09]
    repeat = ((msl & 0x1F) + 1) << (msl >> 7)
    if mode & 0x40:
        return dots // 2, lines // repeat, 256
    return dots, lines // repeat, 16


def scan_out(vga):
    crtc = vga.crtc
    overflow = crtc[0x07]
    lines = (crtc[0x12] | ((overflow & 0x02) << 7) | ((overflow & 0x40) << 3)) + 1
    line_compare = crtc[0x18] | ((overflow & 0x10) << 4) | ((crtc[0x09] & 0x40) << 3)
    dots = (crtc[0x01] + 1) * 8
    msl = crtc[0x09]
    mode = vga.gc[0x05]
    palette = dac_rgb(vga)
    if (vga.gc[0x06] >> 2) & 3 == 3:
        return _cga(vga, dots, lines, palette)
    repeat = ((msl & 0x1F) + 1) << (msl >> 7)
    start = (crtc[0x0C] << 8) | crtc[0x0D]
    pitch = crtc[0x13] * 2
    step_mask = (crtc[0x17] & 3) ^ 3
    if mode & 0x40:
        width = dots // 2
        row_of = _row_256
        table = bytes(i & vga.pel_mask for i in range(256))
    else:
        width = dots
        row_of = _row_planar
        table = attribute_table(vga)
    vram = vga.memory.vram
    out = []
    addr = start
    row_line = 0  # memory row number (QEMU's and the CRTC's row counter)
    run = 0
    last_key = None
    last_row = b""
    for y in range(lines):
        a = addr
        if not crtc[0x17] & 1:
            a = (a & ~0x2000) | ((row_line & 1) << 13)
        if not crtc[0x17] & 2:
            a = (a & ~0x4000) | ((row_line & 2) << 13)
        if a != last_key:
            last_row = row_of(vram, a, width).translate(table)
            last_key = a
        out.append(last_row)
        run += 1
        if run >= repeat:
            run = 0
            if row_line & step_mask == step_mask:
                addr += pitch
            row_line += 1
        if y == line_compare:
            addr = 0
    return GraphicsFrame(width, lines, 640 // width if width < 640 else 1, repeat,
                         256 if mode & 0x40 else 16, b"".join(out), palette)


def _row_256(vram, offset, width):
    start = (offset & 0xFFFF) << 2
    end = start + width
    if end <= len(vram):
        return bytes(vram[start:end])
    return bytes(vram[start:]) + bytes(vram[:end - len(vram)])


def _row_planar(vram, offset, width):
    s0, s1, s2, s3 = PLANE_SPREAD
    parts = []
    for i in range(width // 8):
        base = ((offset + i) & 0xFFFF) << 2
        parts.append((s0[vram[base]] | s1[vram[base + 1]] | s2[vram[base + 2]] | s3[vram[base + 3]])
                     .to_bytes(8, "big"))
    return b"".join(parts)


def _cga(vga, dots, lines, palette):
    data = vga.mem.data
    two_bit = vga.gc[0x05] & 0x20
    width = dots
    if two_bit:
        spread = CGA_TWO_BIT
        per_byte = 4
    else:
        spread = CGA_ONE_BIT
        per_byte = 8
    table = attribute_table(vga)
    nbytes = width // per_byte
    start = ((vga.crtc[0x0C] << 8) | vga.crtc[0x0D]) * 2
    rows = []
    for y in range(lines // 2):
        base = CGA_BASE + (y & 1) * CGA_ODD_BANK + ((start + (y >> 1) * CGA_ROW_BYTES) & 0x1FFF)
        row = b"".join([spread[b] for b in data[base:base + nbytes]]).translate(table)
        rows.append(row)
        rows.append(row)
    return GraphicsFrame(width, len(rows), 640 // width if width < 640 else 1, 2,
                         4 if two_bit else 2, b"".join(rows), palette)
