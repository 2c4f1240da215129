"""The VGA picture as RGB rows, and a small PNG writer (zlib only, no pygame).

``picture(vga)`` gives what a VGA monitor shows, as (width, height, rows of
RGB bytes): graphics modes at the size ``vga_scanout`` gives (640x400 for
the 200-line modes, 640x350, 640x480); text modes as 9x16-dot cells (720x400
for 80x25; 40-column modes with doubled dots), with the CP437 font, the
palette, and blinking characters shown in their "on" phase, without the
cursor.
"""

import struct
import zlib

from .frontends.font import CELL_WIDTH, GLYPH_HEIGHT, LINE_GRAPHICS_FIRST, LINE_GRAPHICS_LAST, load_font

_font = None


def _glyphs():
    global _font
    if _font is None:
        _font = load_font()
    return _font


def picture(vga):
    if vga.graphics:
        frame = vga.graphics_frame()
        return frame.width * frame.xscale, frame.height, frame.rgb_rows()
    return text_picture(vga.text_screen())


def text_picture(screen):
    font = _glyphs()
    cols, rows = screen.cols, screen.rows
    dot = 2 if cols <= 40 else 1
    pal = [bytes(c) * dot for c in screen.palette]
    cells = screen.cells
    out = []
    for row in range(rows):
        lines = [[] for _ in range(GLYPH_HEIGHT)]
        for col in range(cols):
            i = 2 * (row * cols + col)
            code, attr = cells[i], cells[i + 1]
            fg = attr & 0x0F
            bg = (attr >> 4) & (0x07 if screen.blink_enabled else 0x0F)
            glyph = font[code]
            wide = LINE_GRAPHICS_FIRST <= code <= LINE_GRAPHICS_LAST
            f, b = pal[fg], pal[bg]
            for y in range(GLYPH_HEIGHT):
                bits = glyph[y]
                ninth = bits & 1 if wide else 0
                dots = [f if bits & (0x80 >> x) else b for x in range(8)]
                dots.append(f if ninth else b)
                lines[y].append(b"".join(dots))
        out.extend(b"".join(parts) for parts in lines)
    return cols * CELL_WIDTH * dot, rows * GLYPH_HEIGHT, out


def write_png(path, width, height, rows):
    """An 8-bit RGB PNG of ``height`` rows, each ``3 * width`` bytes."""
    raw = b"".join(b"\x00" + bytes(r) for r in rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6))
           + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)
