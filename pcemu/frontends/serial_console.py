"""Headless front end: this process's stdin/stdout wired to the guest's COM1.

With ``--serial=stdio`` our BIOS mirrors console output to COM1 and turns
COM1 input into keystrokes, so the terminal (or a pipe) is the DOS console.

* On a terminal, stdin is put in raw mode so every key reaches DOS as typed
  (Ctrl+C included). Ctrl+\\ stops the guest and opens the debugger monitor
  here (cooked mode until ``c``). Ctrl+] is the escape prefix, like telnet's: the key
  after it is for pcemu (see SERIAL_HOST_KEY_HELP): ``.`` quits, ``1``-``9``
  ``0`` ``-`` ``=`` are F1-F12, any other key is sent with Alt held, and a
  second Ctrl+] sends Ctrl+] itself. Alt and function keys go to the guest
  through the keyboard (8042), since a terminal cannot send them reliably.
* A program that draws a full screen (EDIT, a colour menu) writes video memory
  directly, which the BIOS cannot mirror to COM1: the console says so once on
  stderr and suggests --display=curses.
* Line ends: DOS writes CR LF. Into a pipe or a file the console writes LF
  (``--serial-crlf=auto``/``lf``); on a terminal, or with ``keep``, CR LF as sent.
* In a pipe, input is delivered as the guest takes it. When stdin reaches end
  of file, the run ends once the guest has consumed everything and is waiting
  for more (halted in the BIOS keyboard wait): ``printf 'DIR\\r' | pcemu ...``
  prints the listing and returns with status 0.
* Piped input waits until the guest has settled after boot: delivered while
  the boot is still running, keys are eaten by whatever polls the keyboard
  first (FreeDOS's "Press F8 to trace or F5 to skip" check discards them),
  so the first byte goes in only once the guest has sat idle, with nothing
  printed, for SETTLE_NS of guest time - a typist waiting for the prompt.
  Later input is typed ahead as the guest takes it.

The host sleeps in ``select`` while the guest halts, so an idle prompt costs
almost no host CPU.
"""

import errno
import os
import select
import sys
import time

from ..errors import EXIT_OK, TimeoutExpired
from .graphics_notice import GraphicsNotice
from .keyboard import US_CHARS, USAGE, press_and_release

ESCAPE_KEY = 0x1D  # Ctrl+], the escape prefix (as telnet's)
QUIT_AFTER_ESCAPE = ord(".")
HELP_AFTER_ESCAPE = ord("?")
FUNCTION_KEYS_AFTER_ESCAPE = b"1234567890-="  # F1..F12
SERIAL_HOST_KEY_HELP = ("Ctrl+] then: . quit, 1-9 0 - = F1-F12, another key = Alt+key, "
                        "Ctrl+] = Ctrl+] itself, ? this help")
MONITOR_KEY = 0x1C  # Ctrl+\ : stop the guest and open the debugger monitor on this terminal
SETTLE_NS = 2_500_000_000  # longer than FreeDOS's 2 s F5/F8 wait
FULL_SCREEN_CHECK_SECONDS = 0.5
FULL_SCREEN_MESSAGE = ("program switched to a screen the serial console cannot show: "
                       "use --display=curses to see it")


def escape_keystroke(byte):
    """The set-1 key stroke for the key typed after the escape prefix, or None."""
    if byte in FUNCTION_KEYS_AFTER_ESCAPE:
        return press_and_release(USAGE["f%d" % (FUNCTION_KEYS_AFTER_ESCAPE.index(byte) + 1)])
    ch = chr(byte)
    if ch in US_CHARS and ch not in "\r\n":
        usage, shift = US_CHARS[ch]
        return press_and_release(usage, shift=shift, alt=True)
    if 1 <= byte <= 26:
        return press_and_release(0x03 + byte, ctrl=True, alt=True)
    return None


def looks_full_screen(screen):
    """Does this text screen look like a full-screen program's (not a console's)?

    A console scrolls grey on black; EDIT, menus and most text UIs paint most of the
    screen in colour, or change the screen size."""
    if (screen.cols, screen.rows) != (80, 25):
        return True
    attrs = screen.cells[1::2]
    coloured = len(attrs) - attrs.count(0x07) - attrs.count(0x00)
    return coloured * 2 > len(attrs)


class StdioConsole:
    """COM1 back end on stdout, and the source of host input from stdin."""

    def __init__(self, stdin_fd=None, stdout_fd=None, crlf="auto", stderr_fd=None):
        self.in_fd = sys.stdin.fileno() if stdin_fd is None else stdin_fd
        self.out_fd = sys.stdout.fileno() if stdout_fd is None else stdout_fd
        self.err_fd = 2 if stderr_fd is None else stderr_fd
        self.eof = False
        self.quit = False
        self.monitor_requested = False
        self.error = None  # the OSError that made stdout unusable
        self._saved_tty = None
        self.interactive = os.isatty(self.in_fd)
        if crlf == "auto":
            crlf = "keep" if os.isatty(self.out_fd) else "lf"
        self.lf_only = crlf == "lf"
        self._cr_held = False  # lf mode: a CR at the end of the last write, maybe half of CR LF
        self.last_byte = None
        self.escape_pending = False
        self.keystrokes = []  # key strokes typed with the escape prefix, for the keyboard
        if self.interactive:
            self._enter_raw_mode()

    def _enter_raw_mode(self):
        import termios
        import tty

        try:
            self._saved_tty = termios.tcgetattr(self.in_fd)
            tty.setraw(self.in_fd)
            # Keep output post-processing off too: DOS sends CR LF itself.
        except termios.error:
            self._saved_tty = None

    def restore(self):
        if self._saved_tty is not None:
            import termios

            termios.tcsetattr(self.in_fd, termios.TCSADRAIN, self._saved_tty)
            self._saved_tty = None

    def message(self, text):
        """One line for the user on stderr, from its own line start (the terminal is raw)."""
        lead = b"" if self.last_byte in (None, 0x0A) else b"\r\n"
        if not text.startswith("pcemu: "):
            text = "pcemu: " + text
        os.write(self.err_fd, lead + ("%s\r\n" % text).encode())
        self.last_byte = 0x0A

    def end_line(self):
        """Finish the guest's last line, so what follows (--stats) starts on its own."""
        if self._cr_held:
            self._cr_held = False
            self._write(b"\n")
        elif self.last_byte not in (None, 0x0A):
            self._write(b"\n" if self.lf_only else b"\r\n")

    # -- back end interface used by the UART --------------------------------------
    def write(self, data):
        data = bytes(data)
        if self.lf_only:
            if self._cr_held:
                data = b"\r" + data
                self._cr_held = False
            data = data.replace(b"\r\n", b"\n")
            if data.endswith(b"\r"):
                self._cr_held = True
                data = data[:-1]
        if data:
            self._write(data)

    def _write(self, data):
        self.last_byte = data[-1]
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.out_fd, view)
            except OSError as e:
                if e.errno == errno.EAGAIN:
                    select.select([], [self.out_fd], [], 1.0)
                    continue
                # A console that cannot be written ends the run: quietly when the
                # reader went away (EPIPE), with the error otherwise (a full disk...).
                self.quit = True
                if e.errno != errno.EPIPE:
                    self.error = e
                return
            view = view[n:]

    # -- host input ------------------------------------------------------------------
    def poll(self, timeout=0.0):
        """Bytes available on stdin within ``timeout`` seconds (b"" if none)."""
        if self.eof or self.quit:
            if timeout > 0:
                time.sleep(timeout)
            return b""
        try:
            ready, _, _ = select.select([self.in_fd], [], [], timeout)
        except (OSError, ValueError):
            ready = []
        if not ready:
            return b""
        try:
            data = os.read(self.in_fd, 4096)
        except OSError:
            data = b""  # a terminal hung up, a closed descriptor: no more input
        if not data:
            self.eof = True
            return b""
        if self._saved_tty is not None:
            data = self._host_keys(data)
        return data

    def _host_keys(self, data):
        """Take the escape prefix and the key after it out of terminal input."""
        out = bytearray()
        for byte in data:
            if self.escape_pending:
                self.escape_pending = False
                if byte == QUIT_AFTER_ESCAPE:
                    self.quit = True
                    break
                if byte == ESCAPE_KEY:
                    out.append(byte)
                elif byte == HELP_AFTER_ESCAPE:
                    self.message(SERIAL_HOST_KEY_HELP)
                else:
                    stroke = escape_keystroke(byte)
                    if stroke is not None:
                        self.keystrokes.append(stroke)
            elif byte == ESCAPE_KEY:
                self.escape_pending = True
            elif byte == MONITOR_KEY:
                self.monitor_requested = True
            else:
                out.append(byte)
        return bytes(out)

    def cooked(self):
        """Hand the terminal to line-by-line use (the monitor) until raw() is called."""
        self.restore()

    def raw(self):
        if self.interactive:
            self._enter_raw_mode()


def run_headless(machine, console, timeout=None):
    """Run until the guest is done with a finished stdin, the quit key, or the timeout."""
    deadline = None if timeout is None else time.monotonic() + timeout
    held = bytearray()  # piped input not yet released to the guest
    settle = _Settle(machine) if console is not None and not console.interactive else None

    def take(data):
        if settle is not None and not settle.done:
            held.extend(data)
        else:
            machine.send_serial(data)

    idle_since = None
    watch = _FullScreenWatch(machine, console)
    notice = GraphicsNotice(machine)
    if console is not None and console.interactive:
        console.message("serial console on this terminal: Ctrl+] . quits, Ctrl+] ? lists the host keys")
    while True:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutExpired("timeout: stopped after %g seconds" % timeout)
        if console is None:
            machine.step_quantum()
            continue
        machine.step_quantum(sleep=False)
        message = notice.check()
        if message:
            console.message(message)
        # While the guest halts, wait on stdin until its next timer: a key wakes us at once.
        data = console.poll(machine.sleep_duration(0.05))
        if data:
            take(data)
        while console.keystrokes:
            machine.queue_keystroke(console.keystrokes.pop(0))
        watch.check()
        if console.monitor_requested:
            console.monitor_requested = False
            machine.debug_pause(around=(console.cooked, console.raw))
        if settle is not None and not settle.done and settle.check():
            machine.send_serial(bytes(held))
            held.clear()
        if console.quit:
            watch.check(now=True)
            if console.error is not None:
                raise OSError(console.error.errno, console.error.strerror, "standard output")
            return EXIT_OK
        if console.eof and (settle is None or settle.done):
            machine.host_inputs.difference_update(("serial", "keyboard"))  # stdin is done: no more input
            # Done when the guest has taken all input and waits, for a moment of guest time.
            if machine.is_idle():
                if idle_since is None:
                    idle_since = machine.guest_ns()
                elif machine.guest_ns() - idle_since > 300_000_000:
                    watch.check(now=True)
                    return EXIT_OK
            else:
                idle_since = None


class _FullScreenWatch:
    """Says once on stderr when the guest's screen turns into something only a full
    display shows. Looks every FULL_SCREEN_CHECK_SECONDS of host or of guest time (a
    virtual clock can run seconds of guest time in a moment), and on demand."""

    def __init__(self, machine, console):
        self.machine = machine
        self.console = console
        self.full_screen = False
        self.next_host = 0.0
        self.next_guest = 0

    def check(self, now=False):
        host, guest = time.monotonic(), self.machine.guest_ns()
        if not (now or host >= self.next_host or guest >= self.next_guest):
            return
        self.next_host = host + FULL_SCREEN_CHECK_SECONDS
        self.next_guest = guest + int(FULL_SCREEN_CHECK_SECONDS * 1e9)
        if self.machine.in_graphics_mode():
            return  # GraphicsNotice speaks for graphics modes
        if looks_full_screen(self.machine.text_screen()) != self.full_screen:
            self.full_screen = not self.full_screen
            if self.full_screen:
                self.console.message(FULL_SCREEN_MESSAGE)


class _Settle:
    """Has the guest sat idle, printing nothing, for SETTLE_NS of guest time?"""

    def __init__(self, machine):
        self.machine = machine
        self.done = False
        self.since = None
        self.out = -1

    def check(self):
        m = self.machine
        out = m.serial_bytes_out()
        now = m.guest_ns()
        if not m.is_idle() or out != self.out:
            self.since = now
            self.out = out
        elif now - self.since >= SETTLE_NS:
            self.done = True
        return self.done
