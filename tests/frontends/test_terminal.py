"""The curses terminal front end: key decoding, colours, and writing only what changed."""
import curses

import pytest
from frontend_fakes import FakeTextScreen

from pcemu.frontends import terminal


class FakeCurses:
    A_BLINK = 1 << 20
    A_BOLD = 1 << 21
    A_REVERSE = 1 << 22
    COLOR_PAIRS = 512
    error = curses.error

    def __init__(self):
        self.pairs = {}
        self.cursor_mode = None

    def init_pair(self, n, fg, bg):
        self.pairs[n] = (fg, bg)

    def color_pair(self, n):
        return n << 8

    def curs_set(self, mode):
        self.cursor_mode = mode


class FakeWindow:
    def __init__(self, height=25, width=80):
        self.size = (height, width)
        self.calls = []
        self.cursor = None
        self.grid = [[" "] * width for _ in range(height)]

    def getmaxyx(self):
        return self.size

    def erase(self):
        self.calls.append("erase")

    def addstr(self, y, x, text, attr):
        self.calls.append((y, x, text, attr))
        for i, ch in enumerate(text):
            self.grid[y][x + i] = ch

    def move(self, y, x):
        self.cursor = (y, x)


def decoded(*codes):
    return terminal.KeyDecoder(curses).decode(list(codes))


def test_keys_from_the_terminal_become_whole_strokes():
    strokes, quit, _ = decoded("d", "I", "\r", curses.KEY_UP, curses.KEY_F1, curses.KEY_DC, "\x7f")
    assert strokes == [b"\x20\xa0", b"\x2a\x17\x97\xaa", b"\x1c\x9c", b"\xe0\x48\xe0\xc8", b"\x3b\xbb",
                       b"\xe0\x53\xe0\xd3", b"\x0e\x8e"]
    assert not quit


def test_control_alt_and_shifted_function_keys():
    strokes, _, _ = decoded("\x03", "\x1b", "x", curses.KEY_F0 + 14, "\x1b")
    assert strokes == [b"\x1d\x2e\xae\x9d",  # Ctrl+C
                       b"\x38\x2d\xad\xb8",  # Alt+X (Esc then x)
                       b"\x2a\x3c\xbc\xaa",  # Shift+F2 (F14)
                       b"\x01\x81"]  # a lone Esc


def test_ctrl_right_bracket_quits_and_is_not_sent():
    strokes, quit, _ = decoded("a", "\x1d", "b")
    assert strokes == [b"\x1e\x9e"] and quit


def test_ctrl_backslash_asks_for_the_monitor_and_is_not_sent():
    decoder = terminal.KeyDecoder(curses)
    strokes, quit, _ = decoder.decode(["a", "\x1c", "b"])
    assert strokes == [b"\x1e\x9e", b"\x30\xb0"] and not quit and decoder.monitor_requested


def test_colours_map_pc_order_to_curses_order():
    fc = FakeCurses()
    screen = terminal.TerminalScreen(fc, FakeWindow(), 16, True)
    attr = screen.attribute(0x1E, True)  # yellow on blue
    assert fc.pairs[attr >> 8] == (curses.COLOR_YELLOW + 8, curses.COLOR_BLUE)
    attr = screen.attribute(0xC4, True)  # blinking red on red (bit 7 blink, bg 4)
    assert attr & fc.A_BLINK and fc.pairs[(attr & ~fc.A_BLINK) >> 8] == (curses.COLOR_RED, curses.COLOR_RED)
    attr = screen.attribute(0xC4, False)  # bright backgrounds: bg 0Ch = bright red
    assert not attr & fc.A_BLINK and fc.pairs[attr >> 8] == (curses.COLOR_RED, curses.COLOR_RED + 8)
    eight = terminal.TerminalScreen(fc, FakeWindow(), 8, True)
    attr = eight.attribute(0x3B, True)  # bright cyan on cyan, 8 colours: bold
    assert attr & fc.A_BOLD


def test_draws_cp437_as_unicode_and_only_changed_cells():
    fc = FakeCurses()
    win = FakeWindow()
    screen = terminal.TerminalScreen(fc, win, 16, True)
    text = FakeTextScreen(cursor=(2, 3))
    text.put(0, 0, b"\xc9\xcd\xbb", 0x1F)
    text.put(1, 0, "C:\\>", 0x07)
    assert screen.draw(text) == 2000
    assert "".join(win.grid[0][:3]) == "\u2554\u2550\u2557" and "".join(win.grid[1][:4]) == "C:\\>"
    assert win.cursor == (2, 3) and fc.cursor_mode == 1
    win.calls.clear()
    assert screen.draw(text) == 0 and win.calls == []
    text.put(1, 4, "dir", 0x07)
    text.put(20, 70, "x", 0x4E)
    assert screen.draw(text) == 4
    assert win.calls == [(1, 4, "dir", win.calls[0][3]), (20, 70, "x", win.calls[1][3])]


def test_ascii_stand_ins_when_the_terminal_is_not_utf8():
    table = terminal.character_table(False)
    assert table[0xC9] == "+" and table[0xCD] == "=" and table[ord("A")] == "A"
    assert all(len(ch) == 1 and ord(ch) < 128 for ch in table)


def test_small_terminal_follows_the_cursor_and_says_so():
    fc = FakeCurses()
    win = FakeWindow(24, 80)  # one row short of the guest's 80x25: DOS's prompt row must not vanish
    screen = terminal.TerminalScreen(fc, win, 8, True)
    text = FakeTextScreen(cursor=(24, 4))
    text.put(0, 0, "top", 0x07)
    text.put(24, 0, "C:\\>", 0x07)
    status = terminal.status_line(text, 24, 80, help_shown=False)
    assert "smaller" in status and "Ctrl+] quits" in status
    screen.draw(text, status)
    # 23 rows of view over guest rows 2..24, then the status line.
    assert "".join(win.grid[22][:4]) == "C:\\>"
    assert "".join(win.grid[23]).startswith("terminal 80x24 is smaller than the guest's 80x25 screen")
    assert win.cursor == (22, 4) and fc.cursor_mode == 1
    text.cursor_row, text.cursor_col = 0, 0  # the cursor goes home: the view scrolls back up
    screen.draw(text, status)
    assert "".join(win.grid[0][:3]) == "top" and win.cursor == (0, 0)


def test_resize_redraws_with_the_host_keys_below():
    fc = FakeCurses()
    win = FakeWindow(24, 80)
    screen = terminal.TerminalScreen(fc, win, 8, True)
    text = FakeTextScreen(cursor=(24, 4))
    text.put(24, 0, "C:\\>", 0x07)
    screen.draw(text, terminal.status_line(text, 24, 80, help_shown=False))
    win.size = (26, 80)
    win.grid = [[" "] * 80 for _ in range(26)]
    win.calls.clear()
    status = terminal.status_line(text, 26, 80, help_shown=False)
    screen.draw(text, status)
    assert win.calls[0] == "erase"
    assert "".join(win.grid[24][:4]) == "C:\\>"
    assert "".join(win.grid[25]).startswith("pcemu | Ctrl+] quits")
    # Exactly the guest's size: the help covers the last row only while it is shown.
    assert terminal.status_line(text, 25, 80, help_shown=False) is None
    assert "Ctrl+] quits" in terminal.status_line(text, 25, 80, help_shown=True)


def test_needs_a_terminal(monkeypatch):
    from pcemu.errors import UsageProblem

    class NotATty:
        def isatty(self):
            return False

    monkeypatch.setattr(terminal.sys, "stdin", NotATty())
    with pytest.raises(UsageProblem, match="needs a terminal"):
        terminal.run_terminal(object())
