"""Command line: ``pcemu --disk=IMAGE [options]``.

Parses options, builds the Machine, hands it to a front end (pygame window,
terminal, or the headless serial console) and turns every failure the user
can cause into one line on stderr and an exit status (the statuses and the
exceptions the front ends raise are in ``errors.py``).

Whatever the exit, the disks are flushed first.
"""

import argparse
import math
import os
import signal
import sys

from . import __version__
from .errors import (EXIT_GUEST, EXIT_INPUT, EXIT_OK, EXIT_SIGINT, EXIT_STATUS_HELP,  # noqa: F401
                     EXIT_TIMEOUT, EXIT_USAGE, TimeoutExpired, UsageProblem)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # One line, no usage block: the usage is one `--help` away.
        sys.stderr.write("pcemu: %s (see pcemu --help)\n" % message)
        sys.exit(EXIT_USAGE)

    def format_help(self):
        # The epilog imports every front end: only --help needs it, not each start.
        if self.epilog is None:
            self.epilog = _epilog()
        return super().format_help()


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, told the terminal width: left to itself it imports shutil
    (and with it bz2, lzma and threading, ~20 ms under PyPy) on every start."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        if width is None:
            width = terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def terminal_columns():
    """Columns of the terminal on stdout: $COLUMNS, the terminal's size, or 80."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a whole number" % text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1, not %d" % value)
    return value


def _serial_spec(text):
    if text in ("stdio", "none") or (text.startswith("file:") and len(text) > 5):
        return text
    raise argparse.ArgumentTypeError("unknown value %r (use stdio, none or file:PATH)" % text)


def _epilog():
    from .frontends.serial_console import SERIAL_HOST_KEY_HELP
    from .frontends.terminal import TERMINAL_HOST_KEY_HELP
    from .frontends.window import HOST_KEY_HELP

    return ("host keys (never sent to the guest):\n"
            "  window:           %s\n"
            "  --display=curses: %s\n"
            "  --serial=stdio:   %s\n\n%s\n" % (HOST_KEY_HELP, TERMINAL_HOST_KEY_HELP, SERIAL_HOST_KEY_HELP,
                                               EXIT_STATUS_HELP))


def build_parser():
    p = _Parser(prog="pcemu", usage="pcemu [options] [IMAGE [IMAGE2 ...]]   (IMAGE = --disk=IMAGE)",
                description="An IBM PC-compatible emulator (8086/80186) that boots DOS. "
                            "Without a disk it boots its built-in FreeDOS floppy.",
                formatter_class=_HelpFormatter)
    p.add_argument("images", nargs="*", metavar="IMAGE", help="a disk image to attach, as --disk=IMAGE")
    p.add_argument("--disk", action="append", default=[], metavar="IMAGE",
                   help="attach a disk image: floppy sizes become A:/B:, others C:/D: (repeatable)")
    p.add_argument("--floppy", action="append", default=[], metavar="IMAGE", help="attach IMAGE as a floppy")
    p.add_argument("--hdd", action="append", default=[], metavar="IMAGE", help="attach IMAGE as a hard disk")
    p.add_argument("--cpu", choices=["8086", "80186"], default=None,
                   help="CPU model (default 80186, or the saved one with --load-state)")
    p.add_argument("--clock", choices=["realtime", "virtual"], default="realtime",
                   help="realtime follows the host clock; virtual derives time from the instruction "
                        "count so runs repeat exactly (default realtime)")
    p.add_argument("--display", choices=["auto", "window", "curses", "term", "none"], default="auto",
                   help="window (pygame), curses/term (this terminal), or none (default: a window if "
                        "a graphical display is available)")
    p.add_argument("--serial", default="none", metavar="stdio|none|file:PATH", type=_serial_spec,
                   help="COM1 back end; stdio makes this terminal the DOS console (default none)")
    p.add_argument("--serial-crlf", choices=["auto", "keep", "lf"], default="auto",
                   help="with --serial=stdio: keep DOS's CR LF line ends, or write LF; auto (the default) "
                        "writes LF into a pipe or file and keeps CR LF on a terminal")
    p.add_argument("--snapshot", action="store_true", help="keep disk writes in memory and drop them at exit")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="end the run after SECONDS of host time")
    p.add_argument("--stats", action="store_true", help="print statistics at exit")
    p.add_argument("--scale", type=_positive_int, metavar="N", help="window scale factor (1 or more)")
    p.add_argument("--trace", metavar="FILE", help="write an instruction trace to FILE (slow)")
    p.add_argument("--trace-ports", metavar="FILE", help="write every port access to FILE")
    p.add_argument("--debug-bios", action="store_true", help="print the BIOS debug console (port E9h) on stderr")
    p.add_argument("--bios", metavar="FILE", help="use another 64 KiB BIOS image")
    p.add_argument("--monitor", metavar="stdio|tcp:PORT",
                   help="debugger monitor on this terminal or on 127.0.0.1:PORT; the guest starts stopped")
    p.add_argument("--monitor-script", metavar="FILE", help="run monitor commands from FILE first")
    p.add_argument("--gdb", type=int, metavar="PORT",
                   help="GDB remote stub on 127.0.0.1:PORT (waits for gdb; addresses are linear, $pc = CS*16+IP)")
    p.add_argument("--magic-break", action="store_true", help="stop at xchg bx,bx (Bochs's magic breakpoint)")
    p.add_argument("--history", type=int, metavar="N",
                   help="record the last N instructions (shown at a stop or guest fault; slows the run)")
    p.add_argument("--save-state", metavar="FILE",
                   help="save the machine's state to FILE when the run ends normally (and on Ctrl+Alt+W "
                        "in the window)")
    p.add_argument("--mount", metavar="DIR",
                   help="a host folder as a FAT hard disk (C: after any hard disks given); what the guest "
                        "creates or changes is written back to the folder at exit")
    p.add_argument("--load-state", metavar="FILE",
                   help="start from a state saved with --save-state (its disks, unless disks are given: "
                        "they must be the same images)")
    p.add_argument("--cpu-tier", choices=["interp", "auto"], default="auto",
                   help="interp: interpret every instruction; auto: translate hot code into Python "
                        "functions (same results, faster) (default auto)")
    p.add_argument("--dump-blocks", metavar="DIR", help="write the source of every translated block to DIR")
    p.add_argument("--version", action="version", version="pcemu %s" % __version__)
    return p


def _have_graphical_display():
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("SDL_VIDEODRIVER"))


def _choose_display(args):
    if args.display != "auto":
        return "curses" if args.display == "term" else args.display
    if args.serial == "stdio":
        return "none"
    if _have_graphical_display():
        return "window"
    raise UsageProblem("no graphical display found: use --display=curses, or --display=none --serial=stdio")


def _serial_backend(spec, crlf="auto"):
    from .devices.uart import FileSerial, NullSerial

    if spec == "none":
        return NullSerial(), None
    if spec == "stdio":
        from .frontends.serial_console import StdioConsole

        console = StdioConsole(crlf=crlf)
        return console, console
    if spec.startswith("file:") and len(spec) > 5:
        try:
            return FileSerial(spec[5:]), None
        except (OSError, ValueError) as e:  # FileSerial reports OSError as ValueError
            raise UsageProblem("cannot open serial output file %s: %s"
                               % (spec[5:], getattr(e, "strerror", None) or str(e).split(": ")[-1]))
    raise UsageProblem("unknown --serial value %r (use stdio, none or file:PATH)" % spec)


class _Signals:
    """SIGINT and SIGTERM from the first line of main() to the last: the first one
    ends the run (SystemExit with 128 + the signal number, a shell's status); once
    the exit path has begun, later ones are only remembered, so the final flush
    and fsync always complete."""

    def __init__(self):
        self.exiting = False
        self.status = None
        self.previous = {}
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                self.previous[signum] = signal.signal(signum, self._on_signal)
            except ValueError:  # main() called outside the main thread: leave signals alone
                break

    def _on_signal(self, signum, frame):
        if self.status is None:
            self.status = 128 + signum
        if not self.exiting:
            self.exiting = True
            raise SystemExit(128 + signum)

    def restore(self):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def _fd_is_open(fd):
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _guard_standard_fds():
    """Put /dev/null on any of fds 0-2 the caller closed (``<&-``), so no image or
    trace file opened later lands on them; returns the closed ones."""
    closed = set()
    for fd in (0, 1, 2):
        if not _fd_is_open(fd):
            closed.add(fd)
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if 1 in closed or sys.stdout is None:
        sys.stdout = open(1, "w", closefd=False)
    if 2 in closed or sys.stderr is None:
        sys.stderr = open(2, "w", closefd=False)
    if 0 in closed or sys.stdin is None:
        sys.stdin = open(0, "r", closefd=False)
    return closed


def _usage_error(message):
    sys.stderr.write("pcemu: %s\n" % message)
    return EXIT_USAGE


def main(argv=None):
    if argv is None:        # the program itself, not a caller in Python
        from .hostjit import fit_gc_nursery

        fit_gc_nursery()
    raw = sys.argv[1:] if argv is None else list(argv)
    if raw[:1] == ["run"]:
        from .run import main as run_main

        return run_main(raw[1:])
    signals = _Signals()
    try:
        return _main(argv, signals)
    except SystemExit as e:  # a signal before the run began, or argparse
        return signals.status if signals.status is not None else e.code
    finally:
        signals.restore()


def _main(argv, signals):
    closed_fds = _guard_standard_fds()
    args = build_parser().parse_args(argv)
    args.disk = args.images + args.disk
    builtin = not (args.disk or args.floppy or args.hdd) and not args.load_state
    if args.mount and args.load_state:
        sys.stderr.write("pcemu: --mount cannot be combined with --load-state (the state has its own disks)\n")
        return EXIT_USAGE
    if args.timeout is not None and not (math.isfinite(args.timeout) and 0 < args.timeout <= 1e9):
        return _usage_error("--timeout must be a positive number of seconds (at most 1e9), not %s"
                            % args.timeout)
    if args.display == "window" and not _have_graphical_display():
        return _usage_error("--display=window: no graphical display found (DISPLAY and WAYLAND_DISPLAY "
                            "are unset): use --display=curses, or --display=none --serial=stdio")
    if args.serial == "stdio" and 1 in closed_fds:
        sys.stderr.write("pcemu: --serial=stdio: standard output is closed\n")
        return EXIT_INPUT

    from .disk import DiskError
    from .machine import GuestFault, Machine
    from .state import StateError

    machine = None
    console = None
    mounted = None
    mount_dir = None
    status = EXIT_OK
    try:
        display = _choose_display(args)
        serial, console = _serial_backend(args.serial, args.serial_crlf)
        floppies = args.floppy
        hdds = list(args.hdd)
        if args.mount:
            import tempfile

            from .disk import DiskImage
            from .hostfolder import HostFolder, MountError

            try:
                mounted = HostFolder(args.mount)
                mount_dir = tempfile.mkdtemp(prefix="pcemu-mount-")
                for note in mounted.build(os.path.join(mount_dir, "mount.img")):
                    sys.stderr.write("pcemu: %s\n" % note)
            except MountError as e:
                raise UsageProblem(str(e))
            hdds.append(DiskImage.open(os.path.join(mount_dir, "mount.img"), kind="hdd"))
        if builtin:
            from . import freedos

            floppies = [freedos.open_disk()]
            sys.stderr.write("pcemu: no disk given: booting the built-in FreeDOS floppy as A:, its writes "
                             "kept in memory (pcemu-img create --freedos NAME.img makes a copy you keep)\n")
        if args.load_state and not (args.disk or args.floppy or args.hdd):
            machine = Machine.from_state(args.load_state, cpu=args.cpu or None, clock=args.clock, serial=serial,
                                         serial_console=(args.serial == "stdio"), snapshot=args.snapshot,
                                         bios=args.bios, translate=args.cpu_tier, dump_blocks=args.dump_blocks)
        else:
            machine = Machine(disks=args.disk, floppies=floppies, hdds=hdds, cpu=args.cpu or "80186",
                              clock=args.clock, serial=serial, serial_console=(args.serial == "stdio"),
                              snapshot=args.snapshot, bios=args.bios, translate=args.cpu_tier,
                              dump_blocks=args.dump_blocks)
            if args.load_state:
                machine.load_state(args.load_state)
        # The host input this front end can deliver: a halted guest only that could wake waits for it.
        machine.host_inputs = set()
        if display in ("window", "curses"):
            machine.host_inputs.add("keyboard")
        if args.serial == "stdio":
            machine.host_inputs.update(("serial", "keyboard"))  # bytes, and keys by the escape prefix
        if args.debug_bios:
            machine.debug_sink = lambda line: sys.stderr.write("[bios] %s\n" % line)
        if args.trace_ports:
            machine.trace_ports(args.trace_ports)
        if args.trace:
            machine.trace_instructions(args.trace)
        _attach_debugger(machine, args)
        status = _run_front_end(machine, display, console, args)
    except (DiskError, UsageProblem, StateError) as e:
        sys.stderr.write("pcemu: %s\n" % e)
        status = EXIT_INPUT
    except GuestFault as e:
        if console is not None:
            console.restore()
        sys.stderr.write("pcemu: guest fault: %s\n%s\n" % (e.message, e.dump))
        status = EXIT_GUEST
    except TimeoutExpired as e:
        if console is not None:
            console.restore()
        sys.stderr.write("pcemu: %s\n" % e)
        status = EXIT_TIMEOUT
    except OSError as e:
        # a trace or console that cannot be written, a host I/O error
        if console is not None:
            console.restore()
        sys.stderr.write("pcemu: %s\n" % _os_error_text(e))
        status = EXIT_INPUT
    except KeyboardInterrupt:
        status = EXIT_SIGINT
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else EXIT_INPUT
    finally:
        signals.exiting = True  # from here on a signal cannot cut the flush short
        if console is not None:
            console.restore()
        if machine is not None and args.save_state and status in (EXIT_OK, EXIT_TIMEOUT):
            # Only between run steps: after a fault or a signal the CPU may be mid-instruction.
            try:
                machine.save_state(args.save_state)
            except StateError as e:
                sys.stderr.write("pcemu: %s\n" % e)
                status = EXIT_INPUT
        if machine is not None:
            try:
                machine.flush()
            except OSError as e:
                sys.stderr.write("pcemu: %s\n" % _os_error_text(e))
                if status == EXIT_OK:
                    status = EXIT_INPUT
            if args.stats:
                if console is not None:
                    console.end_line()
                sys.stderr.write(machine.format_stats() + "\n")
            machine.close()
        if mounted is not None and mounted.image is not None:
            try:
                for note in mounted.write_back():
                    sys.stderr.write("pcemu: %s\n" % note)
            except Exception as e:  # the folder must hear of it: the guest's files are in the image
                sys.stderr.write("pcemu: writing back to %s failed: %s (the guest's disk is kept in %s)\n"
                                 % (args.mount, e, mount_dir))
                mount_dir = None
                status = EXIT_INPUT
        if mount_dir is not None:
            import shutil

            shutil.rmtree(mount_dir, ignore_errors=True)
    if signals.status is not None:
        status = signals.status
    return status


def _attach_debugger(machine, args):
    if args.history is not None and args.history < 1:
        raise UsageProblem("--history needs a positive number of instructions")
    from .debug.session import SetupError, attach

    try:
        attach(machine, monitor=args.monitor, script=args.monitor_script, gdb=args.gdb,
               magic=args.magic_break, history=args.history, serial_stdio=(args.serial == "stdio"))
    except SetupError as e:
        raise UsageProblem(str(e))


def _os_error_text(e):
    text = e.strerror or str(e)
    return "%s: %s" % (e.filename, text) if e.filename else text


def _run_front_end(machine, display, console, args):
    if display == "window":
        try:
            from .frontends.window import run_window
        except ImportError as e:
            raise UsageProblem("the window needs pygame (%s): pip install 'pcemu[display]', or use "
                               "--display=curses or --display=none --serial=stdio" % e)
        return run_window(machine, scale=args.scale, timeout=args.timeout, state_path=args.save_state)
    if display == "curses":
        from .frontends.terminal import run_terminal

        return run_terminal(machine, timeout=args.timeout)
    from .frontends.serial_console import run_headless

    return run_headless(machine, console, timeout=args.timeout)
