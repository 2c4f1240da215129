"""One-shot runs: ``pcemu run [options] -- COMMAND [ARGS]``.

Boots DOS headless, types one command line at the prompt, prints what the
command printed and exits with the program's DOS exit code (what it passed
to INT 21h AH=4Ch, as COMMAND.COM's ERRORLEVEL reports it).

* Without disks it starts the built-in FreeDOS floppy from a saved state of
  the machine at its ``A:\\>`` prompt, made once and kept in the user's cache
  (``$XDG_CACHE_HOME/pcemu`` or ``~/.cache/pcemu``; ``PCEMU_CACHE_DIR``
  overrides), keyed by pcemu's version, the BIOS, the image and the CPU model.
  With ``--disk`` / ``--mount`` it boots those (a cold boot, a few seconds).
* ``--mount=DIR`` makes the host folder drive C: (see ``pcemu.hostfolder``);
  the command runs with C:\\ current, and what the guest created or changed
  is written back to the folder at the end.
* How the output is found: our BIOS mirrors the console to COM1 (the serial
  console bit in CMOS), so the whole stream is read there, not from the
  25 lines of the screen. The prompt is set to a marker first; the output is
  what follows the typed command line up to the next marker. Then
  ``ECHO %ERRORLEVEL%`` is typed: FreeCOM expands it to the exit code of the
  last program, which is the run's exit status.
* Piped stdin is typed after the command line, for programs that ask.

pcemu's own failures print one ``pcemu:`` line on stderr: 1 bad input (a
folder that does not exist, a damaged disk...), 2 bad command line, 3 the
guest faulted or hangs waiting for keys, 124 timeout, 127 DOS does not know
the command.
"""

import argparse
import hashlib
import os
import re
import sys
import tempfile
import time

from . import hostjit

EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_GUEST = 3
EXIT_TIMEOUT = 124
EXIT_UNKNOWN_COMMAND = 127

PROMPT_MARK = "@pcemu-ready@"
SETTLE_NS = 2_500_000_000  # a booted guest idle this long (guest time) is at its prompt
IDLE_WITHOUT_PROMPT_NS = 1_000_000_000  # idle this long after a command, no prompt: it waits for keys
_BAD_COMMAND = re.compile(r'^Bad command or filename - "(.*)"\.?\s*$')


class RunError(Exception):
    def __init__(self, message, status):
        Exception.__init__(self, message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise RunError("%s (see pcemu run --help)" % message, EXIT_USAGE)


def build_parser():
    p = _Parser(prog="pcemu run", description="Run one DOS command line headless and exit with its exit code.",
                usage="pcemu run [options] -- COMMAND [ARGS...]")
    p.add_argument("--disk", action="append", default=[], metavar="IMAGE",
                   help="boot these disks instead of the built-in FreeDOS floppy")
    p.add_argument("--floppy", action="append", default=[], metavar="IMAGE")
    p.add_argument("--hdd", action="append", default=[], metavar="IMAGE")
    p.add_argument("--snapshot", action="store_true", help="keep the disks' writes in memory")
    p.add_argument("--mount", metavar="DIR", help="a host folder as drive C:, written back at the end")
    p.add_argument("--cpu", choices=["8086", "80186"], default="80186")
    p.add_argument("--clock", choices=["virtual", "realtime"], default="virtual",
                   help="virtual (default): the same run gives the same output; realtime: the host's time")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="give up after SECONDS of host time")
    p.add_argument("--no-cache", action="store_true", help="boot instead of starting from the cached state")
    p.add_argument("command", nargs=argparse.REMAINDER, help="the DOS command line (after --)")
    return p


def cache_dir():
    explicit = os.environ.get("PCEMU_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pcemu")


def boot_state_key(machine_bios_digest, cpu):
    from . import __version__, freedos, state

    text = "|".join([__version__, str(state.FORMAT_VERSION), machine_bios_digest, freedos.image_digest(), cpu,
                     "serial-console", PROMPT_MARK])
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:20]


class Deadline:
    def __init__(self, seconds):
        self.end = None if seconds is None else time.monotonic() + seconds
        self.seconds = seconds

    def left(self, cap=600.0):
        if self.end is None:
            return cap
        left = self.end - time.monotonic()
        if left <= 0:
            raise RunError("timeout: stopped after %g seconds" % self.seconds, EXIT_TIMEOUT)
        return min(left, cap)


def wait_for_prompt(machine, deadline):
    """Run until the booted guest sits idle, printing nothing, for SETTLE_NS of guest time."""
    since = None
    out = -1
    while True:
        deadline.left()
        machine.step_quantum()
        now = machine.clock.now()
        n = machine.uart.bytes_out
        if not machine.is_idle() or n != out:
            since, out = now, n
        elif now - since >= SETTLE_NS:
            return


def boot_builtin(cpu, clock, deadline, use_cache=True):
    """The built-in FreeDOS at its prompt, with the console on COM1: from the cached state
    (made now if missing) under the virtual clock, else booted."""
    from . import freedos
    from .machine import Machine
    from .state import StateError

    def cold():
        m = Machine(floppies=[freedos.open_disk()], cpu=cpu, clock=clock, serial_console=True)
        try:
            if not m.run_until_text("A:\\>", timeout=deadline.left(), check=False):
                raise RunError("the built-in FreeDOS did not reach its prompt", EXIT_GUEST)
            wait_for_prompt(m, deadline)
            Session(m, deadline).set_prompt()
        except BaseException:
            m.close()
            raise
        return m

    if not use_cache or clock != "virtual":
        return cold()
    probe = Machine(cpu=cpu, clock=clock)
    key = boot_state_key(probe._bios_digest(), cpu)
    probe.close()
    path = os.path.join(cache_dir(), "freedos-boot-%s.state" % key)
    if os.path.exists(path):
        try:
            return Machine.from_state(path, cpu=cpu, clock=clock)
        except StateError:
            pass  # damaged or stale: make it again
    m = cold()
    try:
        os.makedirs(cache_dir(), exist_ok=True)
        m.save_state(path)
    except (OSError, StateError):
        pass  # no cache this time; the run goes on
    return m


class Session:
    """A machine at a DOS prompt whose console is read from COM1."""

    def __init__(self, machine, deadline):
        self.m = machine
        self.deadline = deadline

    def type_fast(self, text):
        """Type ``text`` at the serial console, as fast as the BIOS keyboard buffer takes it.

        Our BIOS turns bytes from COM1 into keystrokes (bios/sercon.asm), as for a user at
        a terminal; its IRQ 4 handler drains the UART's FIFO in one go. So as many bytes as
        the buffer has room for go to the UART at once. (Through the keyboard, each byte of
        a keystroke takes the 8042's millisecond on the wire while FreeCOM polls for keys:
        some 30 K guest instructions a character.)"""
        m = self.m
        data = text.encode("ascii")
        while data:
            if not m.input_pending() and m.uart.rx_pending() == 0:
                room = 8 - m.keyboard_buffer_count()
                if room > 0:
                    chunk, data = data[:room], data[room:]
                    m.uart.receive(chunk)
            self.deadline.left()
            m.step_quantum()

    def output_since(self, mark):
        return self.m.serial_output()[mark:]

    def line(self, text, stdin=b""):
        """Type ``text`` and Enter; return what DOS printed up to the next prompt (bytes)."""
        m = self.m
        mark = len(m.serial_output())
        self.type_fast(text + "\r")
        if stdin:
            m.type_text(stdin.decode("latin-1").replace("\r\n", "\r").replace("\n", "\r"))
        self.wait_for_prompt_mark(mark)
        out = self.output_since(mark)
        # The echo of the typed line comes first, then the output, then the prompt marker.
        first = out.find(b"\r\n")
        body = out[first + 2:] if first >= 0 else b""
        body = body[:body.rfind(PROMPT_MARK.encode("ascii"))]
        return body

    def wait_for_prompt_mark(self, mark):
        """Run until COMMAND.COM has printed its prompt (the output since ``mark`` ends with
        PROMPT_MARK) and the guest waits for keys with all input taken.

        The prompt is the end of the command: COMMAND.COM prints it when it reads the next
        line, so there is no need to watch the guest idle across timer ticks as well (at
        the prompt DOS polls the keyboard some 28,000 instructions a tick until it has sat
        idle for a second; see bios/int16.asm). Idle without the prompt for
        IDLE_WITHOUT_PROMPT_NS of guest time, printing nothing: the command waits for keys."""
        m = self.m
        marker = PROMPT_MARK.encode("ascii")
        since = None
        seen = -1
        while True:
            self.deadline.left()
            m.step_quantum()
            if not m.is_idle():
                continue
            out = self.output_since(mark)
            if out.rstrip(b"\r\n").endswith(marker):
                return
            now = m.clock.now()
            if len(out) != seen:
                since, seen = now, len(out)
            elif now - since >= IDLE_WITHOUT_PROMPT_NS:
                raise RunError("the command waits for keyboard input (pipe it to pcemu run's stdin)", EXIT_GUEST)

    def set_prompt(self):
        self.type_fast("PROMPT %s\r" % PROMPT_MARK)
        self.m.run_until_idle(timeout=self.deadline.left(60.0), check=False)

    def errorlevel(self):
        out = self.line("ECHO %ERRORLEVEL%").decode("cp437").strip()
        if not out.isdigit():
            raise RunError("cannot read the exit code (COMMAND.COM printed %r for %%ERRORLEVEL%%)" % out, EXIT_GUEST)
        return int(out)


def _clean(body):
    """DOS output as host text: CR LF to LF, without the line end COMMAND.COM puts before its
    prompt when echo is on (after a line end of the program's own, or alone). Output that
    does not end in a line end keeps COMMAND.COM's: nothing the program printed is cut."""
    if body.endswith(b"\r\n\r\n") or body == b"\r\n":
        body = body[:-2]
    return body.decode("cp437").replace("\r\n", "\n").replace("\r", "")


def run(argv, stdout=None, stderr=None):
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    args = build_parser().parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        raise RunError("no command given: pcemu run [options] -- COMMAND [ARGS]", EXIT_USAGE)
    line = " ".join(command)
    if any(not (" " <= ch <= "~") for ch in line):
        raise RunError("the command line must be printable ASCII", EXIT_USAGE)
    if args.timeout is not None and args.timeout <= 0:
        raise RunError("--timeout must be positive", EXIT_USAGE)
    deadline = Deadline(args.timeout)
    hostjit.tune_for_commands()
    stdin = b""
    if not sys.stdin.isatty():
        try:
            stdin = sys.stdin.buffer.read()
        except (OSError, ValueError):
            stdin = b""

    from .disk import DiskError
    from .hostfolder import HostFolder, MountError
    from .machine import GuestFault, Machine

    tmp = None
    folder = None
    machine = None
    try:
        hdds = list(args.hdd)
        if args.mount:
            folder = HostFolder(args.mount)
            tmp = tempfile.mkdtemp(prefix="pcemu-mount-")
            image = os.path.join(tmp, "mount.img")
            for note in folder.build(image):
                stderr.write("pcemu: %s\n" % note)
            from .disk import DiskImage

            hdds.insert(0, DiskImage.open(image, kind="hdd"))  # never a snapshot: its writes come back
        own_disks = bool(args.disk or args.floppy or args.hdd)
        if not own_disks and not args.mount:
            machine = boot_builtin(args.cpu, args.clock, deadline, use_cache=not args.no_cache)
        else:
            floppies = list(args.floppy)
            if not (args.disk or args.floppy):
                from . import freedos

                floppies = [freedos.open_disk()]
            machine = Machine(disks=args.disk, floppies=floppies, hdds=hdds, cpu=args.cpu, clock=args.clock,
                              serial_console=True, snapshot=args.snapshot)
            wait_for_prompt(machine, deadline)
            Session(machine, deadline).set_prompt()
        session = Session(machine, deadline)
        if args.mount:
            session.line("C:")
            session.line("CD \\")
        body = session.line(line, stdin)
        text = _clean(body)
        bad = _BAD_COMMAND.match(text.strip()) if text.strip().count("\n") == 0 else None
        if bad:
            raise RunError("unknown command: %s" % bad.group(1), EXIT_UNKNOWN_COMMAND)
        status = session.errorlevel()
        stdout.write(text)
        stdout.flush()
        machine.flush()
        machine.close()
        machine = None
        if folder is not None:
            for note in folder.write_back():
                if not note.startswith(("new: ", "changed: ", "new directory: ")):
                    stderr.write("pcemu: %s\n" % note)
        return status
    except MountError as e:
        raise RunError(str(e), EXIT_INPUT)
    except DiskError as e:
        raise RunError(str(e), EXIT_INPUT)
    except GuestFault as e:
        raise RunError("guest fault: %s\n%s" % (e.message, e.dump), EXIT_GUEST)
    finally:
        if machine is not None:
            machine.close()
        if tmp is not None:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        return run(argv)
    except RunError as e:
        sys.stderr.write("pcemu: %s\n" % e)
        return e.status
    except KeyboardInterrupt:
        return 130
