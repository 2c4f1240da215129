"""The debugger's state and the debug run path.

The machine runs the CPU's fast ``run()`` until debugging is *active* (a
breakpoint or watchpoint exists, a step is under way, the magic breakpoint is
on, or the history is asked for); then it calls ``Debugger.run()`` instead,
an instruction-at-a-time loop that records the history and checks the
breakpoints before each instruction. ``run()`` itself carries no debugger
check, and neither does any other tier the machine may run while debugging
is off.

Stopping: a breakpoint ends ``Debugger.run()`` before the instruction at the
breakpoint executes; a watchpoint, a port breakpoint and the magic
breakpoint (``xchg bx,bx``) stop right after the instruction that triggered
them. A pause request (host key, gdb's Ctrl+C, a line typed at the monitor)
asks the CPU to stop at the next instruction boundary, on either path. After
each run quantum the machine calls ``after_quantum()``, which hands a stop
to whoever drives the debugger (the monitor or the GDB stub: ``handler``);
the handler returns when the user resumes.

* Watchpoints need no check on the memory fast path: the pages they cover
  become MMIO pages owned by the debugger, which forwards every access to
  what the page was before (RAM, ROM or a device) after checking it. Code
  fetches read ``Memory.data`` directly and never trigger them.
* Port breakpoints replace the handlers of their ports in ``IoPorts`` with
  checking wrappers, and put them back when deleted.
* The history is a ring buffer of CS:IP pairs, with hardware interrupts
  (the vector the PIC gave) and far control transfers (far JMP/CALL/RET,
  INT, IRET, or anything else that changed CS) marked. It is disassembled when shown, from
  memory as it is then.
"""

from ..bus import MMIO, PAGE_SHIFT
from ..cpu.disasm import disassemble_at
from ..cpu.ops import F_IF, F_TF
from . import listing

MARK_FAR = 1
MARK_IRQ = 2

_PREFIX_BYTES = frozenset((0x26, 0x2E, 0x36, 0x3E, 0xF0, 0xF2, 0xF3))
_STRING_OPS = frozenset(range(0xA4, 0xB0)) | frozenset((0x6C, 0x6D, 0x6E, 0x6F))
# JMP far, CALL far, RETF, IRET, INT 3, INT n, INTO (FF /3 and /5 are checked apart)
_FAR_OPCODES = frozenset((0xEA, 0x9A, 0xCA, 0xCB, 0xCF, 0xCC, 0xCD, 0xCE))


class Stop(object):
    """Why the guest stopped: ``kind`` is break, watch, io, magic, step or pause."""

    def __init__(self, kind, message, breakpoint=None, address=None, access=None):
        self.kind = kind
        self.message = message
        self.breakpoint = breakpoint
        self.address = address  # watchpoints: the linear address accessed
        self.access = access  # "r" or "w"

    def __repr__(self):
        return "Stop(%s: %s)" % (self.kind, self.message)


class Breakpoint(object):
    """One breakpoint or watchpoint; ``kind`` is exec, int, cond, io or watch."""

    def __init__(self, number, kind, describe, condition=None, cond_text=None, temporary=False, **where):
        self.number = number
        self.kind = kind
        self.describe = describe
        self.condition = condition
        self.cond_text = cond_text
        self.temporary = temporary
        self.hits = 0
        self.linear = where.get("linear")
        self.seg = where.get("seg")
        self.off = where.get("off")
        self.vector = where.get("vector")
        self.ah = where.get("ah")
        self.port = where.get("port")
        self.start = where.get("start")
        self.length = where.get("length")
        self.access = where.get("access")

    def __str__(self):
        text = "%d: %s" % (self.number, self.describe)
        if self.cond_text:
            text += " if " + self.cond_text
        return text + "  (hits %d)" % self.hits


class History(object):
    """The last ``size`` instructions executed, as CS:IP, with IRQs and far transfers marked."""

    def __init__(self, size=1000):
        self.size = max(1, size)
        self.where = [0] * self.size  # CS << 16 | IP, or the vector for an IRQ entry
        self.marks = [0] * self.size
        self.pos = 0
        self.count = 0

    def entries(self, n=None):
        """Oldest first: (cs, ip, mark) or (None, vector, MARK_IRQ) for an interrupt taken there."""
        n = min(self.count, self.size if n is None else n)
        out = []
        for i in range(self.pos - n, self.pos):
            i %= self.size
            w, m = self.where[i], self.marks[i]
            if m & MARK_IRQ:
                out.append((None, w, m))
            else:
                out.append((w >> 16, w & 0xFFFF, m))
        return out


class _AcknowledgeRecorder(object):
    """Stands in for the PIC while the debug path runs, to learn each IRQ's vector."""

    def __init__(self, pic):
        self.pic = pic
        self.vector = None

    def acknowledge(self):
        v = self.pic.acknowledge()
        self.vector = v
        return v


class Debugger(object):
    def __init__(self, machine, history_size=1000):
        self.machine = machine
        self.cpu = machine.cpu
        self.mem = machine.mem
        self.io = machine.io
        self.history = History(history_size)
        self.record_history = False
        self.magic = False
        self.breakpoints = []
        self._next_number = 1
        self._exec = {}  # linear -> [exec breakpoints]
        self._int_vectors = set()
        self._conds = []
        self._watch_pages = {}  # page -> (kind, device) it had before
        self._port_saved = {}  # port -> the four handlers it had before
        self.handler = None  # callable(stop) that returns when the user resumes
        self.poller = None  # callable() after each quantum while running (input that pauses)
        self.until_text = None  # stop once this shows on the text screen (checked per quantum)
        self.stop = None
        self._steps_left = 0
        self._skip_linear = -1
        self._pause = False
        self._hit = None
        self._magic_hit = False
        self._handling = False
        machine.debugger = self

    # ------------------------------------------------------------ configuration
    @property
    def active(self):
        return bool(self.breakpoints or self.magic or self.record_history or self._steps_left)

    def _update(self):
        """Put the machine on the debug path while debugging is active, else on the fast one."""
        self.machine._debug_run = self.run if self.active else None

    def set_history(self, on, size=None):
        if size is not None and size != self.history.size:
            self.history = History(size)
        self.record_history = bool(on)
        self._update()

    def set_magic(self, on):
        self.magic = bool(on)
        self._update()

    def _add(self, bp):
        self.breakpoints.append(bp)
        self._next_number += 1
        if bp.kind == "exec":
            self._exec.setdefault(bp.linear, []).append(bp)
        elif bp.kind == "int":
            self._int_vectors.add(bp.vector)
        elif bp.kind == "cond":
            self._conds.append(bp)
        elif bp.kind == "io":
            self._hook_port(bp.port)
        elif bp.kind == "watch":
            for page in range(bp.start >> PAGE_SHIFT, ((bp.start + bp.length - 1) >> PAGE_SHIFT) + 1):
                self._hook_page(page & 0xFF)
        self._update()
        return bp

    def break_at(self, seg=None, off=None, linear=None, condition=None, cond_text=None, temporary=False):
        """Code breakpoint at seg:off (CS and IP must both match) or at a linear address."""
        if seg is not None:
            lin = ((seg << 4) + off) & 0xFFFFF
            text = "%04X:%04X" % (seg, off)
        else:
            lin = linear & 0xFFFFF
            text = "linear %05X" % lin
        return self._add(Breakpoint(self._next_number, "exec", text, condition, cond_text, temporary,
                                    linear=lin, seg=seg, off=off))

    def break_int(self, vector, ah=None, condition=None, cond_text=None):
        text = "INT %02Xh" % vector + ("" if ah is None else " AH=%02Xh" % ah)
        return self._add(Breakpoint(self._next_number, "int", text, condition, cond_text,
                                    vector=vector & 0xFF, ah=ah))

    def break_if(self, condition, cond_text):
        return self._add(Breakpoint(self._next_number, "cond", "condition", condition, cond_text))

    def break_port(self, port, access="rw"):
        names = {"r": "read (IN)", "w": "write (OUT)", "rw": "read/write"}
        text = "port %04Xh %s" % (port & 0xFFFF, names[access])
        return self._add(Breakpoint(self._next_number, "io", text, port=port & 0xFFFF, access=access))

    def watch(self, start, length=1, access="w"):
        names = {"r": "read", "w": "write", "rw": "access"}
        start &= 0xFFFFF
        length = max(1, min(length, 0x100000 - start))
        text = "watch %s %05X-%05X" % (names[access], start, start + length - 1)
        return self._add(Breakpoint(self._next_number, "watch", text, start=start, length=length, access=access))

    def delete(self, number):
        """Delete breakpoint ``number`` (or all with None); False if there is no such one."""
        doomed = [b for b in self.breakpoints if number is None or b.number == number]
        if not doomed:
            return False
        for bp in doomed:
            self.breakpoints.remove(bp)
            if bp.kind == "exec":
                lst = self._exec.get(bp.linear, [])
                lst.remove(bp)
                if not lst:
                    del self._exec[bp.linear]
            elif bp.kind == "int":
                if not any(b.kind == "int" and b.vector == bp.vector for b in self.breakpoints):
                    self._int_vectors.discard(bp.vector)
            elif bp.kind == "cond":
                self._conds.remove(bp)
            elif bp.kind == "io":
                if not any(b.kind == "io" and b.port == bp.port for b in self.breakpoints):
                    self._unhook_port(bp.port)
            elif bp.kind == "watch":
                self._rehook_pages()
        self._update()
        return True

    # ------------------------------------------------------------ watch pages
    def _hook_page(self, page):
        if page in self._watch_pages:
            return
        mem = self.mem
        self._watch_pages[page] = (mem.kind[page], mem.devices[page])
        mem.kind[page] = MMIO
        mem.devices[page] = self

    def _rehook_pages(self):
        wanted = set()
        for bp in self.breakpoints:
            if bp.kind == "watch":
                wanted.update(range(bp.start >> PAGE_SHIFT, ((bp.start + bp.length - 1) >> PAGE_SHIFT) + 1))
        for page in list(self._watch_pages):
            if page not in wanted:
                self.mem.kind[page], self.mem.devices[page] = self._watch_pages.pop(page)

    def _underlying(self, page, fn, *args):
        mem = self.mem
        mem.kind[page], mem.devices[page] = self._watch_pages[page]
        try:
            return fn(*args)
        finally:
            mem.kind[page] = MMIO
            mem.devices[page] = self

    def _watch_check(self, addr, access, value):
        if self._hit is not None:
            return
        for bp in self.breakpoints:
            if (bp.kind == "watch" and access in bp.access and bp.start <= addr < bp.start + bp.length):
                bp.hits += 1
                cpu = self.cpu
                verb = "write %02Xh to" % value if access == "w" else "read %02Xh from" % value
                self._hit = Stop("watch", "watchpoint %d: %s %05X by the instruction at %04X:%04X" % (
                    bp.number, verb, addr, cpu.sregs[1], cpu.insn_ip), bp, addr, access)
                cpu.request_stop()
                return

    def mem_read8(self, addr):
        value = self._underlying(addr >> PAGE_SHIFT, self.mem.read8, addr)
        self._watch_check(addr, "r", value)
        return value

    def mem_write8(self, addr, value):
        self._watch_check(addr, "w", value)
        self._underlying(addr >> PAGE_SHIFT, self.mem.write8, addr, value)

    def peek(self, linear, length=1):
        """Memory as the guest would read it, without triggering watchpoints."""
        out = bytearray()
        for i in range(length):
            a = (linear + i) & 0xFFFFF
            page = a >> PAGE_SHIFT
            if page in self._watch_pages:
                out.append(self._underlying(page, self.mem.read8, a))
            else:
                out.append(self.mem.read8(a))
        return bytes(out)

    def poke(self, linear, payload):
        """Write memory (ROM pages stay as they are), without triggering watchpoints."""
        for i, b in enumerate(payload):
            a = (linear + i) & 0xFFFFF
            page = a >> PAGE_SHIFT
            if page in self._watch_pages:
                self._underlying(page, self.mem.write8, a, b)
            else:
                self.mem.write8(a, b)

    # ------------------------------------------------------------ port hooks
    def _hook_port(self, port):
        if port in self._port_saved:
            return
        io = self.io
        saved = (io._read8[port], io._write8[port], io._read16[port], io._write16[port])
        self._port_saved[port] = saved
        r8, w8, r16, w16 = saved

        def read8():
            v = r8() if r8 is not None else 0xFF
            self._port_check(port, "r", v, 2)
            return v

        def write8(v):
            self._port_check(port, "w", v, 2)
            if w8 is not None:
                w8(v)

        io._read8[port] = read8
        io._write8[port] = write8
        if r16 is not None:
            def read16():
                v = r16()
                self._port_check(port, "r", v, 4)
                return v
            io._read16[port] = read16
        if w16 is not None:
            def write16(v):
                self._port_check(port, "w", v, 4)
                w16(v)
            io._write16[port] = write16

    def _unhook_port(self, port):
        io = self.io
        io._read8[port], io._write8[port], io._read16[port], io._write16[port] = self._port_saved.pop(port)

    def _port_check(self, port, access, value, digits):
        if self._hit is not None:
            return
        for bp in self.breakpoints:
            if bp.kind == "io" and bp.port == port and access in bp.access:
                bp.hits += 1
                cpu = self.cpu
                what = "IN from" if access == "r" else "OUT to"
                self._hit = Stop("io", "port breakpoint %d: %s port %04Xh, value %0*Xh, by the instruction at "
                                 "%04X:%04X" % (bp.number, what, port, digits, value, cpu.sregs[1], cpu.insn_ip),
                                 bp, port, access)
                cpu.request_stop()
                return

    # ------------------------------------------------------------ the debug run path
    def run(self, budget):
        """The machine's run method while debugging is active (see the module docstring)."""
        cpu = self.cpu
        data = cpu.data
        start = cpu.icount
        end = start + budget
        hist = self.history
        hwhere, hmarks, hsize = hist.where, hist.marks, hist.size
        record = self.record_history or bool(self.breakpoints) or self.magic
        exec_bps = self._exec
        int_vectors = self._int_vectors
        conds = self._conds
        magic = self.magic
        trace = self.machine._insn_trace
        skip = self._skip_linear
        self._skip_linear = -1
        self.stop = None
        recorder = _AcknowledgeRecorder(cpu.intc)
        pic = cpu.intc
        cpu.intc = recorder
        try:
            while cpu.icount < end:
                stepping = self._steps_left > 0
                if cpu.pending:
                    if cpu.stop_req:
                        cpu.stop_req = False
                        cpu.update_pending()
                        break
                    if cpu.halted and not (cpu.nmi_latched or (cpu.intr and cpu.flags & F_IF)):
                        break
                    if (not cpu.shadow and not (cpu.flags & F_TF)
                            and (not stepping or cpu.halted or cpu.nmi_latched)):
                        recorder.vector = None
                        nmi = cpu.nmi_latched
                        r = cpu._boundary()
                        vector = 2 if nmi else recorder.vector
                        if vector is not None and record:
                            p = hist.pos
                            hwhere[p] = vector
                            hmarks[p] = MARK_IRQ
                            hist.pos = (p + 1) % hsize
                            hist.count += 1
                        if r == 2:
                            break
                cs = cpu.sregs[1]
                ip = cpu.ip
                lin = ((cs << 4) + ip) & 0xFFFFF
                if lin != skip:
                    if lin in exec_bps and self._check_exec(lin, cs, ip):
                        break
                    if int_vectors and data[lin] == 0xCD and data[(lin + 1) & 0xFFFFF] in int_vectors \
                            and self._check_int(data[(lin + 1) & 0xFFFFF], cs, ip):
                        break
                    if conds and self._check_conds(cs, ip):
                        break
                skip = -1
                if record:
                    p = hist.pos
                    hwhere[p] = (cs << 16) | ip
                    hmarks[p] = 0
                    hist.pos = (p + 1) % hsize
                    hist.count += 1
                if magic and data[lin] == 0x87 and data[(lin + 1) & 0xFFFFF] == 0xDB:
                    self._magic_hit = True
                if trace is not None:
                    trace(cpu)
                if cpu.pending:
                    # The shadow after MOV SS/STI, the trap flag, a wake-up from HLT: the CPU's own
                    # boundary logic (an IRQ left pending while stepping stays pending).
                    if stepping and not (cpu.shadow or cpu.flags & F_TF or cpu.halted or cpu.nmi_latched):
                        cpu._exec_next()
                        cpu.update_pending()
                    else:
                        cpu.step()
                else:
                    cpu._exec_next()
                if record:
                    op = data[lin]
                    if (cpu.sregs[1] != cs or op in _FAR_OPCODES
                            or (op == 0xFF and (data[(lin + 1) & 0xFFFFF] >> 3) & 7 in (3, 5))):
                        hmarks[p] = MARK_FAR
                if self._hit is not None:
                    self.stop, self._hit = self._hit, None
                    if cpu.stop_req:
                        cpu.stop_req = False
                        cpu.update_pending()
                    break
                if self._magic_hit:
                    self._magic_hit = False
                    self.stop = Stop("magic", "magic breakpoint (xchg bx,bx) at %04X:%04X" % (cs, ip))
                    break
                if stepping:
                    self._steps_left -= 1
                    if self._steps_left == 0:
                        self.stop = Stop("step", "stepped to %04X:%04X" % (cpu.sregs[1], cpu.ip))
                        self._update()
                        break
        finally:
            cpu.intc = pic
        return cpu.icount - start

    def _check_exec(self, lin, cs, ip):
        cpu = self.cpu
        for bp in self._exec[lin]:
            if bp.seg is not None and (bp.seg != cs or bp.off != ip):
                continue
            if bp.condition is not None and not bp.condition(cpu):
                continue
            bp.hits += 1
            if bp.temporary:
                self.delete(bp.number)
                self.stop = Stop("step", "stepped over to %04X:%04X" % (cs, ip), bp)
            else:
                self.stop = Stop("break", "breakpoint %d at %04X:%04X (%s)" % (bp.number, cs, ip, bp.describe), bp)
            return True
        return False

    def _check_int(self, vector, cs, ip):
        cpu = self.cpu
        ah = cpu.regs[0] >> 8
        for bp in self.breakpoints:
            if bp.kind != "int" or bp.vector != vector:
                continue
            if bp.ah is not None and bp.ah != ah:
                continue
            if bp.condition is not None and not bp.condition(cpu):
                continue
            bp.hits += 1
            self.stop = Stop("break", "breakpoint %d at %04X:%04X (%s, AX=%04X)" % (
                bp.number, cs, ip, bp.describe, cpu.regs[0]), bp)
            return True
        return False

    def _check_conds(self, cs, ip):
        for bp in self._conds:
            if bp.condition(self.cpu):
                bp.hits += 1
                self.stop = Stop("break", "breakpoint %d at %04X:%04X (%s)" % (bp.number, cs, ip, bp.cond_text), bp)
                return True
        return False

    # ------------------------------------------------------------ control
    def request_pause(self):
        """Stop the guest at the next instruction boundary (host key, Ctrl+C in gdb)."""
        self._pause = True
        self.cpu.request_stop()

    def resume(self):
        """Go on from a stop; a breakpoint at the current CS:IP does not fire again at once."""
        cpu = self.cpu
        self._skip_linear = ((cpu.sregs[1] << 4) + cpu.ip) & 0xFFFFF
        self.stop = None

    def step(self, count=1):
        """Execute ``count`` instructions (an IRQ pending meanwhile waits, unless the CPU is
        halted), then stop."""
        self._steps_left = max(1, count)
        self.resume()
        self._update()

    def step_over(self):
        """Like step(), but a CALL, INT, REP string instruction or LOOP runs to the
        instruction after it (a temporary breakpoint there)."""
        cpu = self.cpu
        cs, ip = cpu.sregs[1], cpu.ip
        length, _ = disassemble_at(lambda a: self.peek(a)[0], cs, ip, self.machine.cpu_model)
        if self._steps_over(cs, ip):
            self.break_at(seg=cs, off=(ip + length) & 0xFFFF, temporary=True)
            self.resume()
        else:
            self.step(1)

    def _steps_over(self, cs, ip):
        pos = 0
        rep = False
        while pos < 15:
            b = self.peek(((cs << 4) + ((ip + pos) & 0xFFFF)) & 0xFFFFF)[0]
            if b not in _PREFIX_BYTES:
                break
            rep = rep or b in (0xF2, 0xF3)
            pos += 1
        if b in (0xE8, 0x9A, 0xCC, 0xCD, 0xCE, 0xE0, 0xE1, 0xE2):
            return True
        if b == 0xFF:
            modrm = self.peek(((cs << 4) + ((ip + pos + 1) & 0xFFFF)) & 0xFFFFF)[0]
            return (modrm >> 3) & 7 in (2, 3)
        return rep and b in _STRING_OPS

    def after_quantum(self):
        """Called by the machine after each run quantum: hand a stop to the handler."""
        if self._handling:
            return
        if self.poller is not None and self.stop is None:
            self.poller()
        if self.until_text is not None and self.stop is None and self.until_text in self.machine.screen_text():
            self.stop = Stop("screen", "%r is on the screen" % self.until_text)
            self.until_text = None
        if self._pause and self.stop is None:
            cpu = self.cpu
            cpu.stop_req = False
            cpu.update_pending()
            self.stop = Stop("pause", "paused at %04X:%04X" % (cpu.sregs[1], cpu.ip))
        self._pause = False
        if self.stop is None or self.handler is None:
            return
        stop = self.stop
        self._handling = True
        try:
            self.handler(stop)
        finally:
            self._handling = False
        if self.stop is stop:
            self.resume()

    def run_until_stop(self, timeout=60.0, max_insns=None):
        """For the Python API: run the machine until the debugger stops it; returns the Stop or None."""
        self.stop = None
        handler, self.handler = self.handler, None
        try:
            self.machine.run_until(lambda m: self.stop is not None or self._pause, timeout, max_insns)
            self.after_quantum()
            return self.stop
        finally:
            self.handler = handler

    # ------------------------------------------------------------ views
    def disassemble(self, cs, ip, count=1):
        """[(cs, ip, bytes, text)] for ``count`` instructions from cs:ip."""
        return listing.disassemble(lambda a: self.peek(a)[0], cs, ip, count, self.machine.cpu_model)

    def format_history(self, n=20):
        lines = []
        for cs, ip, mark in self.history.entries(n):
            if cs is None:
                lines.append("           ---- hardware interrupt, vector %02Xh ----" % ip)
                continue
            (_, _, code, text), = self.disassemble(cs, ip)
            hexbytes = "".join("%02X" % b for b in code)
            note = "  ; far" if mark & MARK_FAR else ""
            lines.append("%04X:%04X  %-14s  %s%s" % (cs, ip, hexbytes, text, note))
        return lines

    def format_disassembly(self, cs, ip, count=5):
        return listing.format_rows(self.disassemble(cs, ip, count))

    def report(self, stop=None, history=20):
        """Registers, disassembly at CS:IP and the history: for a stop or a guest fault."""
        cpu = self.cpu
        lines = []
        if stop is not None:
            lines.append(stop.message)
        lines.append(cpu.dump())
        lines.append(self.report_tail(history))
        return "\n".join(lines)

    def report_tail(self, history=20):
        """The disassembly at CS:IP and the history (the part of report() after the registers)."""
        cpu = self.cpu
        lines = ["at CS:IP:"]
        lines.extend("  " + l for l in self.format_disassembly(cpu.sregs[1], cpu.ip, 5))
        if self.history.count:
            lines.append("last %d instructions executed (oldest first):" % min(history, self.history.count))
            lines.extend("  " + l for l in self.format_history(history))
        return "\n".join(lines)
