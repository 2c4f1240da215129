"""GDB remote stub (``--gdb=PORT``, on 127.0.0.1 only): gdb sees a real-mode PC.

How gdb's flat addresses map to the 8086's CS:IP
------------------------------------------------
gdb knows nothing of segments, so every address gdb uses is a **linear
(physical) address**, CS*16+IP:

* ``$pc`` (gdb's ``eip``) is reported as CS*16+IP, so ``x/10i $pc`` and
  ``break *0x7c00`` mean what a real-mode developer expects; memory reads and
  writes (``x``, ``set *(char*)0xb8000 = 65``) use linear addresses too.
* Writing ``$pc`` keeps CS when the new linear address is inside CS's 64 KiB
  window (IP = address - CS*16), else sets CS = address >> 4, IP = address & 15.
* The other registers are the 8086's own, 16 bits wide: ``eax`` .. ``edi`` hold
  AX .. DI (gdb's i386 names; ``$ax`` .. ``$di`` and ``$al`` .. ``$bh`` work too),
  ``eflags`` is FLAGS and ``cs ss ds es`` the segment registers (``fs``/``gs``
  read 0). IP itself is ``$pc - $cs*16``.

The target description (``target.xml``) names the architecture ``i8086``, so
gdb disassembles 16-bit code without ``set architecture``.

Supported: registers (g/G/p/P), memory (m/M), continue and step (c/s),
software and hardware breakpoints (Z0/Z1, both are the debugger's exec
breakpoints at a linear address), write/read/access watchpoints (Z2/Z3/Z4),
Ctrl+C (pauses the guest at the next instruction), kill (ends pcemu), detach.
"""

from .connection import LocalConnection, readable
from .expr import get_reg, set_reg

# (name, bits, type) in gdb's i386 core order; gdb's i386 code requires these names.
REGS = [("eax", 16, "int16"), ("ecx", 16, "int16"), ("edx", 16, "int16"), ("ebx", 16, "int16"),
        ("esp", 16, "int16"), ("ebp", 16, "int16"), ("esi", 16, "int16"), ("edi", 16, "int16"),
        ("eip", 32, "code_ptr"), ("eflags", 16, "i8086_flags"),
        ("cs", 16, "int16"), ("ss", 16, "int16"), ("ds", 16, "int16"), ("es", 16, "int16"),
        ("fs", 16, "int16"), ("gs", 16, "int16")]
FPU_REGS = ([("st%d" % i, 80, "i387_ext") for i in range(8)]
            + [(n, 32, "int") for n in ("fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop")])
_NAMES_8086 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di", None, "flags", "cs", "ss", "ds", "es", None, None]


def target_xml():
    regs = []
    for i, (name, bits, typ) in enumerate(REGS + FPU_REGS):
        group = ' group="float"' if i >= len(REGS) else ""
        regs.append('    <reg name="%s" bitsize="%d" type="%s" regnum="%d"%s/>' % (name, bits, typ, i, group))
    flags = "".join('    <field name="%s" start="%d" end="%d"/>\n' % (name, bit, bit) for name, bit in (
        ("CF", 0), ("PF", 2), ("AF", 4), ("ZF", 6), ("SF", 7), ("TF", 8), ("IF", 9), ("DF", 10), ("OF", 11)))
    return ('<?xml version="1.0"?>\n<!DOCTYPE target SYSTEM "gdb-target.dtd">\n<target version="1.0">\n'
            '  <architecture>i8086</architecture>\n  <feature name="org.gnu.gdb.i386.core">\n'
            '  <flags id="i8086_flags" size="2">\n' + flags + '  </flags>\n'
            + "\n".join(regs) + "\n  </feature>\n</target>\n")


def _checksum(data):
    return sum(data) & 0xFF


class GdbStub(LocalConnection):
    def __init__(self, debugger, port):
        super().__init__(port)
        self.dbg = debugger
        self.cpu = debugger.cpu
        self.buf = b""
        self.running = False  # gdb is waiting for a stop reply
        self.gdb_bps = {}  # (type, addr, kind) -> Breakpoint
        self.xml = target_xml().encode()

    def accept(self):
        super().accept("waiting for gdb on 127.0.0.1:%d (target remote :%d)" % (self.port, self.port))

    def start(self):
        self.dbg.handler = self.on_stop
        self.dbg.poller = self.poll
        self.dbg.request_pause()

    # ------------------------------------------------------------ transport
    def _recv(self):
        data = self.receive()
        if not data:
            raise SystemExit(0)  # gdb went away: end the run
        self.buf += data

    def read_packet(self):
        """The next packet's payload, or b"\\x03" for an interrupt."""
        while True:
            while self.buf[:1] in (b"+", b"-"):
                self.buf = self.buf[1:]
            if self.buf[:1] == b"\x03":
                self.buf = self.buf[1:]
                return b"\x03"
            start = self.buf.find(b"$")
            if start >= 0:
                end = self.buf.find(b"#", start)
                if end >= 0 and len(self.buf) >= end + 3:
                    payload = self.buf[start + 1:end]
                    self.buf = self.buf[end + 3:]
                    self.conn.sendall(b"+")
                    return payload
            elif self.buf and self.buf[:1] not in (b"+", b"-", b"\x03"):
                self.buf = b""
            self._recv()

    def send(self, payload):
        if isinstance(payload, str):
            payload = payload.encode("latin-1")
        escaped = bytearray()
        for b in payload:
            if b in (0x23, 0x24, 0x7D, 0x2A):
                escaped += bytes((0x7D, b ^ 0x20))
            else:
                escaped.append(b)
        self.conn.sendall(b"$" + bytes(escaped) + b"#%02x" % _checksum(escaped))

    def poll(self):
        """While the guest runs: gdb's Ctrl+C pauses it."""
        if readable(self.conn):
            self._recv()
            if b"\x03" in self.buf:
                self.buf = self.buf.replace(b"\x03", b"")
                self.dbg.request_pause()

    # ------------------------------------------------------------ stops
    def stop_reply(self, stop):
        if stop is not None and stop.kind == "watch":
            word = {"w": "watch", "r": "rwatch"}.get(stop.access, "awatch")
            if stop.breakpoint is not None and stop.breakpoint.access == "rw":
                word = "awatch"
            return "T05%s:%x;" % (word, stop.address)
        if stop is not None and stop.kind == "pause":
            return "S02"
        if stop is not None and stop.kind == "break":
            return "T05swbreak:;"
        return "S05"

    def on_stop(self, stop):
        self.last_stop = stop
        if self.running:
            self.send(self.stop_reply(stop))
            self.running = False
        while True:
            packet = self.read_packet()
            if packet == b"\x03":
                continue  # already stopped
            if self.handle(packet):
                self.running = True
                return

    # ------------------------------------------------------------ registers
    def reg_value(self, i):
        cpu = self.cpu
        if i == 8:
            return ((cpu.sregs[1] << 4) + cpu.ip) & 0xFFFFF
        if i < 16:
            name = _NAMES_8086[i]
            if name is None:
                return 0
            return get_reg(cpu, name)
        return 0

    def reg_bytes(self, i):
        bits = (REGS + FPU_REGS)[i][1]
        return self.reg_value(i).to_bytes(bits // 8, "little")

    def set_reg_value(self, i, value):
        cpu = self.cpu
        if i == 8:
            lin = value & 0xFFFFF
            base = cpu.sregs[1] << 4
            if base <= lin < base + 0x10000:
                cpu.ip = lin - base
            else:
                cpu.sregs[1], cpu.ip = lin >> 4, lin & 0xF
        elif i < 16 and _NAMES_8086[i] is not None:
            set_reg(cpu, _NAMES_8086[i], value)

    # ------------------------------------------------------------ packets
    def handle(self, packet):
        """Answer one packet; True when it resumes the guest."""
        p = packet.decode("latin-1")
        dbg = self.dbg
        if p.startswith("qSupported"):
            self.send("PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+")
        elif p.startswith("qXfer:features:read:target.xml:"):
            off, length = (int(x, 16) for x in p.rsplit(":", 1)[1].split(","))
            chunk = self.xml[off:off + length]
            self.send((b"l" if off + length >= len(self.xml) else b"m") + chunk)
        elif p == "?":
            self.send(self.stop_reply(getattr(self, "last_stop", None)))
        elif p == "g":
            self.send("".join(self.reg_bytes(i).hex() for i in range(len(REGS) + len(FPU_REGS))))
        elif p.startswith("G"):
            raw = bytes.fromhex(p[1:])
            pos = 0
            for i, (_, bits, _) in enumerate(REGS + FPU_REGS):
                n = bits // 8
                if pos + n <= len(raw):
                    self.set_reg_value(i, int.from_bytes(raw[pos:pos + n], "little"))
                pos += n
            self.send("OK")
        elif p.startswith("p"):
            i = int(p[1:], 16)
            self.send(self.reg_bytes(i).hex() if i < len(REGS) + len(FPU_REGS) else "E01")
        elif p.startswith("P"):
            num, _, val = p[1:].partition("=")
            self.set_reg_value(int(num, 16), int.from_bytes(bytes.fromhex(val), "little"))
            self.send("OK")
        elif p.startswith("m"):
            addr, length = (int(x, 16) for x in p[1:].split(","))
            self.send(dbg.peek(addr, min(length, 0x1000)).hex())
        elif p.startswith("M"):
            head, _, data = p[1:].partition(":")
            addr = int(head.split(",")[0], 16)
            dbg.poke(addr, bytes.fromhex(data))
            self.send("OK")
        elif p.startswith("c"):
            if len(p) > 1:
                self.set_reg_value(8, int(p[1:], 16))
            dbg.resume()
            return True
        elif p.startswith("s"):
            if len(p) > 1:
                self.set_reg_value(8, int(p[1:], 16))
            dbg.step(1)
            return True
        elif p[:1] in ("Z", "z") and p[1:2] in "01234" and len(p) > 2:
            self.breakpoint(p)
        elif p == "vCont?":
            self.send("vCont;c;s")
        elif p.startswith("vCont;"):
            action = p[6:7]
            if action == "s":
                dbg.step(1)
            else:
                dbg.resume()
            return True
        elif p.startswith("H") or p == "qSymbol::" or p == "!":
            self.send("OK")
        elif p == "qAttached":
            self.send("1")
        elif p == "qC":
            self.send("QC1")
        elif p == "qfThreadInfo":
            self.send("m1")
        elif p == "qsThreadInfo":
            self.send("l")
        elif p.startswith("T"):
            self.send("OK")
        elif p == "k" or p.startswith("vKill"):
            if p.startswith("vKill"):
                self.send("OK")
            raise SystemExit(0)
        elif p.startswith("D"):
            self.send("OK")
            for bp in list(self.gdb_bps.values()):
                dbg.delete(bp.number)
            self.gdb_bps.clear()
            dbg.handler = None
            dbg.poller = None
            dbg.resume()
            self.conn.close()
            return True
        else:
            self.send("")
        return False

    def breakpoint(self, p):
        kind_code = int(p[1])
        addr, kind = (int(x, 16) for x in p[3:].split(";")[0].split(",")[:2])
        key = (kind_code, addr, kind)
        if p[0] == "Z":
            if key not in self.gdb_bps:
                if kind_code in (0, 1):
                    bp = self.dbg.break_at(linear=addr)
                else:
                    bp = self.dbg.watch(addr, kind, {2: "w", 3: "r", 4: "rw"}[kind_code])
                self.gdb_bps[key] = bp
        else:
            bp = self.gdb_bps.pop(key, None)
            if bp is not None:
                self.dbg.delete(bp.number)
        self.send("OK")
