"""The monitor: a command line that stops the guest and looks inside it.

Where commands come from (``--monitor=stdio``, ``--monitor=tcp:PORT``,
``--monitor-script=FILE``): the script's lines run first, then the
interactive source. The guest starts stopped at the reset vector, so a
session can set breakpoints before the first instruction. When the guest
runs, a line typed at a terminal or on the TCP connection pauses it (piped
stdin is read only while the guest is stopped, so a piped session replays
exactly). End of input on stdin or TCP quits; the end of a script with no
interactive source lets the guest run on, printing a report at each stop.

``help`` lists the commands; numbers are hexadecimal (see ``pcemu.debug.expr``).
"""

import os
import shlex
import sys

from .connection import LocalConnection, readable
from .expr import ExprError, compile_condition, parse_address, parse_number, set_reg

HELP = [
    ("help [COMMAND]", "this list, or one command's help"),
    ("r", "registers and the instruction at CS:IP"),
    ("r REG=VALUE", "set a register (ax..di, al..dh, cs ds es ss, ip, flags)"),
    ("d ADDR [LEN]", "dump memory, hex and ASCII (ADDR: seg:off or linear; LEN default 80)"),
    ("e ADDR BYTE.. | \"TEXT\"", "write bytes or text to memory"),
    ("str ADDR [TERM]", "show the string at ADDR up to TERM (default '$', as INT 21h AH=09h)"),
    ("u [ADDR] [N]", "disassemble N instructions (default: 10 from CS:IP)"),
    ("s [N]", "step N instructions (an IRQ pending meanwhile waits)"),
    ("p", "step over: CALL, INT, REP string instruction and LOOP run to the next instruction"),
    ("c", "continue until a breakpoint, watchpoint or pause"),
    ("until TEXT", "continue until TEXT shows on the text screen (checked every few thousand instructions)"),
    ("b ADDR [if COND]", "break before executing at seg:off (CS and IP match) or a linear address"),
    ("b int N [ah=X] [if COND]", "break before an INT N instruction (with AH=X)"),
    ("b in|out|io PORT", "break after an IN from / OUT to / either on PORT"),
    ("b if COND", "break before any instruction where COND holds (e.g. ax==4c00 && ds!=0)"),
    ("w ADDR [LEN] [r|w|rw]", "watchpoint: stop after an instruction reads/writes the range (default w)"),
    ("bl", "list breakpoints and watchpoints"),
    ("bd N|all", "delete breakpoint N, or all"),
    ("hist [N]", "the last N instructions executed (default 20), IRQs and far jumps marked"),
    ("history on|off [SIZE]", "record the history even with no breakpoint set"),
    ("ivt [N [COUNT]]", "the interrupt vector table (default all 256)"),
    ("bda", "the BIOS data area (40:0)"),
    ("dev [NAME]", "device state: pic pit uart ata kbc rtc vga (default pic pit uart ata)"),
    ("screen", "the text screen"),
    ("type TEXT", "type TEXT on the guest's keyboard (\\r for Enter)"),
    ("magic on|off", "stop after xchg bx,bx (Bochs's magic breakpoint)"),
    ("q", "quit pcemu"),
]
_ALIASES = {"x": "d", "step": "s", "next": "p", "cont": "c", "continue": "c", "g": "c", "break": "b",
            "watch": "w", "quit": "q", "exit": "q", "h": "help", "?": "help", "regs": "r", "history": "history"}

BDA_FIELDS = [
    (0x00, 2, "COM1 port"), (0x02, 2, "COM2 port"), (0x08, 2, "LPT1 port"),
    (0x10, 2, "equipment word"), (0x13, 2, "memory size (KiB)"),
    (0x17, 1, "keyboard flags 1"), (0x18, 1, "keyboard flags 2"),
    (0x1A, 2, "keyboard buffer head"), (0x1C, 2, "keyboard buffer tail"),
    (0x3E, 1, "floppy recalibrate status"), (0x41, 1, "last floppy status"),
    (0x49, 1, "video mode"), (0x4A, 2, "text columns"), (0x4C, 2, "video page size"),
    (0x4E, 2, "video page offset"), (0x50, 2, "cursor page 0 (row<<8|col)"),
    (0x60, 2, "cursor shape"), (0x62, 1, "active page"), (0x63, 2, "CRTC port"),
    (0x6C, 4, "timer ticks since midnight"), (0x70, 1, "midnight flag"), (0x71, 1, "Ctrl+Break flag"),
    (0x72, 2, "reset flag (1234h warm boot)"), (0x74, 1, "last hard disk status"),
    (0x75, 1, "hard disks"), (0x80, 2, "keyboard buffer start"), (0x82, 2, "keyboard buffer end"),
    (0x84, 1, "text rows - 1"), (0x85, 2, "character height"),
]


class Resume(Exception):
    """Raised by a command that lets the guest run again."""


class LineSource(object):
    """Lines from a file object (a script, or stdin); ``poll()`` for typing while running."""

    def __init__(self, f, name, interactive=False, echo=False, quit_at_end=False):
        self.f = f
        self.name = name
        self.interactive = interactive  # a terminal: prompt, and a typed line pauses the guest
        self.echo = echo
        self.quit_at_end = quit_at_end

    def readline(self, prompt_to):
        if self.interactive and prompt_to is not None:
            prompt_to("(pcemu) ", newline=False)
        line = self.f.readline()
        if not line:
            return None
        return line.rstrip("\r\n")

    def pending(self):
        if not self.interactive:
            return False
        return readable(self.f)


class TcpSource(LocalConnection):
    """One TCP connection on 127.0.0.1: the monitor's input and output."""

    def __init__(self, port):
        super().__init__(port)
        self.buf = b""
        self.name = "tcp:%d" % self.port
        self.interactive = True
        self.echo = False
        self.quit_at_end = True

    def accept(self):
        super().accept("monitor waiting on 127.0.0.1:%d" % self.port)

    def write(self, text):
        if self.conn is None:
            return
        try:
            self.conn.sendall(text.encode("utf-8", "replace"))
        except OSError:
            pass

    def readline(self, prompt_to):
        if prompt_to is not None:
            prompt_to("(pcemu) ", newline=False)
        while b"\n" not in self.buf:
            data = self.receive()
            if not data:
                return None
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode("utf-8", "replace").rstrip("\r")

    def pending(self):
        return bool(self.buf) or readable(self.conn)


class Monitor(object):
    def __init__(self, debugger, sources, write=None):
        self.dbg = debugger
        self.machine = debugger.machine
        self.cpu = debugger.cpu
        self.sources = list(sources)
        self._write = write or _stdout_write
        self.last_dump = None
        self.last_unasm = None
        self.around = None  # (before, after) around each session, e.g. a terminal's cooked/raw mode
        debugger.handler = self.on_stop
        debugger.poller = self.poll

    # ------------------------------------------------------------ output
    def out(self, text="", newline=True):
        self._write(text + ("\n" if newline else ""))

    # ------------------------------------------------------------ driving
    def start(self):
        """Stop at the first instruction so the session can set breakpoints."""
        self.dbg.request_pause()

    def poll(self):
        """Between run quanta: a line typed at an interactive source pauses the guest."""
        if self.sources and self.sources[0].interactive and self.sources[0].pending():
            self.dbg.request_pause()

    def on_stop(self, stop):
        if self.around is None:
            return self._session(stop)
        before, after = self.around
        before()
        try:
            return self._session(stop)
        finally:
            after()

    def _session(self, stop):
        if not self.sources:
            # Nothing left to read commands from: a headless stop report, and the guest goes on.
            self.out(self.dbg.report(stop))
            return
        self.out(stop.message)
        self.show_position()
        while True:
            if not self.sources:
                return  # no more input: the guest runs on (reports at each stop)
            src = self.sources[0]
            line = src.readline(self.out)
            if line is None:
                self.sources.pop(0)
                if src.quit_at_end:
                    self.out("end of monitor input: quitting")
                    raise SystemExit(0)
                if not self.sources:
                    self.out(self.dbg.report_tail())
                continue
            if src.echo:
                self.out("(pcemu) " + line)
            try:
                self.execute(line)
            except Resume:
                return

    def show_position(self):
        cpu = self.cpu
        self.out(self.cpu.dump().split("\n", 2)[0])
        self.out(self.cpu.dump().split("\n", 2)[1])
        self.out(self.dbg.format_disassembly(cpu.sregs[1], cpu.ip, 1)[0])

    def execute(self, line):
        line = line.strip()
        if not line or line.startswith("#") or line.startswith(";"):
            return
        word, _, rest = line.partition(" ")
        word = _ALIASES.get(word.lower(), word.lower())
        fn = getattr(self, "cmd_" + word, None)
        if fn is None:
            self.out("unknown command %r (help lists them)" % word)
            return
        try:
            fn(rest.strip())
        except ExprError as e:
            self.out("error: %s" % e)
        except (ValueError, IndexError) as e:
            self.out("error: %s" % e)

    # ------------------------------------------------------------ commands
    def cmd_help(self, arg):
        for usage, text in HELP:
            if not arg or usage.split()[0] == arg.lower():
                self.out("  %-26s %s" % (usage, text))
        self.out("  numbers are hexadecimal (#N decimal); ADDR is seg:off (registers allowed: ds:dx) "
                 "or a linear address")

    def cmd_r(self, arg):
        if arg:
            for item in arg.replace(",", " ").split() if "=" in arg else [arg.replace(" ", "=", 1)]:
                name, _, value = item.partition("=")
                if not value:
                    raise ExprError("use r REG=VALUE")
                set_reg(self.cpu, name, parse_number(value))
        self.show_position()

    def cmd_d(self, arg):
        args = arg.split()
        if args:
            addr = parse_address(self.cpu, args[0])
        elif self.last_dump is not None:
            addr = self.last_dump
        else:
            raise ExprError("d needs an address")
        length = parse_number(args[1]) if len(args) > 1 else 0x80
        data = self.dbg.peek(addr.linear, length) if addr.seg is None else bytes(
            self.dbg.peek(addr.advanced(i).linear)[0] for i in range(length))
        for row in range(0, length, 16):
            chunk = data[row:row + 16]
            text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
            self.out("%s  %-48s %s" % (addr.advanced(row), " ".join("%02X" % b for b in chunk), text))
        self.last_dump = addr.advanced(length)

    def cmd_e(self, arg):
        parts = shlex.split(arg, posix=True)
        if len(parts) < 2:
            raise ExprError("use e ADDR BYTE.. or e ADDR \"TEXT\"")
        addr = parse_address(self.cpu, parts[0])
        payload = bytearray()
        quoted = arg.split(None, 1)[1].lstrip()
        if quoted[:1] in ("'", '"'):
            payload.extend(parts[1].encode("latin-1"))
        else:
            for p in parts[1:]:
                payload.append(parse_number(p) & 0xFF)
        for i, b in enumerate(payload):
            self.dbg.poke(addr.advanced(i).linear, bytes((b,)))
        self.out("%d bytes written at %s" % (len(payload), addr))

    def cmd_str(self, arg):
        args = arg.split()
        if not args:
            raise ExprError("str needs an address")
        addr = parse_address(self.cpu, args[0])
        term = args[1] if len(args) > 1 else "$"
        term_byte = ord(term) if len(term) == 1 else parse_number(term) & 0xFF
        out = bytearray()
        for i in range(4096):
            b = self.dbg.peek(addr.advanced(i).linear)[0]
            if b == term_byte:
                break
            out.append(b)
        self.out("%s: %r" % (addr, bytes(out).decode("cp437")))

    def cmd_u(self, arg):
        args = arg.split()
        cpu = self.cpu
        if args:
            addr = parse_address(self.cpu, args[0])
            cs, ip = (addr.seg, addr.off) if addr.seg is not None else (addr.off >> 4, addr.off & 0xF)
        elif self.last_unasm is not None:
            cs, ip = self.last_unasm
        else:
            cs, ip = cpu.sregs[1], cpu.ip
        n = parse_number(args[1]) if len(args) > 1 else 10
        rows = self.dbg.disassemble(cs, ip, n)
        for c, i, code, text in rows:
            marker = "=>" if (c, i) == (cpu.sregs[1], cpu.ip) else "  "
            self.out("%s %04X:%04X  %-14s  %s" % (marker, c, i, "".join("%02X" % b for b in code), text))
        c, i, code, _ = rows[-1]
        self.last_unasm = (c, (i + len(code)) & 0xFFFF)

    def _resume(self):
        self.last_unasm = None
        raise Resume()

    def cmd_s(self, arg):
        self.dbg.step(parse_number(arg) if arg else 1)
        self._resume()

    def cmd_p(self, arg):
        self.dbg.step_over()
        self._resume()

    def cmd_c(self, arg):
        self.dbg.resume()
        self._resume()

    def cmd_until(self, arg):
        if not arg:
            raise ExprError("until needs the text to wait for")
        self.dbg.until_text = arg
        self.dbg.resume()
        self._resume()

    def cmd_b(self, arg):
        cond = cond_text = None
        if " if " in " " + arg + " ":
            head, _, cond_text = (" " + arg).partition(" if ")
            arg = head.strip()
            cond_text = cond_text.strip()
            cond = compile_condition(cond_text)
        words = arg.split()
        if not words:
            if cond is None:
                raise ExprError("use b ADDR, b int N [ah=X], b in|out|io PORT or b if COND")
            bp = self.dbg.break_if(cond, cond_text)
        elif words[0].lower() == "int":
            if len(words) < 2:
                raise ExprError("use b int N [ah=X]")
            ah = None
            for w in words[2:]:
                name, _, value = w.partition("=")
                if name.lower() != "ah" or not value:
                    raise ExprError("use b int N [ah=X]")
                ah = parse_number(value) & 0xFF
            bp = self.dbg.break_int(parse_number(words[1]) & 0xFF, ah, cond, cond_text)
        elif words[0].lower() in ("in", "out", "io"):
            if len(words) != 2:
                raise ExprError("use b in|out|io PORT")
            access = {"in": "r", "out": "w", "io": "rw"}[words[0].lower()]
            bp = self.dbg.break_port(parse_number(words[1]), access)
        else:
            addr = parse_address(self.cpu, words[0])
            if addr.seg is None:
                bp = self.dbg.break_at(linear=addr.off, condition=cond, cond_text=cond_text)
            else:
                bp = self.dbg.break_at(seg=addr.seg, off=addr.off, condition=cond, cond_text=cond_text)
        self.out("breakpoint %s" % bp)

    def cmd_w(self, arg):
        words = arg.split()
        if not words:
            raise ExprError("use w ADDR [LEN] [r|w|rw]")
        addr = parse_address(self.cpu, words[0])
        access = "w"
        length = 1
        for w in words[1:]:
            if w.lower() in ("r", "w", "rw"):
                access = w.lower()
            else:
                length = parse_number(w)
        bp = self.dbg.watch(addr.linear, length, access)
        self.out("watchpoint %s" % bp)

    def cmd_bl(self, arg):
        if not self.dbg.breakpoints:
            self.out("no breakpoints")
        for bp in self.dbg.breakpoints:
            self.out("  %s" % bp)

    def cmd_bd(self, arg):
        if arg.lower() == "all":
            self.dbg.delete(None)
            self.out("all breakpoints deleted")
        elif not self.dbg.delete(int(arg, 10)):
            self.out("no breakpoint %s" % arg)

    def cmd_hist(self, arg):
        n = int(arg, 10) if arg else 20
        if not self.dbg.history.count:
            self.out("no history recorded (it is recorded while a breakpoint is set, or after history on)")
        for line in self.dbg.format_history(n):
            self.out(line)

    def cmd_history(self, arg):
        words = arg.split()
        if not words or words[0] not in ("on", "off"):
            raise ExprError("use history on|off [SIZE]")
        size = int(words[1], 10) if len(words) > 1 else None
        self.dbg.set_history(words[0] == "on", size)
        self.out("history %s (%d entries)" % (words[0], self.dbg.history.size))

    def cmd_ivt(self, arg):
        words = arg.split()
        first = parse_number(words[0]) & 0xFF if words else 0
        count = parse_number(words[1]) if len(words) > 1 else (1 if words else 256)
        for v in range(first, min(256, first + count)):
            raw = self.dbg.peek(v * 4, 4)
            off, seg = raw[0] | raw[1] << 8, raw[2] | raw[3] << 8
            self.out("INT %02Xh  %04X:%04X" % (v, seg, off))

    def cmd_bda(self, arg):
        raw = self.dbg.peek(0x400, 0x100)
        for off, size, name in BDA_FIELDS:
            value = int.from_bytes(raw[off:off + size], "little")
            self.out("40:%02X  %0*X  %s" % (off, size * 2, value, name))

    def cmd_dev(self, arg):
        m = self.machine
        devices = {"pic": [m.pic], "pit": [m.pit], "uart": [m.uart], "ata": [m.ata_primary, m.ata_secondary],
                   "kbc": [m.kbc], "rtc": [m.rtc], "vga": [m.vga]}
        names = arg.lower().split() or ["pic", "pit", "uart", "ata"]
        for name in names:
            if name not in devices:
                raise ExprError("no device %r (pic pit uart ata kbc rtc vga)" % name)
            for dev in devices[name]:
                self.out("%s (%s):" % (name, type(dev).__name__))
                _format_state(dev.debug_state(), self.out, "  ")

    def cmd_screen(self, arg):
        for line in self.machine.screen_lines():
            self.out("|" + line)

    def cmd_type(self, arg):
        text = arg.replace("\\r", "\r").replace("\\n", "\r")
        self.machine.type_text(text)
        self.out("%d keys queued" % len(text))

    def cmd_magic(self, arg):
        if arg not in ("on", "off"):
            raise ExprError("use magic on|off")
        self.dbg.set_magic(arg == "on")
        self.out("magic breakpoint %s" % arg)

    def cmd_q(self, arg):
        self.out("quit")
        raise SystemExit(0)


def _format_state(state, out, indent):
    for key, value in state.items():
        if isinstance(value, dict):
            out("%s%s:" % (indent, key))
            _format_state(value, out, indent + "  ")
        elif isinstance(value, bool) or value is None:
            out("%s%-16s %s" % (indent, key, value))
        elif isinstance(value, int):
            out("%s%-16s %Xh (%d)" % (indent, key, value, value))
        else:
            out("%s%-16s %s" % (indent, key, value))


def _stdout_write(text):
    sys.stdout.write(text)
    sys.stdout.flush()


def open_monitor(debugger, spec=None, script=None):
    """The CLI's monitor: ``spec`` is stdio or tcp:PORT (or None), ``script`` a file path."""
    sources = []
    write = _stdout_write
    if script is not None:
        try:
            f = open(script, "r")
        except OSError as e:
            raise ValueError("cannot read monitor script %s: %s" % (script, e.strerror))
        sources.append(LineSource(f, script, echo=True))
    if spec == "stdio":
        tty = os.isatty(sys.stdin.fileno())
        sources.append(LineSource(sys.stdin, "stdin", interactive=tty, echo=not tty, quit_at_end=True))
    elif spec is not None and spec.startswith("tcp:"):
        try:
            port = int(spec[4:], 10)
        except ValueError:
            port = -1
        if not 0 < port < 65536:
            raise ValueError("--monitor=tcp:PORT needs a port number (1-65535), not %r" % spec[4:])
        tcp = TcpSource(port)
        tcp.accept()
        sources.append(tcp)
        write = tcp.write
    elif spec is not None:
        raise ValueError("unknown --monitor value %r (use stdio or tcp:PORT)" % spec)
    monitor = Monitor(debugger, sources, write)
    return monitor
