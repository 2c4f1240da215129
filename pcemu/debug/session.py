"""The command line's debugging options, turned into a Debugger and what drives it.

``--monitor``, ``--monitor-script`` and ``--gdb`` attach a driver that the
guest stops for; ``--magic-break`` and ``--history`` alone attach the
debugger with a driver that prints a report (registers, disassembly at
CS:IP, the history) on stderr at each stop and lets the guest go on.
"""

import sys


class SetupError(Exception):
    """A debugging option that cannot be honoured (bad value, port in use...)."""


def attach(machine, monitor=None, script=None, gdb=None, magic=False, history=None, serial_stdio=False):
    """Return the Debugger (or None when no debugging option is given)."""
    if not (monitor or script or gdb is not None or magic or history):
        return None
    if monitor == "stdio" and serial_stdio:
        raise SetupError("--monitor=stdio and --serial=stdio both want this terminal: "
                         "use --monitor=tcp:PORT with --serial=stdio")
    if monitor and gdb is not None:
        raise SetupError("use either --monitor or --gdb, not both")
    from .debugger import Debugger  # only now: it loads the disassembler

    dbg = Debugger(machine, history_size=history or 1000)
    if history:
        dbg.set_history(True)
    if magic:
        dbg.set_magic(True)
    if gdb is not None:
        from .gdbstub import GdbStub

        if not 0 < gdb < 65536:
            raise SetupError("--gdb needs a port number (1-65535), not %d" % gdb)
        try:
            stub = GdbStub(dbg, gdb)
        except OSError as e:
            raise SetupError("cannot listen for gdb on 127.0.0.1:%d: %s" % (gdb, e.strerror))
        stub.accept()
        stub.start()
    elif monitor or script:
        from .monitor import open_monitor

        try:
            mon = open_monitor(dbg, monitor, script)
        except OSError as e:
            raise SetupError("cannot open the monitor: %s" % e.strerror)
        except ValueError as e:
            raise SetupError(str(e))
        mon.start()
    else:
        def report(stop):
            sys.stderr.write("pcemu: %s\n" % dbg.report(stop))
            sys.stderr.flush()

        dbg.handler = report
    return dbg


def pause_into_monitor(machine, source=None, around=None):
    """A host key asked for the debugger: stop at the next instruction, with a monitor
    to take the stop (a new one on stdin/stdout, or ``source``, when none is attached).
    ``around``: (before, after) callables run around each monitor session (a terminal
    front end leaves raw mode while the monitor reads lines)."""
    dbg = machine.debugger
    if dbg is None:
        from .debugger import Debugger

        dbg = Debugger(machine)
    if dbg.handler is None or getattr(dbg.handler, "__name__", "") == "report":
        from .monitor import LineSource, Monitor

        if source is None:
            import os

            try:
                tty = os.isatty(sys.stdin.fileno())
            except (OSError, ValueError, AttributeError):
                tty = False
            source = LineSource(sys.stdin, "stdin", interactive=tty, echo=not tty, quit_at_end=True)
        mon = Monitor(dbg, [source])
        if around is not None:
            mon.around = around
            dbg.poller = None  # while the guest runs, the terminal's keys belong to it
    dbg.request_pause()
    return dbg
