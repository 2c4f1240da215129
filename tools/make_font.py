#!/usr/bin/env python3
"""Build pcemu/data/cp437-8x16.bin from the Linux console font default8x16.

default8x16 is the VGA ROM's 8x16 character set as the Linux console ships it
(kbd's data/consolefonts; Debian installs it from the console-data package as
/usr/share/consolefonts/default8x16.psf.gz). It is a PSF1 font: a 4-byte header
(magic 36h 04h, mode, glyph height), the glyph bitmaps, and, when mode bit 1 is
set, a table giving the Unicode characters each glyph shows.

The output is the layout of a VGA character generator: 256 glyphs in code
page 437 order, 16 bytes each (one byte per scanline, bit 7 = leftmost pixel).
Each CP437 code is mapped to the character IBM's screen shows for it (codes
00h-1Fh and 7Fh are the display glyphs: smileys, card suits, arrows) and the
glyph the font's Unicode table gives for that character is copied unchanged.

Usage: python3 tools/make_font.py [FONT.psf[.gz]] [OUTPUT]
  FONT defaults to Debian's /usr/share/consolefonts/default8x16.psf.gz
  (apt-get install console-data).
"""

import gzip
import pathlib
import struct
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from pcemu.frontends.font import cp437_to_unicode  # noqa: E402

DEFAULT_SOURCE = "/usr/share/consolefonts/default8x16.psf.gz"
DEFAULT_OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "pcemu" / "data" / "cp437-8x16.bin"

PSF1_MAGIC = b"\x36\x04"
PSF1_MODE512 = 0x01
PSF1_MODEHASTAB = 0x02
PSF1_SEPARATOR = 0xFFFF  # ends one glyph's list of characters
PSF1_STARTSEQ = 0xFFFE  # a combining sequence follows (not used for CP437)


def read_psf1(path):
    """(glyph bitmaps, {Unicode code point: glyph index}) of a PSF1 font."""
    raw = pathlib.Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw[:2] != PSF1_MAGIC:
        raise ValueError("%s: not a PSF1 font" % path)
    mode, height = raw[2], raw[3]
    if height != 16:
        raise ValueError("%s: glyphs are %d lines high, not 16" % (path, height))
    count = 512 if mode & PSF1_MODE512 else 256
    glyphs = [raw[4 + i * height:4 + (i + 1) * height] for i in range(count)]
    if not mode & PSF1_MODEHASTAB:
        raise ValueError("%s: the font has no Unicode table" % path)
    table = {}
    at = 4 + count * height
    for index in range(count):
        in_sequence = False
        while True:
            (value,) = struct.unpack_from("<H", raw, at)
            at += 2
            if value == PSF1_SEPARATOR:
                break
            if value == PSF1_STARTSEQ:
                in_sequence = True
            elif not in_sequence:
                table.setdefault(value, index)
    return glyphs, table


def build(source):
    glyphs, table = read_psf1(source)
    out = bytearray()
    for code, codepoint in enumerate(cp437_to_unicode()):
        index = table.get(codepoint)
        if index is None:
            raise ValueError("%s has no glyph for U+%04X (CP437 %02Xh)" % (source, codepoint, code))
        out += glyphs[index]
    return bytes(out)


def main(argv):
    source = argv[1] if len(argv) > 1 else DEFAULT_SOURCE
    output = pathlib.Path(argv[2]) if len(argv) > 2 else DEFAULT_OUTPUT
    try:
        data = build(source)
    except (OSError, ValueError) as e:
        sys.stderr.write("make_font: %s\n" % e)
        return 1
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    print("wrote %s (%d glyphs)" % (output, len(data) // 16))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
