"""The bundled CP437 font: shape checks against what IBM's code page shows."""
import pytest

from conftest import require_file

from pcemu.frontends import font


@pytest.fixture(scope="module")
def glyphs():
    return font.load_font()


def dots(rows):
    return ["".join("#" if r >> (8 - i) & 1 else "." for i in range(9)) for r in rows]


def test_blank_and_full_block(glyphs):
    assert glyphs[0x20] == bytes(16) and glyphs[0x00] == bytes(16)
    assert glyphs[0xDB] == b"\xff" * 16  # full block fills the 8 stored columns


def test_ninth_column_repeats_only_for_line_graphics(glyphs):
    horizontal = dots(font.cell_rows(glyphs, 0xC4))  # single horizontal line
    assert any(row == "#" * 9 for row in horizontal)
    block = dots(font.cell_rows(glyphs, 0xDB))
    assert all(row == "#" * 9 for row in block)
    shade = dots(font.cell_rows(glyphs, 0xB0))  # outside C0h-DFh: 9th column blank
    assert all(row[8] == "." for row in shade)
    upper_half = dots(font.cell_rows(glyphs, 0xDF))
    assert upper_half[0] == "#" * 9 and upper_half[15] == "." * 9


def test_printable_ascii_glyphs_are_distinct(glyphs):
    shapes = {glyphs[c] for c in range(0x21, 0x7F)}
    assert len(shapes) == 0x7F - 0x21


def test_strokes_are_two_dots_wide_as_in_the_vga_rom(glyphs):
    # The VGA ROM font draws vertical strokes two dots wide (QEMU and real cards show it);
    # thinner fonts (Unifont) have one-dot strokes.
    for ch in "HMNU":
        rows = dots(font.cell_rows(glyphs, ord(ch)))
        runs = [len(run) for row in rows for run in row.split(".") if run]
        assert runs and min(runs) >= 2, (ch, rows)


def test_missing_font_is_one_line_error(tmp_path):
    with pytest.raises(font.FontError, match="cannot read font"):
        font.load_font(tmp_path / "none.bin")
    (tmp_path / "short.bin").write_bytes(b"x")
    with pytest.raises(font.FontError, match="expected 4096"):
        font.load_font(tmp_path / "short.bin")


def test_generator_reproduces_the_committed_font():
    import importlib.util
    import pathlib

    source = require_file("/usr/share/consolefonts/default8x16.psf.gz", "apt-get install console-data")
    script = pathlib.Path(__file__).resolve().parents[2] / "tools" / "make_font.py"
    spec = importlib.util.spec_from_file_location("make_font", script)
    make_font = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_font)
    assert make_font.build(str(source)) == font.FONT_FILE.read_bytes()
