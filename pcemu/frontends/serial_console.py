"""Headless front end: this process's stdin/stdout wired to the guest's COM1.

With ``--serial=stdio`` our BIOS mirrors console output to COM1 and turns
COM1 input into keystrokes, so the terminal (or a pipe) is the DOS console.

* On a terminal, stdin is put in raw mode so every key reaches DOS as typed
  (Ctrl+C included); Ctrl+] quits, like telnet's escape key; Ctrl+\\ stops
  the guest and opens the debugger monitor here (cooked mode until ``c``).
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

QUIT_KEY = 0x1D  # Ctrl+]
MONITOR_KEY = 0x1C  # Ctrl+\ : stop the guest and open the debugger monitor on this terminal
SETTLE_NS = 2_500_000_000  # longer than FreeDOS's 2 s F5/F8 wait


class StdioConsole:
    """COM1 back end on stdout, and the source of host input from stdin."""

    def __init__(self, stdin_fd=None, stdout_fd=None):
        self.in_fd = sys.stdin.fileno() if stdin_fd is None else stdin_fd
        self.out_fd = sys.stdout.fileno() if stdout_fd is None else stdout_fd
        self.eof = False
        self.quit = False
        self.monitor_requested = False
        self._saved_tty = None
        self.interactive = os.isatty(self.in_fd)
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

    # -- back end interface used by the UART --------------------------------------
    def write(self, data):
        view = memoryview(bytes(data))
        while view:
            try:
                n = os.write(self.out_fd, view)
            except OSError as e:
                if e.errno == errno.EAGAIN:
                    select.select([], [self.out_fd], [], 1.0)
                    continue
                if e.errno == errno.EPIPE:
                    self.quit = True
                    return
                raise
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
        data = os.read(self.in_fd, 4096)
        if not data:
            self.eof = True
            return b""
        if self._saved_tty is not None and QUIT_KEY in data:
            self.quit = True
            data = data[: data.index(QUIT_KEY)]
        if self._saved_tty is not None and MONITOR_KEY in data:
            self.monitor_requested = True
            data = data.replace(bytes((MONITOR_KEY,)), b"")
        return data

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
    notice = GraphicsNotice(machine)
    while True:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutExpired("timeout: stopped after %g seconds" % timeout)
        if console is None:
            machine.step_quantum()
            continue
        machine.step_quantum(sleep=False)
        message = notice.check()
        if message:
            sys.stderr.write("\r\n%s\r\n" % message)
            sys.stderr.flush()
        # While the guest halts, wait on stdin until its next timer: a key wakes us at once.
        data = console.poll(machine.sleep_duration(0.05))
        if data:
            take(data)
        if console.monitor_requested:
            console.monitor_requested = False
            machine.debug_pause(around=(console.cooked, console.raw))
        if settle is not None and not settle.done and settle.check():
            machine.send_serial(bytes(held))
            held.clear()
        if console.quit:
            return EXIT_OK
        if console.eof and (settle is None or settle.done):
            # Done when the guest has taken all input and waits, for a moment of guest time.
            if machine.is_idle():
                if idle_since is None:
                    idle_since = machine.guest_ns()
                elif machine.guest_ns() - idle_since > 300_000_000:
                    return EXIT_OK
            else:
                idle_since = None


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
