"""The CP437 8x16 glyph bitmaps the text screen is drawn with (see pcemu/data/README.md)."""

from ..resources import FONT_NAME, DataFile, data_file

FONT_FILE = data_file(FONT_NAME)
GLYPH_HEIGHT = 16
GLYPH_WIDTH = 8
CELL_WIDTH = 9  # VGA text mode draws 9-dot cells

# VGA line-graphics mode: for these codes the 9th dot repeats the 8th so that
# horizontal box-drawing strokes join across cells; for all others it is blank.
LINE_GRAPHICS_FIRST = 0xC0
LINE_GRAPHICS_LAST = 0xDF


# What the PC shows for codes 00h-1Fh (00h as a blank) and 7Fh: display symbols, not the
# C0 controls Python's cp437 codec gives them. 80h-FFh follow the codec.
CP437_LOW = (
    0x0020, 0x263A, 0x263B, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022,
    0x25D8, 0x25CB, 0x25D9, 0x2642, 0x2640, 0x266A, 0x266B, 0x263C,
    0x25BA, 0x25C4, 0x2195, 0x203C, 0x00B6, 0x00A7, 0x25AC, 0x21A8,
    0x2191, 0x2193, 0x2192, 0x2190, 0x221F, 0x2194, 0x25B2, 0x25BC,
)
CP437_HOUSE = 0x2302


def cp437_to_unicode():
    """The 256 Unicode code points for what each CP437 code looks like on a PC screen."""
    table = list(CP437_LOW)
    table += range(0x20, 0x7F)
    table.append(CP437_HOUSE)
    table += [ord(bytes([code]).decode("cp437")) for code in range(0x80, 0x100)]
    return table


class FontError(Exception):
    pass


def load_font(path=FONT_FILE):
    """The 256 glyphs, each a bytes of 16 scanlines (bit 7 = leftmost dot)."""
    if isinstance(path, str):
        path = DataFile(path)
    try:
        data = path.read_bytes()
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
