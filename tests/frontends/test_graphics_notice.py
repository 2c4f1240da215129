"""The text front ends say in one line that the guest switched to a graphics mode."""

import curses
import os
import pathlib
import subprocess
import sys

from conftest import ROOT

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "devices"))
from qemu_screen import build_floppy, pcemu_run  # noqa: E402

from pcemu.errors import TimeoutExpired  # noqa: E402
from pcemu.frontends import terminal  # noqa: E402

MODE_13H = "    mov ax, 0013h\n    int 10h\n    jmp done\n"
EXPECTED = "graphics mode 13h (320x200, 256 colours)"


def test_serial_console_says_it_in_one_line_on_stderr(tmp_path):
    image = build_floppy(tmp_path, MODE_13H)
    r = subprocess.run([sys.executable, "-m", "pcemu", "--disk=%s" % image, "--display=none",
                        "--serial=stdio", "--clock=virtual", "--timeout=120"], input=b"",
                       capture_output=True, timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                       cwd=str(ROOT))
    err = r.stderr.decode()
    assert r.returncode == 0, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("pcemu: "), err
    assert EXPECTED in lines[0] and "--display=window" in lines[0]
    assert "K" in r.stdout.decode()


class Curses:
    """The curses module's constants, with the calls that need a terminal stubbed."""

    A_BLINK = 1 << 20
    A_BOLD = 1 << 21
    A_REVERSE = 1 << 22
    COLOR_PAIRS = 512
    COLORS = 256
    error = curses.error

    def has_colors(self):
        return False

    def color_pair(self, n):
        return n << 8

    def curs_set(self, mode):
        pass

    def __getattr__(self, name):
        return getattr(curses, name)


class Window:
    def __init__(self):
        self.lines = {}

    def getmaxyx(self):
        return (25, 120)

    def erase(self):
        self.lines = {}

    def addstr(self, y, x, text, attr=0):
        self.lines[y] = text

    def move(self, y, x):
        pass

    def refresh(self):
        pass

    def get_wch(self):
        raise curses.error()


def test_curses_display_shows_the_line_instead_of_the_text_screen(tmp_path):
    m = pcemu_run(build_floppy(tmp_path, MODE_13H))
    try:
        window = Window()
        t = terminal.Terminal(m, window, Curses(), timeout=0.3)
        try:
            t.run()
        except TimeoutExpired:
            pass
        assert list(window.lines) == [0]
        assert window.lines[0].startswith("pcemu: ") and EXPECTED in window.lines[0]
    finally:
        m.close()
