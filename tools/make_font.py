#!/usr/bin/env python3
"""Build pcemu/data/cp437-8x16.bin from GNU Unifont's .hex source.

The output is the layout of a VGA character generator: 256 glyphs in code
page 437 order, 16 bytes each (one byte per scanline, bit 7 = leftmost pixel).

Unifont is indexed by Unicode, so each CP437 code is first mapped to the
character IBM's screen shows for it. Codes 00h-1Fh and 7Fh are the display
glyphs (smileys, card suits, arrows), not the C0 control characters that
Python's cp437 codec gives them.

Usage: python3 tools/make_font.py [UNIFONT_HEX] [OUTPUT]
  UNIFONT_HEX defaults to Debian's /usr/share/unifont/unifont.hex
  (apt-get install unifont).
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from pcemu.frontends.font import cp437_to_unicode  # noqa: E402

DEFAULT_SOURCE = "/usr/share/unifont/unifont.hex"
DEFAULT_OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "pcemu" / "data" / "cp437-8x16.bin"


def read_unifont(path):
    glyphs = {}
    with open(path, encoding="ascii") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            codepoint, sep, bitmap = line.partition(":")
            if not sep:
                raise ValueError("%s:%d: not a .hex line" % (path, number))
            glyphs[int(codepoint, 16)] = bitmap
    return glyphs


def build(source):
    glyphs = read_unifont(source)
    out = bytearray()
    for code, codepoint in enumerate(cp437_to_unicode()):
        bitmap = glyphs.get(codepoint)
        if bitmap is None:
            raise ValueError("Unifont has no glyph for U+%04X (CP437 %02Xh)" % (codepoint, code))
        if len(bitmap) != 32:
            # A 16-pixel-wide glyph would need scaling; CP437's set is all 8 wide in Unifont.
            raise ValueError("U+%04X (CP437 %02Xh) is not an 8x16 glyph" % (codepoint, code))
        out += bytes.fromhex(bitmap)
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
