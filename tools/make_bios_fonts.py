"""Make the BIOS's 8x8 and 8x14 character sets from the 8x16 CP437 font (pcemu/data).

    python3 tools/make_bios_fonts.py      # -> bios/font8x8.bin, bios/font8x14.bin

The BIOS draws text in graphics modes with the ROM fonts a PC BIOS provides:
8x8 for the 200-line modes (the first 128 glyphs at F000:FA6Eh, the upper
128 through INT 1Fh), 8x14 for the 350-line modes and 8x16 for the 480-line
ones (INT 43h, INT 10h AX=1130h). Only the 8x16 set comes from a font
source (the VGA ROM shapes of the Linux console's default8x16, see
pcemu/data/README.md); the two smaller sets are derived here:

* 8x14: rows 1-14 of each 8x16 glyph (the VGA font leaves the top and
  bottom rows of most glyphs blank; the box-drawing and block characters
  lose one row at each end and still join).
* 8x8: the VGA font's capitals fill rows 2-11 and descenders rows 12-14, so
  each 8x8 row takes one source row or ORs two or three (``ROWS_8X8``):
  seven rows for the capitals, one for descenders; ORing keeps one-row
  strokes (the bar of 'e', box-drawing lines, the underscore at row 13).
  What sits in rows 0-1 (accents on capitals) is lost.
"""

import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "pcemu" / "data" / "cp437-8x16.bin"


def font_8x14(font16):
    return b"".join(font16[16 * c + 1:16 * c + 15] for c in range(256))


ROWS_8X8 = ((2,), (3, 4), (5,), (6, 7), (8,), (9, 10), (11,), (12, 13, 14))


def font_8x8(font16):
    out = bytearray()
    for c in range(256):
        glyph = font16[16 * c:16 * c + 16]
        for sources in ROWS_8X8:
            row = 0
            for r in sources:
                row |= glyph[r]
            out.append(row)
    return bytes(out)


def main():
    font16 = SOURCE.read_bytes()
    if len(font16) != 4096:
        raise SystemExit("%s: expected 4096 bytes" % SOURCE)
    (ROOT / "bios" / "font8x14.bin").write_bytes(font_8x14(font16))
    (ROOT / "bios" / "font8x8.bin").write_bytes(font_8x8(font16))


if __name__ == "__main__":
    main()
