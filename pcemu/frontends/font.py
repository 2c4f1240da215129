"""The CP437 8x16 glyph bitmaps the text screen is drawn with (see pcemu/fonts/README.md)."""

import pathlib

FONT_FILE = pathlib.Path(__file__).resolve().parent.parent / "fonts" / "cp437-8x16.bin"
GLYPH_HEIGHT = 16
GLYPH_WIDTH = 8
CELL_WIDTH = 9  # VGA text mode draws 9-dot cells

# VGA line-graphics mode: for these codes the 9th dot repeats the 8th so that
# horizontal box-drawing strokes join across cells; for all others it is blank.
LINE_GRAPHICS_FIRST = 0xC0
LINE_GRAPHICS_LAST = 0xDF


class FontError(Exception):
    pass


def load_font(path=FONT_FILE):
    """The 256 glyphs, each a bytes of 16 scanlines (bit 7 = leftmost dot)."""
    try:
        data = pathlib.Path(path).read_bytes()
    except OSError as e:
        raise FontError("cannot read font %s: %s" % (path, e.strerror))
    if len(data) != 256 * GLYPH_HEIGHT:
        raise FontError("font %s is %d bytes, expected %d" % (path, len(data), 256 * GLYPH_HEIGHT))
    return [data[i * GLYPH_HEIGHT:(i + 1) * GLYPH_HEIGHT] for i in range(256)]


def cell_rows(glyphs, code):
    """Glyph ``code`` as 16 scanlines of 9 dots: ints with bit 8 = leftmost dot."""
    rows = []
    repeat = LINE_GRAPHICS_FIRST <= code <= LINE_GRAPHICS_LAST
    for byte in glyphs[code]:
        row = byte << 1
        if repeat and byte & 1:
            row |= 1
        rows.append(row)
    return rows
