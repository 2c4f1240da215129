"""Terminal front end (``--display=curses``): the VGA text screen in this terminal, over SSH too.

The screen is drawn with curses: CP437 shown as the matching Unicode
characters on a UTF-8 terminal (ASCII stand-ins otherwise), the 16 PC colours
where the terminal has 16 (else 8, with bright foregrounds as bold), blinking
text as the terminal's blink, and the hardware cursor at the CRTC position
(a block when the guest sets a tall cursor). Only cells that changed since the
last frame are written; curses sends only what differs on the terminal.

Keys typed in the terminal become whole key strokes (make then break codes)
in scancode set 1, queued and fed to the guest as fast as it takes them.
Ctrl+] quits; Ctrl+\\ stops the guest and opens the debugger monitor on the
terminal (the screen comes back when the monitor continues).

A status line under the screen names the host keys (on a terminal of exactly
the guest's size, for the first seconds only). A terminal smaller than the
guest's screen shows the part around the cursor, scrolling as it moves, and
the status line says so; resizing the terminal redraws at the new size.

What a terminal cannot send, and so the guest cannot get from here:
* key-up events: every key is pressed and released at once, so holding a key
  for the guest (Shift alone, Ctrl+Alt+Del as a chord, games) is impossible;
  the terminal's own auto-repeat stands in for typematic repeat;
* modifier keys on their own, and most combinations: Ctrl with digits or
  punctuation, Shift or Ctrl with the arrows and editing keys on many
  terminals, Ctrl+Alt+anything;
* Alt+key arrives as Escape then the key (the "meta sends escape" setting of
  xterm-like terminals); an Escape typed just before a letter may be read as
  Alt+letter;
* Print Screen, Pause, Scroll/Num/Caps Lock, the keypad as distinct keys
  (keypad keys arrive as the digits or arrows they produce);
* F11/F12 and shifted function keys depend on the terminal's terminfo entry.
"""

import os
import select
import sys
import time

from ..errors import TimeoutExpired, UsageProblem
from .font import cp437_to_unicode
from .graphics_notice import GraphicsNotice
from .keyboard import US_CHARS, USAGE, char_to_scancodes, press_and_release

FRAME_RATE = 30
QUIT_KEY = 0x1D  # Ctrl+], as in the serial console and telnet
MONITOR_KEY = 0x1C  # Ctrl+\, as in the serial console: stop the guest, open the debugger monitor
TERMINAL_HOST_KEY_HELP = "Ctrl+] quits; Esc then a key = Alt+key; Ctrl+\\ debugger monitor"
HELP_SECONDS = 8.0  # how long the status line stays when it has to cover a guest row
ALT_PREFIX = 0x1B

# PC colour number (IRGB order: blue=1, green=2, red=4) -> curses colour number (RGB order).
PC_TO_CURSES = (0, 4, 2, 6, 1, 5, 3, 7)

# Where the terminal cannot show a CP437 glyph (not UTF-8): something of the same spirit.
ASCII_FALLBACK = {
    0xB3: "|", 0xBA: "|", 0xC4: "-", 0xCD: "=", 0xB0: ":", 0xB1: "%", 0xB2: "#", 0xDB: "#",
    0xDC: "_", 0xDF: "~", 0xFE: "#", 0xF9: ".", 0xFA: ".", 0x10: ">", 0x11: "<", 0x1E: "^", 0x1F: "v",
}
BOX_CORNERS = (0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF, 0xC0, 0xC1, 0xC2,
               0xC3, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCE, 0xCF, 0xD0, 0xD1, 0xD2,
               0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA)


def character_table(utf8):
    """CP437 code -> the str the terminal shows for it."""
    if utf8:
        table = [chr(cp) for cp in cp437_to_unicode()]
        table[0] = " "
        return table
    table = []
    for code in range(256):
        if 0x20 <= code < 0x7F:
            table.append(chr(code))
        elif code in ASCII_FALLBACK:
            table.append(ASCII_FALLBACK[code])
        elif code in BOX_CORNERS:
            table.append("+")
        elif code == 0xFF or code == 0:
            table.append(" ")
        else:
            table.append("?")
    return table


def curses_key_table(curses):
    """curses KEY_* code -> set-1 key stroke (bytes)."""
    table = {}
    named = {
        "KEY_UP": "up", "KEY_DOWN": "down", "KEY_LEFT": "left", "KEY_RIGHT": "right",
        "KEY_HOME": "home", "KEY_END": "end", "KEY_PPAGE": "pgup", "KEY_NPAGE": "pgdn",
        "KEY_IC": "insert", "KEY_DC": "delete", "KEY_BACKSPACE": "backspace", "KEY_ENTER": "enter",
        "KEY_FIND": "home", "KEY_SELECT": "end", "KEY_A1": "home", "KEY_A3": "pgup", "KEY_C1": "end",
        "KEY_C3": "pgdn",
    }
    for attr, name in named.items():
        code = getattr(curses, attr, None)
        if code is not None:
            table[code] = press_and_release(USAGE[name])
    if hasattr(curses, "KEY_B2"):
        table[curses.KEY_B2] = press_and_release(0x5D)  # keypad 5
    if hasattr(curses, "KEY_BTAB"):
        table[curses.KEY_BTAB] = press_and_release(USAGE["tab"], shift=True)
    for n in range(1, 13):
        f = USAGE["f%d" % n]
        table[curses.KEY_F0 + n] = press_and_release(f)
        table[curses.KEY_F0 + 12 + n] = press_and_release(f, shift=True)  # xterm: Shift+F1 = F13
        table[curses.KEY_F0 + 24 + n] = press_and_release(f, ctrl=True)
    return table


CTRL_PUNCTUATION = {0x00: 0x1F, 0x1E: 0x23, 0x1F: 0x2D}  # Ctrl+2(@) 6(^) -(_); Ctrl+\ is MONITOR_KEY


class KeyDecoder:
    """Terminal input (curses key codes and characters) -> set-1 key strokes."""

    def __init__(self, curses):
        self.keys = curses_key_table(curses)
        self.resize = getattr(curses, "KEY_RESIZE", None)
        self.monitor_requested = False

    def decode(self, codes):
        """``codes``: what one poll read, as ints (curses keys) and 1-char strs.
        Returns (strokes, quit, resized)."""
        strokes = []
        quit = False
        resized = False
        i = 0
        while i < len(codes):
            code = codes[i]
            i += 1
            if isinstance(code, str):
                n = ord(code)
            else:
                n = code
            if n == QUIT_KEY:
                quit = True
                break
            if n == MONITOR_KEY:
                self.monitor_requested = True
                continue
            if n == self.resize:
                resized = True
                continue
            if n == ALT_PREFIX and i < len(codes):
                follower = codes[i]
                ch = follower if isinstance(follower, str) else (chr(follower) if 0x20 <= follower < 0x7F else None)
                if ch is not None and ch in US_CHARS and ch not in "\x1b":
                    usage, shift = US_CHARS[ch]
                    strokes.append(press_and_release(usage, shift=shift, alt=True))
                    i += 1
                    continue
            stroke = self.stroke_for(n)
            if stroke is not None:
                strokes.append(stroke)
        return strokes, quit, resized

    def stroke_for(self, n):
        if n in self.keys:
            return self.keys[n]
        if n in (0x0A, 0x0D):
            return press_and_release(USAGE["enter"])
        if n in (0x08, 0x7F):
            return press_and_release(USAGE["backspace"])
        if n in CTRL_PUNCTUATION:
            return press_and_release(CTRL_PUNCTUATION[n], ctrl=True)
        if 0 <= n < 0x110000:
            return char_to_scancodes(chr(n))
        return None


class TerminalScreen:
    """Draws text screens into a curses window, writing only the cells that changed."""

    def __init__(self, curses, window, colours, utf8):
        self.curses = curses
        self.window = window
        self.colours = colours  # 16, 8 or 0 (monochrome)
        self.chars = character_table(utf8)
        self.pairs = {}
        self.writes = 0
        self.top = 0  # first guest row and column shown (a terminal smaller than the guest's screen)
        self.left = 0
        self._prev = None
        self._prev_geometry = None
        self._prev_blink_mode = None

    def invalidate(self):
        self._prev = None

    def _pair(self, fg, bg):
        key = (fg, bg)
        pair = self.pairs.get(key)
        if pair is None:
            pair = len(self.pairs) + 1
            if pair >= getattr(self.curses, "COLOR_PAIRS", 0):
                return 0
            if self.colours == 16:
                cf = PC_TO_CURSES[fg & 7] + (8 if fg & 8 else 0)
                cb = PC_TO_CURSES[bg & 7] + (8 if bg & 8 else 0)
            else:
                cf, cb = PC_TO_CURSES[fg & 7], PC_TO_CURSES[bg & 7]
            self.curses.init_pair(pair, cf, cb)
            self.pairs[key] = pair
        return pair

    def attribute(self, attr, blink_mode):
        curses = self.curses
        fg = attr & 0x0F
        bg = (attr >> 4) & (0x07 if blink_mode else 0x0F)
        extra = 0
        if blink_mode and attr & 0x80:
            extra |= curses.A_BLINK
        if not self.colours:
            if fg == 0 and bg != 0:
                return curses.A_REVERSE | extra
            return (curses.A_BOLD if fg & 8 else 0) | extra
        if self.colours < 16:
            if fg & 8:
                extra |= curses.A_BOLD
            fg &= 7
            bg &= 7
        return curses.color_pair(self._pair(fg, bg)) | extra

    def draw(self, screen, status=None):
        """Bring the terminal up to date with ``screen``; returns cells written. ``status``:
        a line of text for under the screen (taking the last terminal row if need be)."""
        cols, rows, cells = screen.cols, screen.rows, screen.cells
        blink_mode = bool(getattr(screen, "blink_enabled", True))
        height, width = self.window.getmaxyx()
        if status is not None and height < 2:
            status = None
        view_rows = max(0, min(rows, height - (1 if status is not None else 0)))
        view_cols = min(cols, width)
        self.top = _follow(self.top, screen.cursor_row, view_rows, rows)
        self.left = _follow(self.left, screen.cursor_col, view_cols, cols)
        top, left = self.top, self.left
        geometry = (cols, rows, height, width, top, left, view_rows, status)
        full = (self._prev is None or self._prev_geometry != geometry
                or self._prev_blink_mode != blink_mode)
        if full:
            self.window.erase()
        prev = self._prev
        written = 0
        stride = cols * 2
        for r in range(top, top + view_rows):
            a = r * stride
            line = cells[a:a + stride]
            if not full and line == prev[a:a + stride]:
                continue
            c = left
            last = left + view_cols
            while c < last:
                i = c * 2
                if not full and line[i] == prev[a + i] and line[i + 1] == prev[a + i + 1]:
                    c += 1
                    continue
                # A run of changed cells with one attribute goes out in one call.
                attr = line[i + 1]
                start = c
                text = []
                while c < last and line[c * 2 + 1] == attr and (
                        full or line[c * 2] != prev[a + c * 2] or attr != prev[a + c * 2 + 1]):
                    text.append(self.chars[line[c * 2]])
                    c += 1
                try:
                    self.window.addstr(r - top, start - left, "".join(text), self.attribute(attr, blink_mode))
                except self.curses.error:
                    pass  # the bottom-right cell: curses cannot advance past it, but drew it
                written += c - start
        if full and status is not None:
            try:
                self.window.addstr(view_rows, 0, status[:width - 1], self.curses.A_REVERSE)
            except self.curses.error:
                pass
        self.writes += written
        self._prev = bytes(cells)
        self._prev_geometry = geometry
        self._prev_blink_mode = blink_mode
        self._place_cursor(screen, view_rows, view_cols)
        return written

    def _place_cursor(self, screen, view_rows, view_cols):
        curses = self.curses
        row, col = screen.cursor_row - self.top, screen.cursor_col - self.left
        shown = (screen.cursor_visible and screen.cursor_start <= screen.cursor_end
                 and 0 <= row < view_rows and 0 <= col < view_cols)
        try:
            if shown:
                tall = screen.cursor_end - screen.cursor_start >= 7
                curses.curs_set(2 if tall else 1)
                self.window.move(row, col)
            else:
                curses.curs_set(0)
        except curses.error:
            pass  # terminals without cursor shapes: keep whatever they show


def _follow(first, position, view, total):
    """First row (or column) of a ``view`` of ``total`` that keeps ``position`` in sight,
    moving as little as possible from ``first``."""
    if view >= total or view <= 0:
        return 0
    if position < first:
        first = position
    elif position >= first + view:
        first = position - view + 1
    return max(0, min(first, total - view))


def status_line(screen, height, width, help_shown):
    """The status text for a terminal of ``height`` x ``width``, or None."""
    if height < screen.rows or width < screen.cols:
        return ("terminal %dx%d is smaller than the guest's %dx%d screen: the view follows the "
                "cursor; enlarge the terminal to see it all | %s" % (width, height, screen.cols, screen.rows,
                                                                      TERMINAL_HOST_KEY_HELP))
    if height > screen.rows or help_shown:
        return "pcemu | " + TERMINAL_HOST_KEY_HELP
    return None


def _terminal_is_utf8():
    import locale

    return "UTF-8" in (locale.getpreferredencoding(False) or "").upper().replace("UTF8", "UTF-8")


class Terminal:
    def __init__(self, machine, stdscr, curses, timeout=None):
        self.machine = machine
        self.stdscr = stdscr
        self.curses = curses
        self.timeout = timeout
        self.decoder = KeyDecoder(curses)
        self.quit = False
        self.next_frame = 0.0
        self.help_until = time.monotonic() + HELP_SECONDS
        colours = 0
        if curses.has_colors():
            curses.start_color()
            colours = 16 if curses.COLORS >= 16 and curses.COLOR_PAIRS >= 257 else 8
        self.screen = TerminalScreen(curses, stdscr, colours, _terminal_is_utf8())

    def read_keys(self):
        codes = []
        while True:
            try:
                key = self.stdscr.get_wch()
            except self.curses.error:
                break  # nothing more to read
            codes.append(key)
        if codes:
            strokes, quit, resized = self.decoder.decode(codes)
            for stroke in strokes:
                self.machine.queue_keystroke(stroke)
            if quit:
                self.quit = True
            if resized:
                self.screen.invalidate()
            if self.decoder.monitor_requested:
                self.decoder.monitor_requested = False
                self.machine.debug_pause(around=(self._leave_screen, self._enter_screen))

    def _leave_screen(self):
        self.curses.def_prog_mode()
        self.curses.endwin()

    def _enter_screen(self):
        self.curses.reset_prog_mode()
        self.screen.invalidate()
        self.stdscr.refresh()

    def wait_for_input(self, seconds):
        """Sleep up to ``seconds``, waking early when a key arrives on the terminal."""
        if seconds > 0:
            try:
                select.select([sys.stdin], [], [], seconds)
            except (OSError, ValueError):
                time.sleep(seconds)

    def run_until_next_frame(self):
        machine = self.machine
        while True:
            left = self.next_frame - time.monotonic()
            if left <= 0:
                return
            machine.step_quantum(sleep=False)
            self.wait_for_input(machine.sleep_duration(left))

    def run(self):
        machine = self.machine
        period = 1.0 / FRAME_RATE
        start = time.monotonic()
        deadline = None if self.timeout is None else start + self.timeout
        self.next_frame = start
        notice = GraphicsNotice(machine)
        while not self.quit:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise TimeoutExpired("timeout: stopped after %g seconds" % self.timeout)
            self.read_keys()
            message = notice.check()
            if message:
                self.stdscr.erase()
                self.stdscr.addstr(0, 0, message[:self.stdscr.getmaxyx()[1] - 1])
            if notice.in_graphics:
                self.screen.invalidate()  # redrawn in full when the guest is back in text
            else:
                text = machine.text_screen()
                height, width = self.stdscr.getmaxyx()
                self.screen.draw(text, status_line(text, height, width, now < self.help_until))
            self.stdscr.refresh()
            self.next_frame += period
            if self.next_frame < now:
                self.next_frame = now + period
            self.run_until_next_frame()
        return 0


def run_terminal(machine, timeout=None):
    """The CLI's entry point: take over the terminal until Ctrl+] (or the timeout)."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageProblem("--display=curses needs a terminal; for pipes use --display=none --serial=stdio")
    try:
        import curses
    except ImportError as e:
        raise UsageProblem("curses is not available (%s): use --display=none --serial=stdio" % e)
    import locale

    locale.setlocale(locale.LC_ALL, "")
    os.environ.setdefault("ESCDELAY", "25")  # Esc alone is a key of its own in DOS programs
    try:
        stdscr = curses.initscr()
    except curses.error as e:
        raise UsageProblem("cannot use this terminal (%s, TERM=%s): use --display=none --serial=stdio"
                           % (e, os.environ.get("TERM", "")))
    try:
        curses.noecho()
        curses.raw()  # Ctrl+C, Ctrl+S and Ctrl+Z belong to the guest
        stdscr.keypad(True)
        stdscr.nodelay(True)
        return Terminal(machine, stdscr, curses, timeout=timeout).run()
    finally:
        try:
            stdscr.keypad(False)
            curses.noraw()
            curses.echo()
            curses.endwin()
        except curses.error:
            pass
