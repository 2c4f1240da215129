"""Command line: ``pcemu --disk=IMAGE [options]``.

Parses options, builds the Machine, hands it to a front end (pygame window,
terminal, or the headless serial console) and turns every failure the user
can cause into one line on stderr and an exit status (the statuses and the
exceptions the front ends raise are in ``errors.py``).

Whatever the exit, the disks are flushed first.
"""

import argparse
import os
import signal
import sys

from . import __version__

from .errors import (EXIT_GUEST, EXIT_INPUT, EXIT_OK, EXIT_TIMEOUT, EXIT_USAGE,  # noqa: F401
                     TimeoutExpired, UsageProblem)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # One line, no usage block: the usage is one `--help` away.
        sys.stderr.write("pcemu: %s (see pcemu --help)\n" % message)
        sys.exit(EXIT_USAGE)


def build_parser():
    p = _Parser(prog="pcemu", description="An IBM PC-compatible emulator (8086/80186) that boots DOS.")
    p.add_argument("--disk", action="append", default=[], metavar="IMAGE",
                   help="attach a disk image: floppy sizes become A:/B:, others C:/D: (repeatable)")
    p.add_argument("--floppy", action="append", default=[], metavar="IMAGE", help="attach IMAGE as a floppy")
    p.add_argument("--hdd", action="append", default=[], metavar="IMAGE", help="attach IMAGE as a hard disk")
    p.add_argument("--cpu", choices=["8086", "80186"], default="80186", help="CPU model (default 80186)")
    p.add_argument("--clock", choices=["realtime", "virtual"], default="realtime",
                   help="realtime follows the host clock; virtual derives time from the instruction "
                        "count so runs repeat exactly (default realtime)")
    p.add_argument("--display", choices=["auto", "window", "curses", "term", "none"], default="auto",
                   help="window (pygame), curses/term (this terminal), or none (default: a window if "
                        "a graphical display is available)")
    p.add_argument("--serial", default="none", metavar="stdio|none|file:PATH",
                   help="COM1 back end; stdio makes this terminal the DOS console (default none)")
    p.add_argument("--snapshot", action="store_true", help="keep disk writes in memory and drop them at exit")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="end the run after SECONDS of host time")
    p.add_argument("--stats", action="store_true", help="print statistics at exit")
    p.add_argument("--scale", type=int, metavar="N", help="window scale factor")
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
    p.add_argument("--version", action="version", version="pcemu %s" % __version__)
    return p


def _choose_display(args):
    if args.display != "auto":
        return "curses" if args.display == "term" else args.display
    if args.serial == "stdio":
        return "none"
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("SDL_VIDEODRIVER"):
        return "window"
    raise UsageProblem("no graphical display found: use --display=curses, or --display=none --serial=stdio")


def _serial_backend(spec):
    from .devices.uart import FileSerial, NullSerial

    if spec == "none":
        return NullSerial(), None
    if spec == "stdio":
        from .frontends.serial_console import StdioConsole

        console = StdioConsole()
        return console, console
    if spec.startswith("file:") and len(spec) > 5:
        try:
            return FileSerial(spec[5:]), None
        except OSError as e:
            raise UsageProblem("cannot open serial output file %s: %s" % (spec[5:], e.strerror))
    raise UsageProblem("unknown --serial value %r (use stdio, none or file:PATH)" % spec)


def main(argv=None):
    args = build_parser().parse_args(argv)
    if not (args.disk or args.floppy or args.hdd):
        sys.stderr.write("pcemu: no disk image given (use --disk=IMAGE; see pcemu --help)\n")
        return EXIT_USAGE
    if args.timeout is not None and args.timeout <= 0:
        sys.stderr.write("pcemu: --timeout must be positive\n")
        return EXIT_USAGE

    from .disk import DiskError
    from .machine import GuestFault, Machine

    machine = None
    console = None
    previous_term = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_sigterm)
    status = EXIT_OK
    try:
        display = _choose_display(args)
        serial, console = _serial_backend(args.serial)
        machine = Machine(disks=args.disk, floppies=args.floppy, hdds=args.hdd, cpu=args.cpu,
                          clock=args.clock, serial=serial, serial_console=(args.serial == "stdio"),
                          snapshot=args.snapshot, bios=args.bios)
        if args.debug_bios:
            machine.debug_sink = lambda line: sys.stderr.write("[bios] %s\n" % line)
        if args.trace_ports:
            machine.trace_ports(args.trace_ports)
        if args.trace:
            machine.trace_instructions(args.trace)
        _attach_debugger(machine, args)
        status = _run_front_end(machine, display, console, args)
    except (DiskError, UsageProblem) as e:
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
    except KeyboardInterrupt:
        status = 130
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else EXIT_INPUT
    finally:
        if console is not None:
            console.restore()
        if machine is not None:
            machine.flush()
            if args.stats:
                sys.stderr.write(machine.format_stats() + "\n")
            machine.close()
        signal.signal(signal.SIGTERM, previous_term)
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


def _run_front_end(machine, display, console, args):
    if display == "window":
        try:
            from .frontends.window import run_window
        except ImportError as e:
            raise UsageProblem("the window needs pygame (%s): pip install 'pcemu[display]', or use "
                               "--display=curses or --display=none --serial=stdio" % e)
        return run_window(machine, scale=args.scale, timeout=args.timeout)
    if display == "curses":
        from .frontends.terminal import run_terminal

        return run_terminal(machine, timeout=args.timeout)
    from .frontends.serial_console import run_headless

    return run_headless(machine, console, timeout=args.timeout)
