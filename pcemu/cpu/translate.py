"""The translating tier: hot guest code becomes Python functions of its own.

Why: PyPy's JIT keys its traces on (Python code object, position). The
interpreter is one code object for all guest code, so every guest loop
competes for one trace tree. Here a hot stretch of guest code (a *region*)
is translated into the source of one Python function, ``block_<CS>_<IP>``,
whose guest loops are Python ``while`` loops of their own, and compiled
with ``compile()``; PyPy then traces each region on its own.

Decoding
  Each instruction's prefixes, opcode and length come from the opcode map
  (pcemu.cpu.opcodes, which the interpreter and the disassembler read too);
  ``Decoder`` writes its code and checks that it read the same bytes.

How a region looks
  ``Translator.run`` (cpu.run() when the tier is on) interprets as before
  but looks up CS:IP after every jump; a place entered HOT_ENTRIES times
  is queued and BATCH queued places are translated together. Under PyPy a
  hot place is first watched in the interpreter (a *probe*, see
  PROBE_CALLS), and translated only if the code from there runs long
  before an instruction no region holds; a new region is then on trial
  for its first calls: one that returns to the interpreter after a few
  instructions a call is dropped for good (TRIAL_CALLS). Decoding
  starts there and follows the code: both ways of a conditional jump, JMP,
  direct CALL (the callee is inlined, its RET checks the popped address
  against the static return address) and RET, far (JMP, CALL ptr16:16,
  RETF) as well as near, so a region's code may lie in several code
  segments (a large-model program's loop and the far runtime helpers it
  calls). Where code was seen to run (the probe's instructions), it is
  decoded before any other path: MAX_NODES is a budget. Instructions this
  module does not translate (port I/O, INT, IRET, far transfers through
  memory, HLT, MOV SS/POP SS/STI/CLI/POPF, DIV, REP string instructions,
  BCD...) end the region: control goes back to the interpreter *before*
  them. A region holds every loop reached from its entry, nested ones
  included: an inner loop that exits on every pass of its outer loop (a
  sieve's strike loop) would otherwise leave translated code and come back
  through the interpreter each time, which measured 10% of the race and
  half its warm-up. Straight runs form basic blocks; the function is
  ``while True:`` around ``if pc == k:`` blocks in reverse post-order from
  the entry, so jumps fall through forwards except the loops' back edges,
  each a budget check and a ``continue`` (PyPy traces the hottest path
  through the ``while`` and gives each other one a bridge); in a region of
  many blocks every transfer goes through the ``while`` (see HOP_BLOCKS).
  The registers are ``cpu.regs`` itself; the lazy-flag state, FLAGS and
  the instruction count are one list of ints stored back at every exit;
  the segment bases and temporaries are Python locals (see R16: why not
  all locals). Every basic block start outside the inlined calls is an
  entry point, and the first block of each call made from there, which
  checks the return address on the stack first (see the end of ``_emit``).

Exactness
  * ``cpu.icount`` is kept exact: each exit stores the count of the
    instructions it completed. Before a memory access to a page that is
    not RAM (MMIO, ROM, translated code) the count is stored first, so a
    device sees what the interpreter would show.
  * Budget: at region entry (in ``Translator.run``) and at every backward
    jump the code checks that the longest forward path it can take before
    its next check still fits below ``end``; if not, it exits and the
    interpreter runs up to ``end`` exactly. So a run never overshoots its
    instruction budget, and virtual-clock runs are identical to the
    interpreter's.
  * Interrupts: nothing inside translated code can raise an interrupt
    request except an MMIO write, after which the code tests
    ``cpu.pending`` and exits. Timers fire between run() calls and port I/O
    is left to the interpreter. So an IRQ is taken at the very instruction
    boundary where the interpreter would take it: the bound is zero extra
    instructions. Translated code is entered only when ``cpu.pending`` is
    clear (no trap flag, no shadow, no halt).
  * Flags: the lazy state (``fk fa fb fr fm`` and ``fl``, as
    ``cpu.lf_kind/lf_a/lf_b/lf_res/lf_mask/flags``) is computed only where
    something can read it. A backward pass over each basic block finds the
    flag writers whose result a later reader or a successor block needs;
    the others keep their operands in temporaries and write the lazy state
    only on the exit paths inside their window. A conditional jump whose
    flags come from a writer in the same basic block tests the
    temporaries directly (``if r_12 < 0:`` for JB after CMP).

Self-modifying code
  Pages holding translated bytes get the kind ``bus.CODE``: the RAM fast
  path of the interpreter and of translated code skips them, so every
  write there reaches ``Memory.write8``, which calls ``code_written``.
  A write inside a translated instruction invalidates exactly the regions
  holding that byte (``Memory.codemap`` counts the regions per byte);
  translated code that made such a write exits right after the
  instruction. Data writes next to code stay on the fast path: translated
  code tests the byte's ``codemap`` entry inline, the interpreter's
  ``write8`` does the same before calling the tier. A page with no live
  regions goes back to RAM.

Sharing between machines
  The machines of one process share their translations
  (``pcemu.cpu.regioncache``): a region is keyed by its CS:IP, the options
  and every byte and page kind the decoder read, and handed to another
  machine only when all of them are the same in its memory. Each machine
  installs and invalidates its own ``Region``; the compiled function, and
  with it PyPy's traces, is shared.
"""

import linecache
import os
import re
import sys
import time
import types

from pcemu import hostjit
from pcemu.bus import CODE, MMIO, RAM, Memory
from pcemu.cpu import opcodes, regioncache
from pcemu.cpu.ops import (ARITH, EA_A, EA_B, EA_DISP, EA_SEG, F_AF, F_CF, F_OF, F_PF, F_SF, F_ZF,
                           NOT_ARITH, PARITY, compute_flags)
from pcemu.cpu.ops.control import run_jcc

HOT_ENTRIES = 1000       # entries at one CS:IP before it is translated
BATCH = 4               # hot entry points compiled together
# Instructions per region at most (a probed place gets fewer: see _budget). FreeDOS's UNZIP
# (large-model C) inflates in a loop of about 120 instructions with its far helpers: with 64
# no region held it (14% of its 30.8M instructions ran translated, 60% with 128). A boot's
# and the race's regions are the same as with 64.
MAX_NODES = 128
# A region found hot runs on trial for its first TRIAL_CALLS calls, and is dropped (its entry
# points left to the interpreter for good) unless they averaged TRIAL_KEEP_RUN instructions.
# PyPy compiles each region on its own, which costs tens of milliseconds; the interpreter's
# compiled paths are shared by all guest code. So a region pays only where it stays inside for
# long: a FreeDOS boot's hot loops (UPX decompressors that leave at every REP MOVSB, 25-40
# instructions a call; helpers of 1-2) made the boot 30-45% slower than no translation at
# all (valgrind: 17.9G host instructions against 12.4G; 13.4G with the trial), while the
# race's loops run 12,000 instructions a call. A trial of 64 calls cost the race 3.5% (PyPy
# traced the run loop through the trial's wrapper); 1 to 8 cost nothing. CPython compiles
# nothing: there every region runs faster than the interpreter, and none is on trial
# (the first 1.5M instructions of a FreeDOS boot took 2.2 s with the trial, 1.8 s without).
TRIAL_CALLS = 8 if sys.implementation.name == "pypy" else 0
# A region is kept from 40 instructions a call: it runs them at several times the
# interpreter's speed, and the probe (PROBE_MIN_RUN) has already kept out the places whose
# runs stop at once. The threshold was 200, the probe's, until FreeDOS's UNZIP -t showed what
# that cost: the region of its inflate loop leaves at a REP MOVSW or at its node budget after
# about 60 instructions a call, and was dropped, its 25,000 passes interpreted. Boot + UNZIP -t
# on the full floppy (valgrind, whole process): kept from 200 or 100 a call 31.8G host
# instructions, 60.1% of UNZIP's 30.8M translated; from 40 29.7G, 71.8%; from 20 30.0G, 72.2%
# (three more regions of 20-26 a call compiled). A boot translates no region either way.
TRIAL_KEEP_RUN = 40
# Under PyPy a hot place is watched before it is translated: for up to PROBE_CALLS entries the
# interpreter runs from it (a probe) until an instruction whose opcode always ends a region
# (``region_enders``: port I/O, INT, REP...), one where a region leaves whatever its bytes (the
# RET or RETF that leaves the place's own frame, a CALL nested deeper than MAX_CALL_DEPTH, CALL
# or JMP through a register or memory), or PROBE_MIN_RUN
# instructions; the place is translated (and put on trial) only once a probe got that far.
# Translating costs a compile() of several milliseconds and PyPy's tracing of a new function;
# a probe costs the instructions it watches. A FreeDOS boot's hot loops nearly all stop at a
# REP MOVSB or a port after 3-40 instructions: the boot compiled 24 regions (0.12 s of
# compile time, 2,240 instructions ran translated) and dropped 21 after their trials; with the
# probe it compiles 5 and drops them, and takes 5.5% fewer host instructions (valgrind
# --smc-check=all, mean of 5 hash seeds: 8.44G -> 7.98G). The race's loops pass their first
# probe (12,000 instructions a call).
PROBE_CALLS = TRIAL_CALLS
PROBE_MIN_RUN = 200
# A long run counts only if it kept to at most PROBE_MAX_DISTINCT distinct instructions: a
# region holds no more than MAX_NODES, so code that wanders further leaves its region early,
# whatever the probe saw. A FreeDOS boot (kernel init, FreeCOM's start) translated 5 places after
# such runs and dropped 4 after their trials (24-130 instructions a call); now it translates 2
# (and drops them).
# A probe ran on past the RET of a function entered at its hot place, into its caller: FreeDOS's
# shell compiled two such places in a boot (0.036 s) and dropped them after trials of 3-16
# instructions a call; now the boot compiles none.
PROBE_MAX_DISTINCT = MAX_NODES
# PyPy traces a region's loop path by path: each bridge runs from the guard where its path
# leaves a compiled one to the loop's next back edge, so what it compiles grows with the paths
# through the code, not with the code. In a region of more than HOP_BLOCKS basic blocks every
# transfer to another block goes through the loop's head (``continue``), where the trace ends:
# a bridge then holds one block and a dispatch on ``pc``. A boot of the full floppy, UNZIP -t
# and CHKDSK: PyPy recorded 389k -> 333k operations (tracing 2.11 -> 1.89 s); with REP string
# instructions inside regions (an experiment), a boot's UPX decompressor regions 383k -> 141k
# (tracing 1.8 -> 0.7 s, every region hopping). The race's regions (7 and 10 blocks) keep
# their long straight traces: with every region's forward transfers through its head the
# race's guest took 0.93 -> 1.20 s of CPU (medians of 5 alternated runs).
HOP_BLOCKS = 16
MAX_CALL_DEPTH = 4      # nested inlined calls, near or far

R16 = ("ax", "cx", "dx", "bx", "sp", "bp", "si", "di")
# The decoder writes the guest state by these names; ``_storage`` then puts each where it
# lives in the compiled function: the registers in ``cpu.regs`` itself (``r[SI]``), the lazy
# flags, FLAGS and the instruction count in one list made at entry and stored back at exit
# (``f[FK]`` .. ``f[IC]``). Not in Python locals: at a loop's header PyPy keeps a local that
# came in from the frame as a boxed int, so every bridge that changed one (a path of the
# region other than the one first traced) allocated a new box for it on its way back to the
# header, and a list of ints holds them unboxed. The race's guest took 94 -> 48 minor
# collections and 0.865 -> 0.780 s of CPU (medians of 10 alternated fresh runs, with the
# temporaries None at loop headers as below).
FLAG_STATE = ("fk", "fa", "fb", "fr", "fm", "fl", "ic")
FK, FA, FB, FR, FM, FL, IC = range(7)
_STATE_NAME = re.compile(r"\b(ax|cx|dx|bx|sp|bp|si|di|fk|fa|fb|fr|fm|fl|ic)\b")
_STORAGE = dict([(n, "r[%s]" % n.upper()) for n in R16] + [(n, "f[%s]" % n.upper()) for n in FLAG_STATE])


def _storage(line):
    """``line`` with the guest state's names replaced by where it is kept (see R16)."""
    if line.lstrip().startswith("#"):
        return line
    code, sep, comment = line.partition("  #")
    return _STATE_NAME.sub(lambda m: _STORAGE[m.group(1)], code) + sep + comment


NEVER = -(1 << 60)       # the count of an entry point never to translate
SEG_BASE = ("es_b", None, "ss_b", "ds_b")   # CS is a constant in a region
MASK8 = 0xFF
MASK16 = 0xFFFF


# --- helpers called by generated code (mirrors of ops.get_* on locals) -------------
def _cf(fk, fl, fr, fm):
    if fk == 1:
        return 1 if fr > fm else 0
    if fk == 2:
        return 1 if fr < 0 else 0
    if fk == 3:
        return 0
    return fl & 1


def _zf(fk, fl, fr, fm):
    if fk:
        return (fr & fm) == 0
    return (fl & F_ZF) != 0


def _sf(fk, fl, fr, fm):
    if fk:
        return (fr & ((fm >> 1) + 1)) != 0
    return (fl & F_SF) != 0


def _pf(fk, fl, fr):
    if fk:
        return PARITY[fr & 0xFF] != 0
    return (fl & F_PF) != 0


def _of(fk, fa, fb, fr, fm, fl):
    if fk == 0:
        return (fl & F_OF) != 0
    if fk == 3:
        return False
    sign = (fm >> 1) + 1
    if fk == 1 or fk == 4:
        return ((fa ^ fr) & (fb ^ fr) & sign) != 0
    return ((fa ^ fb) & (fa ^ fr) & sign) != 0


class _LazyView(object):
    """Adapter so ops.compute_flags can evaluate the lazy locals."""
    __slots__ = ("lf_kind", "lf_a", "lf_b", "lf_res", "lf_mask", "flags")


def _flags(fk, fa, fb, fr, fm, fl):
    """FLAGS (without the fixed bits) of a lazy state held in locals."""
    if fk == 0:
        return fl
    v = _LazyView()
    v.lf_kind = fk
    v.lf_a = fa
    v.lf_b = fb
    v.lf_res = fr
    v.lf_mask = fm
    v.flags = fl
    return compute_flags(v)


def _szp(res, mask, others):
    """Arithmetic bits as ops.set_szp_eager sets them. Branch-free: a data-dependent
    branch would be a guard (and a bridge) in PyPy's trace."""
    return (others | PARITY[res & 0xFF] | ((res & mask == 0) << 6)
            | (((res & ((mask >> 1) + 1)) != 0) << 7))


def _shift(op, v, count, mask, is186, cf):
    """Shift/rotate as ops.SHIFTS does it, count > 0.

    Returns (result, bits): for SHL/SHR/SAR/SETMO ``bits`` are all six
    arithmetic flags; for the rotates only CF and OF (the others keep).
    """
    bits = 8 if mask == 0xFF else 16
    if op == 6:
        if not is186:
            return mask, _szp(mask, mask, 0)
        op = 4
    if op == 0:
        n = count % bits
        r = ((v << n) | (v >> (bits - n))) & mask if n else v
        c = r & 1
        return r, c | ((((r >> (bits - 1)) ^ c) & 1) << 11)
    if op == 1:
        n = count % bits
        r = ((v >> n) | (v << (bits - n))) & mask if n else v
        return r, (r >> (bits - 1)) | ((((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1) << 11)
    if op == 2 or op == 3:
        return _rotate_through_carry(op, v, count, mask, bits, cf)
    if op == 4:
        wide = v << count
        r = wide & mask
        c = (wide >> bits) & 1
        return r, _szp(r, mask, c | ((((r >> (bits - 1)) ^ c) & 1) << 11) | (r & F_AF))
    if op == 5:
        r = v >> count
        if count <= bits:
            c = (v >> (count - 1)) & 1
            o = (((v >> (count - 1)) >> (bits - 1)) & 1) << 11
        else:
            c = o = 0
        return r, _szp(r, mask, c | o)
    sv = v - (mask + 1) if v >> (bits - 1) else v
    c = count if count < bits else bits
    r = (sv >> c) & mask
    return r, _szp(r, mask, (sv >> (c - 1)) & 1)


def _rotate_through_carry(op, v, count, mask, bits, cf):
    """RCL/RCR: the one shift with a loop, kept apart so PyPy inlines _shift."""
    r = v
    if op == 2:
        for _ in range(count % (bits + 1)):
            out = r >> (bits - 1)
            r = ((r << 1) | cf) & mask
            cf = out
        return r, cf | (F_OF if (r >> (bits - 1)) ^ cf else 0)
    for _ in range(count % (bits + 1)):
        out = r & 1
        r = (r >> 1) | (cf << (bits - 1))
        cf = out
    return r, cf | (F_OF if ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1 else 0)


def _signed8(v):
    return v - 0x100 if v & 0x80 else v


def _signed16(v):
    return v - 0x10000 if v & 0x8000 else v


# Slow memory paths: the page is not plain RAM. They store the instruction
# count first (a device may look at the clock) and return True when the
# translated code must stop after this instruction (it wrote translated
# bytes, or the access raised an interrupt request).
def _rd8(cpu, a, ic):
    cpu.icount = ic
    return cpu.mem.read8(a)


def _rd16(cpu, seg, off, ic):
    cpu.icount = ic
    mem = cpu.mem
    return mem.read8((seg + off) & 0xFFFFF) | (mem.read8((seg + ((off + 1) & 0xFFFF)) & 0xFFFFF) << 8)


def _stack_word(off):
    """Source of the word at SS:off, read as RAM (only to choose a path: see Translator._emit)."""
    return "(data[(ss_b + %s) & 0xFFFFF] | (data[(ss_b + ((%s + 1) & 0xFFFF)) & 0xFFFFF] << 8))" % (off, off)


def _wr8(cpu, a, v, ic):
    cpu.icount = ic
    hit = cpu.mem.write8(a, v)
    return bool(hit) or cpu.pending


def _wr16(cpu, seg, off, v, ic):
    cpu.icount = ic
    a = (seg + off) & 0xFFFFF
    b = (seg + ((off + 1) & 0xFFFF)) & 0xFFFFF
    mem = cpu.mem
    kind = cpu.kind
    data = cpu.data
    hit = False
    if kind[a >> 12] == RAM:
        data[a] = v & 0xFF
    else:
        hit = mem.write8(a, v & 0xFF) or hit
    if kind[b >> 12] == RAM:
        data[b] = v >> 8
    else:
        hit = mem.write8(b, v >> 8) or hit
    return bool(hit) or cpu.pending


HELPERS = {
    "_cf": _cf, "_zf": _zf, "_sf": _sf, "_pf": _pf, "_of": _of, "_flags": _flags, "_szp": _szp,
    "_shift": _shift, "_signed8": _signed8, "_signed16": _signed16, "PARITY": PARITY,
    "_rd8": _rd8, "_rd16": _rd16, "_wr8": _wr8, "_wr16": _wr16,
}
HELPERS.update((n.upper(), i) for i, n in enumerate(R16))
HELPERS.update((n.upper(), i) for i, n in enumerate(FLAG_STATE))


def _returns(is186):
    """RET and RETF as the opcode map has them, with or without an immediate (on the 8086
    C0/C1 and C8/C9 too): opcode -> its form."""
    return {op: form for op, form in enumerate(opcodes.TABLE[is186])
            if form is not None and form.mnemonic in ("ret", "retf")}


RETURNS = {False: _returns(False), True: _returns(True)}


class Untranslatable(Exception):
    pass


class DecoderMismatch(Exception):
    """The tier's code for an instruction read other bytes than the opcode map has: a bug."""


class _CodeBytes(object):
    """The bytes from CS:ip on, as opcodes.decode reads them (at most 16: a longer
    run of prefixes is left to the interpreter)."""

    __slots__ = ("dec", "ip")

    def __init__(self, dec, ip):
        self.dec = dec
        self.ip = ip

    def __getitem__(self, i):
        if i >= 16:
            raise IndexError(i)
        return self.dec.byte(self.ip + i)


# --- decoded instructions -------------------------------------------------------
class Node(object):
    """One guest instruction in a region."""

    def __init__(self, cs, ip, ctx):
        self.cs = cs
        self.ip = ip
        self.ctx = ctx            # static return addresses (CS, IP) of the calls inlined
        self.length = 0
        self.next_ip = ip
        self.ctl = "op"           # op | jcc | jmp | call | ret | loop | exit | dyn
        self.code = []            # lines (with @IC@ for the running instruction count)
        self.writes_mem = False   # may write memory (exit check after it)
        self.fclass = None        # None | full | partial | main
        self.freads = False       # reads the flag locals
        self.fcode = []           # lines setting the flag locals from temporaries
        self.fkind = None         # (kind, a, b, r, mask) for static readers
        self.cond = None          # jcc: (cc, negate)
        self.target = None        # jcc/jmp/call/loop target IP
        self.target_cs = cs       # CS at the target (a far CALL or JMP changes it)
        self.far = False          # call/ret: CALL FAR, RETF (CS pushed, popped)
        self.ret_expect = None    # ret: static return address (CS, IP) or None
        self.dyn_ip = None        # dyn/ret: expression of the next IP
        self.dyn_cs = None        # ret (RETF): expression of the next CS
        self.succ = []            # successor node keys (filled by the region builder)
        self.static_src = None    # reader: writer node in the same basic block

    @property
    def key(self):
        return (self.cs, self.ip, self.ctx)


class Decoder(object):
    """Reads one instruction at CS:IP and describes it as Python source."""

    def __init__(self, mem, is186):
        self.mem = mem
        self.cs = 0
        self.csb = 0
        self.is186 = is186

    def byte(self, ip):
        a = (self.csb + (ip & 0xFFFF)) & 0xFFFFF
        if self.mem.kind[a >> 12] == MMIO:
            raise Untranslatable("code in MMIO")
        return self.mem.data[a]

    def decode(self, cs, ip, ctx, n):
        """The instruction at ``cs:ip``: its layout (prefixes, opcode, length) from the
        opcode map, its code from the methods below, which must read exactly
        the bytes the map says it has. (A region's code may lie in more than one
        code segment: far calls and returns are followed like near ones.)"""
        self.cs = cs
        self.csb = cs << 4
        node = Node(cs, ip, ctx)
        self.node = node
        self.n = n
        try:
            inst = opcodes.decode(_CodeBytes(self, ip), self.is186)
            if inst is None:
                raise Untranslatable("undefined (80186 INT 6), or a run of prefixes")
            if inst.rep is not None:
                raise Untranslatable("REP")
            self.ovr = inst.segment
            self.pos = (ip + inst.opcode_pos + 1) & 0xFFFF
            self._decode(inst.opcode)
            if (self.pos - ip) & 0xFFFF != inst.length:
                raise DecoderMismatch("the translating tier read %d bytes at %04X:%04X where the opcode map has "
                                      "%d (%s)" % ((self.pos - ip) & 0xFFFF, self.cs, ip, inst.length, inst.form))
        except Untranslatable:
            node = Node(cs, ip, ctx)
            node.ctl = "exit"
            node.length = 0
            node.next_ip = ip
            return node
        node.length = (self.pos - ip) & 0xFFFF
        node.next_ip = self.pos & 0xFFFF
        node.lins = [((self.csb + ((ip + k) & 0xFFFF)) & 0xFFFFF) for k in range(node.length)]
        return node

    # -- fetching ------------------------------------------------------------------
    def f8(self):
        v = self.byte(self.pos)
        self.pos = (self.pos + 1) & 0xFFFF
        return v

    def f16(self):
        lo = self.f8()
        return lo | (self.f8() << 8)

    def fs8(self):
        v = self.f8()
        return v - 256 if v > 127 else v

    # -- operands ------------------------------------------------------------------
    def t(self, name):
        """A temporary. Names are shared by all instructions (a small frame is a
        fast frame under PyPy); only flag writers use a/b/r/c/h, so a writer's
        operands stay intact until the next writer, for exits in its window."""
        return "t_" + name

    def seg(self, default):
        s = self.ovr if self.ovr is not None else default
        if s == 1:
            return str(self.csb)
        return SEG_BASE[s]

    def modrm_mem(self, m):
        """Lines computing the offset/linear temporaries; returns (seg, off, lin)."""
        d = EA_DISP[m]
        if d == 3:
            off = "%d" % self.f16()
        else:
            parts = [R16[EA_A[m]]]
            if EA_B[m] >= 0:
                parts.append(R16[EA_B[m]])
            disp = 0
            if d == 1:
                disp = self.fs8()
            elif d == 2:
                disp = self.f16()
            if disp:
                parts.append("%d" % disp)
            off = " + ".join(parts)
            if len(parts) > 1:
                off = "(%s) & 0xFFFF" % off
        return self.mem_at(self.seg(EA_SEG[m]), off)

    def mem_at(self, seg, off, tag=""):
        o = self.t("o" + tag)
        a = self.t("l" + tag)
        self.emit("%s = %s" % (o, off), "%s = (%s + %s) & 0xFFFFF" % (a, seg, o))
        return (seg, o, a)

    def rd8(self, mem):
        seg, o, a = mem
        return "(data[%s] if kind[%s >> 12] != 2 else _rd8(cpu, %s, @IC@))" % (a, a, a)

    def rd16(self, mem):
        seg, o, a = mem
        return ("(data[%s] | (data[%s + 1] << 8) if %s != 0xFFFF and (%s & 0xFFF) != 0xFFF "
                "and kind[%s >> 12] != 2 else _rd16(cpu, %s, %s, @IC@))" % (a, a, o, a, a, seg, o))

    def wr8(self, mem, v):
        seg, o, a = mem
        v = "(%s)" % v
        self.node.writes_mem = True
        self.emit("if not kind[%s >> 12] or (kind[%s >> 12] == 3 and not codemap[%s]):" % (a, a, a),
                  "    data[%s] = %s" % (a, v),
                  "else:",
                  "    smc = _wr8(cpu, %s, %s, @IC@) or smc" % (a, v))

    def wr16(self, mem, v):
        seg, o, a = mem
        v = "(%s)" % v
        self.node.writes_mem = True
        self.emit("if %s != 0xFFFF and (%s & 0xFFF) != 0xFFF and (not kind[%s >> 12] or (kind[%s >> 12] == 3 "
                  "and not codemap[%s] and not codemap[%s + 1])):" % (o, a, a, a, a, a),
                  "    data[%s] = %s & 0xFF" % (a, v),
                  "    data[%s + 1] = %s >> 8" % (a, v),
                  "else:",
                  "    smc = _wr16(cpu, %s, %s, %s, @IC@) or smc" % (seg, o, v))

    def emit(self, *lines):
        self.node.code.extend(lines)

    @staticmethod
    def get8(i):
        if i > 3:
            return "(%s >> 8)" % R16[i - 4]
        return "(%s & 0xFF)" % R16[i]

    def set8(self, i, v):
        if i > 3:
            r = R16[i - 4]
            self.emit("%s = (%s & 0xFF) | ((%s) << 8)" % (r, r, v))
        else:
            r = R16[i]
            self.emit("%s = (%s & 0xFF00) | (%s)" % (r, r, v))

    # r/m operand as (read expression, writer function); memory temps emitted once
    def rm(self, m, wide):
        if m >= 0xC0:
            i = m & 7
            if wide:
                name = R16[i]
                return name, (lambda v: self.emit("%s = %s" % (name, v)))
            return self.get8(i), (lambda v: self.set8(i, v))
        mem = self.modrm_mem(m)
        if wide:
            return self.rd16(mem), (lambda v: self.wr16(mem, v))
        return self.rd8(mem), (lambda v: self.wr8(mem, v))

    # -- flags ------------------------------------------------------------------------
    def lazy(self, k, a, b, r, mask):
        node = self.node
        node.fclass = "full"
        node.fkind = (k, a, b, r, mask)
        if k == 3:
            node.fcode = ["fk = 3", "fr = %s" % r, "fm = %d" % mask]
        else:
            node.fcode = ["fk = %d" % k, "fa = %s" % a, "fb = %s" % b, "fr = %s" % r, "fm = %d" % mask]

    def incdec(self, k, a, r, mask):
        """INC/DEC keep CF: ``t_cf`` holds it (see Translator._emit: it comes from
        the previous writer's temporaries when that one is in the same basic block)."""
        node = self.node
        node.fclass = "partial"
        node.incdec = True
        node.fkind = (k, a, "1", r, mask)
        node.fcode = ["fl = (fl & ~1) | t_cf",
                      "fk = %d" % k, "fa = %s" % a, "fb = 1", "fr = %s" % r, "fm = %d" % mask]

    def eager(self, bits_name):
        node = self.node
        node.fclass = "full"
        node.fcode = ["fl = (fl & %d) | %s" % (NOT_ARITH, bits_name), "fk = 0"]

    def reads_flags(self):
        self.node.freads = True

    # -- ALU ----------------------------------------------------------------------------
    def alu(self, op, a_expr, b_expr, mask, write):
        """ADD OR ADC SBB AND SUB XOR CMP on two operand expressions."""
        a = self.t("a")
        b = self.t("b")
        r = self.t("r")
        self.emit("%s = %s" % (a, a_expr), "%s = %s" % (b, b_expr))
        if op == 0:
            self.emit("%s = %s + %s" % (r, a, b))
            res = "%s & %d" % (r, mask)
            self.lazy(1, a, b, r, mask)
        elif op == 2:
            self.reads_flags()
            self.emit("%s = %s + %s + _cf(fk, fl, fr, fm)" % (r, a, b))
            res = "%s & %d" % (r, mask)
            self.lazy(1, a, b, r, mask)
        elif op in (5, 7):
            self.emit("%s = %s - %s" % (r, a, b))
            res = "%s & %d" % (r, mask)
            self.lazy(2, a, b, r, mask)
        elif op == 3:
            self.reads_flags()
            self.emit("%s = %s - %s - _cf(fk, fl, fr, fm)" % (r, a, b))
            res = "%s & %d" % (r, mask)
            self.lazy(2, a, b, r, mask)
        else:
            sym = {1: "|", 4: "&", 6: "^"}[op]
            self.emit("%s = %s %s %s" % (r, a, sym, b))
            res = r
            self.lazy(3, a, b, r, mask)
        if op != 7 and write is not None:
            write(res)

    # -- code for each opcode -----------------------------------------------------------
    def _decode(self, op):
        """Code for opcode ``op``; self.pos is just past it."""
        is186 = self.is186
        if op < 0x40 and (op & 7) < 6:
            self.alu_form(op >> 3, op & 7)
            return
        if op < 0x40:
            self.misc_low(op)
            return
        if op < 0x50:
            i = op & 7
            a = self.t("a")
            r = self.t("r")
            if op < 0x48:
                self.emit("%s = %s" % (a, R16[i]), "%s = %s + 1" % (r, a), "%s = %s & 0xFFFF" % (R16[i], r))
                self.incdec(4, a, r, MASK16)
            else:
                self.emit("%s = %s" % (a, R16[i]), "%s = %s - 1" % (r, a), "%s = %s & 0xFFFF" % (R16[i], r))
                self.incdec(5, a, r, MASK16)
            return
        if op < 0x58:
            self.push(R16[op & 7], pre_sp=True)
            return
        if op < 0x60:
            v = self.pop()
            self.emit("%s = %s" % (R16[op & 7], v))
            return
        if op < 0x70:
            if not is186:
                self.jcc(op & 0xF)
                return
            self.ops_186(op)
            return
        if op < 0x80:
            self.jcc(op & 0xF)
            return
        if op < 0x84:
            self.grp1(op)
            return
        if op < 0xC0 and op != 0x9A:
            self.mid(op)
            return
        self.high(op)

    def alu_form(self, op, form):
        if form == 0 or form == 1:
            wide = form == 1
            m = self.f8()
            reg = (m >> 3) & 7
            a_expr, write = self.rm(m, wide)
            b_expr = R16[reg] if wide else self.get8(reg)
            self.alu(op, a_expr, b_expr, MASK16 if wide else MASK8, write)
        elif form == 2 or form == 3:
            wide = form == 3
            m = self.f8()
            reg = (m >> 3) & 7
            b_expr, _ = self.rm(m, wide)
            if wide:
                name = R16[reg]
                self.alu(op, name, b_expr, MASK16, lambda v: self.emit("%s = %s" % (name, v)))
            else:
                self.alu(op, self.get8(reg), b_expr, MASK8, lambda v: self.set8(reg, v))
        elif form == 4:
            self.alu(op, "(ax & 0xFF)", "%d" % self.f8(), MASK8, lambda v: self.set8(0, v))
        else:
            self.alu(op, "ax", "%d" % self.f16(), MASK16, lambda v: self.emit("ax = %s" % v))

    def misc_low(self, op):
        if op >= 0x20:
            raise Untranslatable("BCD")
        s = (op >> 3) & 3
        if op & 7 == 6:          # PUSH sreg
            if s == 1:
                self.push("%d" % self.cs)
            else:
                self.push("(%s >> 4)" % SEG_BASE[s])
            return
        if op & 7 == 7 and s in (0, 3):   # POP ES / POP DS
            v = self.pop()
            self.emit("%s = %s << 4" % (SEG_BASE[s], v))
            self.node.sreg_write = True
            return
        raise Untranslatable("BCD, POP SS/CS")

    def push(self, value, pre_sp=False):
        """PUSH: SP first (PUSH SP stores the decremented value, as the chip does)."""
        v = self.t("p")
        if not pre_sp:
            self.emit("%s = %s" % (v, value))
            value = v
        self.emit("sp = (sp - 2) & 0xFFFF")
        if pre_sp:
            self.emit("%s = %s" % (v, value))
        mem = self.mem_at("ss_b", "sp", "s")
        self.wr16(mem, v)

    def pop(self, tag="q"):
        v = self.t(tag)
        mem = self.mem_at("ss_b", "sp", tag)
        self.emit("%s = %s" % (v, self.rd16(mem)), "sp = (sp + 2) & 0xFFFF")
        return v

    def jcc(self, cc):
        node = self.node
        d = self.fs8()
        node.ctl = "jcc"
        node.cond = (cc >> 1, cc & 1)
        node.target = (self.pos + d) & 0xFFFF
        node.freads = True

    def ops_186(self, op):
        if op == 0x68:
            self.push("%d" % self.f16())
            return
        if op == 0x6A:
            self.push("%d" % (self.fs8() & 0xFFFF))
            return
        if op in (0x69, 0x6B):
            m = self.f8()
            a_expr, _ = self.rm(m, True)
            a = self.t("a")
            p = self.t("p")
            self.emit("%s = _signed16(%s)" % (a, a_expr))
            b = _signed16(self.f16()) if op == 0x69 else self.fs8()
            c = self.t("c")
            self.emit("%s = %s * %d" % (p, a, b),
                      "%s = %s & 0xFFFF" % (R16[(m >> 3) & 7], p),
                      "%s = _szp(%s & 0xFFFF, 0xFFFF, 0 if -32768 <= %s <= 32767 else %d)" % (c, p, p, F_CF | F_OF))
            self.eager(c)
            return
        raise Untranslatable("PUSHA/POPA/BOUND/INS/OUTS")

    def grp1(self, op):
        m = self.f8()
        alu_op = (m >> 3) & 7
        wide = op in (0x81, 0x83)
        a_expr, write = self.rm(m, wide)
        if op == 0x81:
            imm = self.f16()
        elif op == 0x83:
            imm = self.fs8() & 0xFFFF
        else:
            imm = self.f8()
        self.alu(alu_op, a_expr, "%d" % imm, MASK16 if wide else MASK8, write)

    def mid(self, op):
        node = self.node
        is186 = self.is186
        if op in (0x84, 0x85):
            m = self.f8()
            wide = op == 0x85
            a_expr, _ = self.rm(m, wide)
            reg = (m >> 3) & 7
            self.alu(4, a_expr, R16[reg] if wide else self.get8(reg), MASK16 if wide else MASK8, None)
            return
        if op in (0x86, 0x87):
            m = self.f8()
            wide = op == 0x87
            reg = (m >> 3) & 7
            a_expr, write = self.rm(m, wide)
            a = self.t("x")
            b = self.t("y")
            self.emit("%s = %s" % (a, a_expr), "%s = %s" % (b, R16[reg] if wide else self.get8(reg)))
            write(b)
            if wide:
                self.emit("%s = %s" % (R16[reg], a))
            else:
                self.set8(reg, a)
            return
        if op in (0x88, 0x89):
            m = self.f8()
            wide = op == 0x89
            reg = (m >> 3) & 7
            v = self.t("v")
            self.emit("%s = %s" % (v, R16[reg] if wide else self.get8(reg)))
            _, write = self.rm(m, wide)
            write(v)
            return
        if op in (0x8A, 0x8B):
            m = self.f8()
            wide = op == 0x8B
            reg = (m >> 3) & 7
            src, _ = self.rm(m, wide)
            v = self.t("v")
            self.emit("%s = %s" % (v, src))
            if wide:
                self.emit("%s = %s" % (R16[reg], v))
            else:
                self.set8(reg, v)
            return
        if op == 0x8C:
            m = self.f8()
            s = (m >> 3) & 3
            v = self.t("v")
            self.emit("%s = %s" % (v, "%d" % self.cs if s == 1 else "(%s >> 4)" % SEG_BASE[s]))
            _, write = self.rm(m, True)
            write(v)
            return
        if op == 0x8D:
            m = self.f8()
            if m >= 0xC0:
                raise Untranslatable("LEA reg")
            _, o, _ = self.modrm_mem(m)
            self.emit("%s = %s" % (R16[(m >> 3) & 7], o))
            return
        if op == 0x8E:
            m = self.f8()
            s = (m >> 3) & 3
            if s not in (0, 3):
                raise Untranslatable("MOV SS/CS")
            src, _ = self.rm(m, True)
            v = self.t("v")
            self.emit("%s = %s" % (v, src), "%s = %s << 4" % (SEG_BASE[s], v))
            node.sreg_write = True
            return
        if op == 0x8F:
            m = self.f8()
            if (m >> 3) & 7:
                raise Untranslatable("8F /r")
            v = self.pop()
            _, write = self.rm(m, True)
            write(v)
            return
        if op == 0x90:
            return
        if op < 0x98:
            r = R16[op & 7]
            self.emit("ax, %s = %s, ax" % (r, r))
            return
        if op == 0x98:
            self.emit("ax = (ax & 0xFF) | 0xFF00 if ax & 0x80 else ax & 0xFF")
            return
        if op == 0x99:
            self.emit("dx = 0xFFFF if ax & 0x8000 else 0")
            return
        if op == 0x9B:
            return
        if op == 0x9C:
            self.reads_flags()
            self.push("_flags(fk, fa, fb, fr, fm, fl) | 0xF002")
            return
        if op == 0x9E:
            h = self.t("h")
            self.emit("%s = (ax >> 8) & %d" % (h, F_SF | F_ZF | F_AF | F_PF | F_CF))
            self.node.fclass = "partial"
            self.node.fcode = ["fl = (_flags(fk, fa, fb, fr, fm, fl) & 0xFF00) | %s" % h, "fk = 0"]
            return
        if op == 0x9F:
            self.reads_flags()
            self.emit("ax = (ax & 0xFF) | (((_flags(fk, fa, fb, fr, fm, fl) | 0xF002) & 0xFF) << 8)")
            return
        if 0xA0 <= op <= 0xA3:
            off = self.f16()
            mem = self.mem_at(self.seg(3), "%d" % off)
            v = self.t("v")
            if op == 0xA0:
                self.emit("%s = %s" % (v, self.rd8(mem)))
                self.set8(0, v)
            elif op == 0xA1:
                self.emit("ax = %s" % self.rd16(mem))
            elif op == 0xA2:
                self.emit("%s = ax & 0xFF" % v)
                self.wr8(mem, v)
            else:
                self.emit("%s = ax" % v)
                self.wr16(mem, v)
            return
        if op in (0xA8, 0xA9):
            if op == 0xA8:
                self.alu(4, "(ax & 0xFF)", "%d" % self.f8(), MASK8, None)
            else:
                self.alu(4, "ax", "%d" % self.f16(), MASK16, None)
            return
        if 0xA4 <= op <= 0xAF:
            self.string(op)
            return
        if 0xB0 <= op < 0xB8:
            self.set8(op & 7, "%d" % self.f8())
            return
        if 0xB8 <= op < 0xC0:
            self.emit("%s = %d" % (R16[op & 7], self.f16()))
            return
        raise Untranslatable("POPF")

    def string(self, op):
        """MOVS/CMPS/STOS/LODS/SCAS without REP."""
        wide = op & 1
        step = 2 if wide else 1
        d = self.t("d")
        self.emit("%s = -%d if fl & 0x400 else %d" % (d, step, step))
        kind = (op - 0xA4) >> 1   # 0 MOVS 1 CMPS 2 (TEST) 3 STOS 4 LODS 5 SCAS
        rd = self.rd16 if wide else self.rd8
        wr = self.wr16 if wide else self.wr8
        mask = MASK16 if wide else MASK8
        if kind == 0:
            src = self.mem_at(self.seg(3), "si", "s")
            dst = self.mem_at("es_b", "di", "t")
            v = self.t("v")
            self.emit("%s = %s" % (v, rd(src)))
            wr(dst, v)
            self.emit("si = (si + %s) & 0xFFFF" % d, "di = (di + %s) & 0xFFFF" % d)
        elif kind == 1:
            src = self.mem_at(self.seg(3), "si", "s")
            dst = self.mem_at("es_b", "di", "t")
            self.alu(7, rd(src), rd(dst), mask, None)
            self.emit("si = (si + %s) & 0xFFFF" % d, "di = (di + %s) & 0xFFFF" % d)
        elif kind == 3:
            dst = self.mem_at("es_b", "di", "t")
            v = self.t("v")
            self.emit("%s = %s" % (v, "ax" if wide else "ax & 0xFF"))
            wr(dst, v)
            self.emit("di = (di + %s) & 0xFFFF" % d)
        elif kind == 4:
            src = self.mem_at(self.seg(3), "si", "s")
            v = self.t("v")
            self.emit("%s = %s" % (v, rd(src)))
            if wide:
                self.emit("ax = %s" % v)
            else:
                self.set8(0, v)
            self.emit("si = (si + %s) & 0xFFFF" % d)
        else:
            dst = self.mem_at("es_b", "di", "t")
            self.alu(7, "ax" if wide else "(ax & 0xFF)", rd(dst), mask, None)
            self.emit("di = (di + %s) & 0xFFFF" % d)

    def high(self, op):
        node = self.node
        is186 = self.is186
        form = RETURNS[is186].get(op)
        if form is not None:
            far = form.mnemonic == "retf"
            n = self.f16() if form.operands else 0
            v = self.pop("q")
            if far:
                node.dyn_cs = self.pop("u")
            if n:
                self.emit("sp = (sp + %d) & 0xFFFF" % n)
            node.ctl = "ret"
            node.far = far
            node.dyn_ip = v
            # the return address the innermost inlined call pushed, if the code returns
            # there (checked against the popped words when it runs). A near RET keeps CS:
            # it can return statically only to a call in its own code segment.
            expect = node.ctx[-1] if node.ctx else None
            if expect is not None and (far or expect[0] == self.cs):
                node.ret_expect = expect
            return
        if op in (0xC4, 0xC5):
            m = self.f8()
            if m >= 0xC0:
                raise Untranslatable("LES/LDS reg")
            seg, o, a = self.modrm_mem(m)
            lo = self.t("v")
            self.emit("%s = %s" % (lo, self.rd16((seg, o, a))))
            mem2 = self.mem_at(seg, "(%s + 2) & 0xFFFF" % o, "h")
            hi = self.t("w")
            self.emit("%s = %s" % (hi, self.rd16(mem2)))
            self.emit("%s = %s" % (R16[(m >> 3) & 7], lo), "%s = %s << 4" % (SEG_BASE[0 if op == 0xC4 else 3], hi))
            node.sreg_write = True
            return
        if op in (0xC6, 0xC7):
            m = self.f8()
            if is186 and (m >> 3) & 7:
                raise Untranslatable("C6/C7 /r")
            wide = op == 0xC7
            _, write = self.rm(m, wide)
            write("%d" % (self.f16() if wide else self.f8()))
            return
        if op == 0xC9 and is186:
            self.emit("sp = bp")
            v = self.pop()
            self.emit("bp = %s" % v)
            return
        if op in (0xD0, 0xD1, 0xD2, 0xD3) or (op in (0xC0, 0xC1) and is186):
            self.grp2(op)
            return
        if op == 0xD7:
            s = self.seg(3)
            mem = self.mem_at(s, "(bx + (ax & 0xFF)) & 0xFFFF")
            v = self.t("v")
            self.emit("%s = %s" % (v, self.rd8(mem)))
            self.set8(0, v)
            return
        if 0xE0 <= op <= 0xE3:
            d = self.fs8()
            node.target = (self.pos + d) & 0xFFFF
            node.ctl = "loop"
            node.loop_kind = op - 0xE0   # 0 LOOPNZ 1 LOOPZ 2 LOOP 3 JCXZ
            if op < 0xE2:
                node.freads = True
            return
        if op == 0xE8:
            d = self.f16()
            ret = self.pos
            self.push("%d" % ret)
            node.ctl = "call"
            node.target = (ret + d) & 0xFFFF
            return
        if op == 0x9A or op == 0xEA:
            ip = self.f16()
            cs = self.f16()
            if op == 0x9A:
                self.push("%d" % self.cs)
                self.push("%d" % self.pos)
                node.ctl = "call"
                node.far = True
            else:
                node.ctl = "jmp"
            node.target = ip
            node.target_cs = cs
            return
        if op == 0xE9:
            d = self.f16()
            node.ctl = "jmp"
            node.target = (self.pos + d) & 0xFFFF
            return
        if op == 0xEB:
            d = self.fs8()
            node.ctl = "jmp"
            node.target = (self.pos + d) & 0xFFFF
            return
        if op == 0xF5:
            node.fclass = "partial"
            node.fcode = ["fl = _flags(fk, fa, fb, fr, fm, fl) ^ 1", "fk = 0"]
            return
        if op in (0xF6, 0xF7):
            self.grp3(op)
            return
        if op in (0xF8, 0xF9):
            node.fclass = "partial"
            node.fcode = ["fl = (_flags(fk, fa, fb, fr, fm, fl) & ~1) | %d" % (op & 1), "fk = 0"]
            return
        if op == 0xFC:
            self.emit("fl = fl & ~0x400")
            return
        if op == 0xFD:
            self.emit("fl = fl | 0x400")
            return
        if op == 0xFE:
            m = self.f8()
            sub = (m >> 3) & 7
            if sub > 1:
                raise Untranslatable("FE /2-7")
            self.incdec_rm(m, sub, False)
            return
        if op == 0xFF:
            m = self.f8()
            sub = (m >> 3) & 7
            if sub < 2:
                self.incdec_rm(m, sub, True)
                return
            if sub == 2 or sub == 4:
                src, _ = self.rm(m, True)
                t = self.t("j")
                self.emit("%s = %s" % (t, src))
                if sub == 2:
                    self.push("%d" % self.pos)
                node.ctl = "dyn"
                node.dyn_ip = t
                return
            if sub == 6 or (sub == 7 and not is186):
                src, _ = self.rm(m, True)
                if m >= 0xC0:
                    self.push(src, pre_sp=True)
                else:
                    self.push(src)
                return
            raise Untranslatable("FF far")
        raise Untranslatable("opcode %02X" % op)

    def incdec_rm(self, m, sub, wide):
        mask = MASK16 if wide else MASK8
        src, write = self.rm(m, wide)
        a = self.t("a")
        r = self.t("r")
        self.emit("%s = %s" % (a, src), "%s = %s %s 1" % (r, a, "-" if sub else "+"))
        self.incdec(5 if sub else 4, a, r, mask)
        write("%s & %d" % (r, mask))

    def grp2(self, op):
        m = self.f8()
        sub = (m >> 3) & 7
        wide = op & 1
        mask = MASK16 if wide else MASK8
        src, write = self.rm(m, wide)
        v = self.t("v")
        r = self.t("r")
        c = self.t("c")
        self.emit("%s = %s" % (v, src))
        node = self.node
        if op in (0xD2, 0xD3):
            n = self.t("n")
            self.emit("%s = cx & %d" % (n, 0x1F if self.is186 else 0xFF),
                      "if %s:" % n,
                      "    %s, %s = _shift(%d, %s, %s, %d, %d, _cf(fk, fl, fr, fm))"
                      % (r, c, sub, v, n, mask, self.is186))
            if sub < 4:
                self.emit("    fl = (_flags(fk, fa, fb, fr, fm, fl) & ~0x801) | %s" % c)
            else:
                self.emit("    fl = (fl & %d) | %s" % (NOT_ARITH, c))
            self.emit("    fk = 0")
            sub_lines = []
            saved = node.code
            node.code = sub_lines
            write(r)
            node.code = saved
            self.emit(*["    " + line for line in sub_lines])
            node.fclass = "main"
            node.freads = True
            return
        count = 1 if op in (0xD0, 0xD1) else self.f8() & 0x1F
        if count == 0:
            return   # 80186 shift by an immediate 0: nothing changes
        cf_in = "_cf(fk, fl, fr, fm)" if sub in (2, 3) else "0"
        if sub in (2, 3):
            node.freads = True
        self.emit("%s, %s = _shift(%d, %s, %d, %d, %d, %s)" % (r, c, sub, v, count, mask, self.is186, cf_in))
        if sub < 4:
            node.fclass = "partial"
            node.fcode = ["fl = (_flags(fk, fa, fb, fr, fm, fl) & ~0x801) | %s" % c, "fk = 0"]
        else:
            self.eager(c)
        write(r)

    def grp3(self, op):
        m = self.f8()
        sub = (m >> 3) & 7
        wide = op & 1
        mask = MASK16 if wide else MASK8
        if sub >= 6:
            raise Untranslatable("DIV/IDIV")
        src, write = self.rm(m, wide)
        if sub < 2:
            imm = self.f16() if wide else self.f8()
            self.alu(4, src, "%d" % imm, mask, None)
            return
        v = self.t("v")
        self.emit("%s = %s" % (v, src))
        if sub == 2:
            write("%s ^ %d" % (v, mask))
            return
        if sub == 3:
            self.alu(5, "0", v, mask, write)
            return
        p = self.t("p")
        c = self.t("c")
        if not wide:
            zmask = 0xFFFF if self.is186 else 0xFF
            if sub == 4:
                self.emit("%s = (ax & 0xFF) * %s" % (p, v), "ax = %s" % p,
                          "%s = _szp(%s, %d, %d if %s & 0xFF00 else 0)" % (c, p, zmask, F_CF | F_OF, p))
            else:
                self.emit("%s = _signed8(ax & 0xFF) * _signed8(%s)" % (p, v), "ax = %s & 0xFFFF" % p,
                          "%s = _szp(%s & 0xFFFF, %d, 0 if -128 <= %s <= 127 else %d)" % (c, p, zmask, p, F_CF | F_OF))
        else:
            if sub == 4:
                self.emit("%s = ax * %s" % (p, v), "ax = %s & 0xFFFF" % p, "dx = %s >> 16" % p,
                          "%s = _szp(%s & 0xFFFF, 0xFFFF, %d if %s >> 16 else 0)" % (c, p, F_CF | F_OF, p))
            else:
                self.emit("%s = _signed16(ax) * _signed16(%s)" % (p, v), "ax = %s & 0xFFFF" % p,
                          "dx = (%s >> 16) & 0xFFFF" % p,
                          "%s = _szp(%s & 0xFFFF, 0xFFFF, 0 if -32768 <= %s <= 32767 else %d)"
                          % (c, p, p, F_CF | F_OF))
        self.eager(c)


# --- conditions -----------------------------------------------------------------------
def _cond_static(cc, src):
    """A condition on a writer's temporaries, or None when it needs the lazy locals."""
    k, a, b, r, m = src
    sign = (m >> 1) + 1
    z = "(%s & %d) == 0" % (r, m)
    s = "(%s & %d) != 0" % (r, sign)
    if k == 3:
        o = "False"
    elif k in (1, 4):
        o = "((%s ^ %s) & (%s ^ %s) & %d) != 0" % (a, r, b, r, sign)
    else:
        o = "((%s ^ %s) & (%s ^ %s) & %d) != 0" % (a, b, a, r, sign)
    if k == 1:
        c = "%s > %d" % (r, m)
    elif k == 2:
        c = "%s < 0" % r
    elif k == 3:
        c = "False"
    else:
        c = None
    if cc == 0:
        return o
    if cc == 1:
        return c
    if cc == 2:
        return z
    if cc == 3:
        return None if c is None else "(%s or %s)" % (c, z)
    if cc == 4:
        return s
    if cc == 5:
        return "PARITY[%s & 0xFF] != 0" % r
    if cc == 6:
        return "(%s) != (%s)" % (s, o)
    return "(%s or (%s) != (%s))" % (z, s, o)


def _cond_dynamic(cc):
    z = "_zf(fk, fl, fr, fm)"
    s = "_sf(fk, fl, fr, fm)"
    o = "_of(fk, fa, fb, fr, fm, fl)"
    c = "_cf(fk, fl, fr, fm)"
    return (o, c, z, "(%s or %s)" % (c, z), s, "_pf(fk, fl, fr)", "%s != %s" % (s, o),
            "(%s or %s != %s)" % (z, s, o))[cc]


# --- regions ------------------------------------------------------------------------
def _entry_first_topological(bbs, nodes, entry_key):
    """Basic blocks in reverse post-order of a depth-first walk from the entry: every edge
    goes forward except the back edges of the region's loops (each a budget check)."""
    by_key = {bb[0].key: bb for bb in bbs}
    done = set()
    post = []
    stack = [(entry_key, iter(by_key[entry_key][-1].succ))]
    done.add(entry_key)
    while stack:
        key, it = stack[-1]
        for s in it:
            if s == entry_key or s in done or nodes[s].ctl == "exit":
                continue
            done.add(s)
            stack.append((s, iter(by_key[s][-1].succ)))
            break
        else:
            post.append(by_key[key])
            stack.pop()
    post.reverse()
    # blocks only reachable through cut paths cannot exist (all come from the entry)
    assert len(post) == len(bbs)
    return post


def _budget(seen):
    """Instructions a region may hold, for a probe that saw ``seen`` distinct ones: room for
    paths it did not see, up to MAX_NODES (each instruction decoded costs compile time)."""
    return min(MAX_NODES, max(MAX_NODES // 2, seen + MAX_NODES // 4))


class Region(object):
    def __init__(self, cs, ip):
        self.cs = cs
        self.ip = ip
        self.name = "block_%04X_%04X" % (cs, ip)
        self.entries = {}      # key -> (fn, pc, lp)
        self.lins = set()      # linear addresses of translated bytes
        self.pages = set()
        self.source = ""
        self.fn = None
        self.live = True
        self.trial_calls = 0     # calls left on trial (0: not on trial)
        self.trial_insns = 0


def region_enders(is186):
    """A 256-byte table: 1 for an opcode byte whose instruction ends every region (the
    decoder leaves it to the interpreter whatever follows it: port I/O, INT, IRET, REP,
    INT 3, HLT...). Read off the decoder itself, with a memory operand where the
    opcode takes a ModRM byte; opcodes that end a region only in some forms (DIV, MOV SS)
    read as 0. Only the tests derive it now; the tier uses ENDERS, below."""
    table = bytearray(256)
    mem = Memory()
    dec = Decoder(mem, is186)
    for op in range(256):
        mem.data[0:6] = bytes([op, 0x06, 0, 0, 0, 0])
        if dec.decode(0, 0, (), 0).ctl == "exit":
            table[op] = 1
    return table


# region_enders for each CPU model, written out: reading them off the decoder decodes 256
# instructions, 20 ms of every start-up under PyPy. test_translate checks them against it.
ENDERS = {
    False: "0F 17 27 2F 37 3F 9D CC CD CE CF D4 D5 D6 D8 D9 DA DB DC DD DE DF "
           "E4 E5 E6 E7 EC ED EE EF F2 F3 F4 FA FB",
    True: "0F 17 27 2F 37 3F 60 61 62 63 64 65 66 67 6C 6D 6E 6F 9D C8 CC CD CE CF "
          "D4 D5 D6 D8 D9 DA DB DC DD DE DF E4 E5 E6 E7 EC ED EE EF F1 F2 F3 F4 FA FB",
}


def enders_table(is186):
    """ENDERS[is186] as region_enders gives it: 1 for each opcode byte listed."""
    table = bytearray(256)
    for op in ENDERS[is186].split():
        table[int(op, 16)] = 1
    return table


class Translator(object):
    """Hot-code detection, translation, the cache and invalidation, for one CPU."""

    def __init__(self, cpu, dump_dir=None, cache=regioncache.SHARED):
        self.cpu = cpu
        self.cache = cache         # regions shared with other machines of this process (None: off)
        self.cache_hits = 0
        self.mem = cpu.mem
        self.is186 = cpu.is186
        self.blocks = {}           # (cs << 16 | ip) -> (fn, pc, lp)
        self.entry_region = {}     # the same keys -> Region
        self.counts = {}
        self.queue = []
        self.page_regions = {}     # page -> set of regions
        self.entry_pages = [0] * 0x100   # page -> live region entries starting there
        self.dump_dir = dump_dir if dump_dir is not None else os.environ.get("PCEMU_DUMP_BLOCKS") or None
        self.regions_translated = 0
        self.compile_seconds = 0.0
        self.translated_insns = 0
        self.invalidations = 0
        self.dropped = 0
        self.serial = 0
        if self.mem.codemap is None:
            self.mem.codemap = bytearray(len(self.mem.data))
        self.codemap = self.mem.codemap
        self.mem.code_written = self.code_written
        self.enders = enders_table(self.is186)
        self.returns = bytearray(256)     # 1 for RET and RETF (see RETURNS)
        for op in RETURNS[self.is186]:
            self.returns[op] = 1
        self.probes = set()        # keys being probed (their ``blocks`` entry is the probe)

    # -- the tiered run loop ---------------------------------------------------------
    def run(self, max_insns):
        """cpu.run() with translated regions: same results, same instruction counts.

        One interpreted instruction per pass, as in ``CPU.run`` (so PyPy traces
        single instructions here too); after a jump (the only place a region
        can start) the target is looked up if its page holds region entries
        (``entry_pages``), and counted when reached by a backward jump (loop
        heads, returns, interrupts) - straight-line code pays one
        comparison per instruction.
        """
        cpu = self.cpu
        start = cpu.icount
        end = start + max_insns
        blocks = self.blocks
        counts = self.counts
        entry_pages = self.entry_pages
        exec_one = cpu._exec_one
        sregs = cpu.sregs
        data = cpu.data
        jcc_in_loop = hostjit.pypyjit is not None    # see ops.control.run_jcc
        translated = 0
        while True:
            if cpu.pending:
                r = cpu._boundary()
                if r == 2:
                    break
                if r == 1:
                    if cpu.icount >= end:
                        break
                    continue
            if cpu.icount >= end:
                break
            ip = cpu.ip
            cpu.insn_ip = ip
            if jcc_in_loop:
                csb = sregs[1] << 4
                if data[(csb + ip) & 0xFFFFF] >> 4 == 7:
                    run_jcc(cpu, ip, csb)
                else:
                    exec_one()   # compiled once, on its own (see pcemu.hostjit)
            else:
                exec_one()       # CPython: the handler by table (CPU._exec_one_by_table)
            d = cpu.ip - ip
            if d > 6 or d <= 0:
                # a jump: the one place a region can start
                cs = sregs[1]
                ip = cpu.ip
                if entry_pages[(((cs << 4) + ip) & 0xFFFFF) >> 12]:
                    entry = blocks.get((cs << 16) | ip)
                    if entry is not None:
                        if not cpu.pending and cpu.icount + entry[2] <= end:
                            translated += entry[0](cpu, end, entry[1])
                        continue
                if d <= 0:
                    key = (cs << 16) | ip
                    c = counts.get(key, 0) + 1
                    counts[key] = c
                    if c >= HOT_ENTRIES:
                        self._hot(key, c)
        self.translated_insns += translated
        return cpu.icount - start

    def _put_on_trial(self, region):
        """Run ``region`` through a counting wrapper for its first TRIAL_CALLS calls, then keep
        it (its entries call it directly again) or drop it. The wrapper keeps the run loop free
        of trial bookkeeping: a test there cost the race 3.5% of its host instructions."""
        fn = region.fn
        region.trial_calls = TRIAL_CALLS
        cut = [0]

        def on_trial(cpu, end, pc):
            n = fn(cpu, end, pc)
            if n == 0:
                return 0     # entered at an inlined call from elsewhere: nothing ran
            if n < TRIAL_KEEP_RUN and end - cpu.icount < MAX_NODES and cut[0] < 3 * TRIAL_CALLS:
                cut[0] += 1  # left at a budget check before the run's end: no verdict (see _probe)
                return n
            region.trial_insns += n
            region.trial_calls -= 1
            if region.trial_calls == 0:
                self._judge(region)
            return n

        self._reroute(region, on_trial)

    def _reroute(self, region, fn):
        """Point the entries ``region`` owns at ``fn`` (None: at the region's own function)."""
        for key, entry in region.entries.items():
            if self.entry_region.get(key) is region:
                self.blocks[key] = entry if fn is None else (fn,) + entry[1:]

    def _judge(self, region):
        if not region.live:
            return
        if region.trial_insns < TRIAL_CALLS * TRIAL_KEEP_RUN:
            self.drop(region)
        else:
            self._reroute(region, None)

    def drop(self, region):
        """Give ``region``'s entry points back to the interpreter for good (see TRIAL_CALLS)."""
        self.invalidate(region, counted=False)
        for key in region.entries:
            self.counts[key] = NEVER
        self.dropped += 1

    def _probe(self, key):
        """Watch the hot place ``key`` in the interpreter before translating it (see
        PROBE_CALLS). The probe sits in ``blocks`` like a region's entry point and returns 0:
        no instruction ran translated."""
        cs, ip = key >> 16, key & 0xFFFF
        cpu = self.cpu
        data = cpu.data
        sregs = cpu.sregs
        enders = self.enders
        returns = self.returns
        calls = [0]
        cut = [0]

        def probe(cpu_, end, pc):
            exec_one = cpu._exec_one
            n = 0
            depth = 0
            seen = set()
            while True:
                at = cpu.ip
                lin = ((sregs[1] << 4) + at) & 0xFFFFF
                op = data[lin]
                if enders[op]:
                    break
                # where a region leaves whatever its bytes: a return from the place's own
                # frame, a call nested deeper than the region inlines, an indirect jump or call
                if op == 0xE8 or op == 0x9A:
                    depth += 1
                    if depth > MAX_CALL_DEPTH:
                        break
                elif returns[op]:
                    if depth == 0:
                        break
                    depth -= 1
                elif op == 0xFF and 2 <= (data[(lin + 1) & 0xFFFFF] >> 3) & 7 <= 5:
                    break      # FF /2 /3 /4 /5: CALL or JMP through memory or a register
                seen.add(lin)
                cpu.insn_ip = at
                exec_one()
                n += 1
                if cpu.pending or n >= PROBE_MIN_RUN or cpu.icount >= end:
                    break
            if n < PROBE_MIN_RUN and (cpu.pending or cpu.icount >= end) and cut[0] < 3 * PROBE_CALLS:
                # cut short by an interrupt or the end of the run, not by the code: no verdict
                # (under the realtime clock a slow host runs shorter slices)
                cut[0] += 1
                return 0
            calls[0] += 1
            if n >= PROBE_MIN_RUN and len(seen) <= PROBE_MAX_DISTINCT:
                self._unprobe(key)
                region = self.translate(cs, ip, seen, _budget(len(seen)))
                if region is not None:
                    self._put_on_trial(region)
            elif calls[0] >= PROBE_CALLS:
                self._unprobe(key)
                self.counts[key] = NEVER
                self.dropped += 1
            return 0

        self.probes.add(key)
        self.blocks[key] = (probe, 0, 1)
        self._count_entry(key, 1)

    def _unprobe(self, key):
        self.probes.discard(key)
        del self.blocks[key]
        self._count_entry(key, -1)

    def _hot(self, key, c):
        if PROBE_CALLS:
            if key not in self.blocks:
                self._probe(key)
            return
        if key not in self.queue:
            self.queue.append(key)
        if len(self.queue) >= BATCH or c >= 4 * HOT_ENTRIES:
            batch = self.queue
            self.queue = []
            for k in batch:
                if k not in self.blocks:
                    region = self.translate(k >> 16, k & 0xFFFF)
                    if region is not None and TRIAL_CALLS:
                        self._put_on_trial(region)

    # -- translation ---------------------------------------------------------------------
    def translate(self, cs, ip, hot=None, max_nodes=MAX_NODES):
        """Translate the region entered at cs:ip; returns it (or None if nothing translates).
        ``hot``: linear addresses of instructions seen to run from there (a probe's), decoded
        before any other."""
        key = (cs << 16) | ip
        t0 = time.perf_counter()
        place = (cs, ip, self.is186, max_nodes, MAX_CALL_DEPTH)
        cached = self.cache.find(self.mem, place) if self.cache is not None else None
        if cached is not None:
            region = self._adopt(cs, ip, cached)
            self.cache_hits += 1
        else:
            # The code generator runs a few times a program: with the JIT held, PyPy does not
            # trace it (nor the regular expression engine under it) for nothing.
            hostjit.hold(self)
            try:
                if self.cache is not None:
                    log = regioncache.ReadLog(self.mem)
                    region = self._build(cs, ip, max_nodes, hot, log)
                    self.cache.add(place, log, region)
                else:
                    region = self._build(cs, ip, max_nodes, hot)
            finally:
                hostjit.release(self)
        if region is None:
            self.counts[key] = NEVER
            return None
        self.compile_seconds += time.perf_counter() - t0
        self.regions_translated += 1
        return region

    def _adopt(self, cs, ip0, cached):
        """A region of this machine from a cached translation (see regioncache)."""
        if cached.fn is None:
            return None
        region = Region(cs, ip0)
        self.serial += 1
        region.source = cached.source
        region.filename = cached.filename
        region.fn = cached.fn
        region.entries = {key: (cached.fn, pc, lp) for key, (pc, lp) in cached.entries.items()}
        region.lins = set(cached.lins)
        self._dump(region)
        self._install(region)
        return region

    def _dump(self, region):
        if self.dump_dir:
            try:
                os.makedirs(self.dump_dir, exist_ok=True)
                with open(os.path.join(self.dump_dir, "%s_%d.py" % (region.name, self.serial)), "w") as f:
                    f.write(region.source)
            except OSError:
                pass

    def _build(self, cs, ip0, max_nodes, hot=None, memory=None):
        """Decode the region reached from cs:ip0 (up to ``max_nodes`` instructions) and emit it."""
        dec = Decoder(self.mem if memory is None else memory, self.is186)
        nodes = self._decode_region(dec, cs, ip0, max_nodes, hot or ())
        if nodes[(cs, ip0, ())].ctl == "exit":
            return None
        return self._emit(cs, ip0, nodes)

    @staticmethod
    def _decode_region(dec, cs0, ip0, max_nodes, hot=()):
        """The nodes reached from cs0:ip0, by key (CS, IP, call context), depth first: those
        at a ``hot`` linear address before any other, so that the region's node budget goes
        to the paths seen to run (in FreeDOS's UNZIP, depth first alone spent it on a
        buffer refill's calls before the inflate loop's literal path)."""
        nodes = {}
        count = 0
        work = [(cs0, ip0, ())]
        cold = []
        while work or cold:
            key = work.pop() if work else cold.pop()
            if key in nodes:
                continue
            cs, ip, ctx = key
            if count >= max_nodes:
                node = Node(cs, ip, ctx)
                node.ctl = "exit"
            else:
                node = dec.decode(cs, ip, ctx, count)
                count += 1
            nodes[key] = node
            if node.ctl == "exit":
                continue
            succ = []
            if node.ctl == "op":
                succ.append((cs, node.next_ip, ctx))
            elif node.ctl in ("jcc", "loop"):
                succ.append((cs, node.next_ip, ctx))
                succ.append((cs, node.target, ctx))
            elif node.ctl == "jmp":
                succ.append((node.target_cs, node.target, ctx))
            elif node.ctl == "call":
                if len(ctx) < MAX_CALL_DEPTH:
                    succ.append((node.target_cs, node.target, ctx + ((cs, node.next_ip),)))
                else:
                    # not inlined deeper: its RET finds no static return address and exits
                    succ.append((node.target_cs, node.target, ctx))
            elif node.ctl == "ret":
                if node.ret_expect is not None:
                    succ.append(node.ret_expect + (ctx[:-1],))
            node.succ = succ
            for s in reversed(succ):
                if s not in nodes:
                    if not hot or (((s[0] << 4) + s[1]) & 0xFFFFF) in hot:
                        work.append(s)
                    else:
                        cold.append(s)
        return nodes

    def _emit(self, cs, ip0, nodes):
        # predecessors, to find basic block leaders
        preds = {}
        for node in nodes.values():
            for s in node.succ:
                preds[s] = preds.get(s, 0) + 1
        live_nodes = [n for n in nodes.values() if n.ctl != "exit"]
        live_nodes.sort(key=lambda n: n.key)
        entry_key = (cs, ip0, ())

        def is_leader(n):
            if n.key == entry_key or preds.get(n.key, 0) != 1:
                return True
            return False

        falls = {}
        for n in live_nodes:
            if n.ctl == "op":
                falls[n.key] = nodes[n.succ[0]]
        bbs = []
        in_bb = set()
        for n in live_nodes:
            if n.key in in_bb or not is_leader(n):
                continue
            bb = [n]
            in_bb.add(n.key)
            cur = n
            while cur.ctl == "op":
                nxt = falls[cur.key]
                if nxt.ctl == "exit" or is_leader(nxt) or nxt.key in in_bb:
                    break
                bb.append(nxt)
                in_bb.add(nxt.key)
                cur = nxt
            bbs.append(bb)
        # nodes reached only through a chain from a non-leader that was not placed: make them leaders
        for n in live_nodes:
            if n.key not in in_bb:
                bb = [n]
                in_bb.add(n.key)
                cur = n
                while cur.ctl == "op":
                    nxt = falls[cur.key]
                    if nxt.ctl == "exit" or is_leader(nxt) or nxt.key in in_bb:
                        break
                    bb.append(nxt)
                    in_bb.add(nxt.key)
                    cur = nxt
                bbs.append(bb)
        bbs = _entry_first_topological(bbs, nodes, entry_key)
        index = {bb[0].key: i for i, bb in enumerate(bbs)}

        def bb_succ(bb):
            return [s for s in bb[-1].succ if nodes[s].ctl != "exit"]

        def bb_has_end_exit(i, bb):
            last = bb[-1]
            if last.ctl in ("ret", "dyn"):
                return True
            for s in last.succ:
                if nodes[s].ctl == "exit" or index[s] <= i:
                    return True
            return False

        # static flag sources (forward within each basic block)
        for bb in bbs:
            last_writer = None
            for n in bb:
                if getattr(n, "incdec", False):
                    # where CF comes from: the writer before it in this block, or the locals
                    n.cf_code = None
                    n.cf_dynamic = False
                    if last_writer is None or (last_writer.fkind is None and not getattr(last_writer, "incdec", False)):
                        n.cf_code = "t_cf = _cf(fk, fl, fr, fm)"
                        n.cf_dynamic = True
                    elif not getattr(last_writer, "incdec", False):
                        n.cf_code = "t_cf = " + (_cond_static(1, last_writer.fkind) or "_cf(fk, fl, fr, fm)")
                        n.cf_dynamic = _cond_static(1, last_writer.fkind) is None
                if n.ctl == "jcc" or (n.ctl == "loop" and n.loop_kind < 2):
                    n.static_src = None
                    if last_writer is not None and last_writer.fkind is not None:
                        cc = n.cond[0] if n.ctl == "jcc" else 2
                        if _cond_static(cc, last_writer.fkind) is not None:
                            n.static_src = last_writer
                if n.fclass is not None:
                    last_writer = n
        # flag liveness (backward, fixed point over basic blocks)
        needs_in = [False] * len(bbs)
        live_out = [False] * len(bbs)
        needed = {}
        changed = True
        while changed:
            changed = False
            for i in range(len(bbs) - 1, -1, -1):
                bb = bbs[i]
                lo = any(needs_in[index[s]] for s in bb_succ(bb))
                live_out[i] = lo
                live = lo
                pend = bb_has_end_exit(i, bb)
                for n in reversed(bb):
                    if n.writes_mem and n.ctl == "op":
                        pend = True
                    if n.fclass is not None:
                        needed[n.key] = live
                        if getattr(n, "incdec", False):
                            reads = n.cf_dynamic
                        else:
                            reads = n.fclass == "main" or (n.fclass == "partial" and (live or pend))
                        live = reads
                        pend = False
                    if n.freads and n.static_src is None:
                        live = True
                ni = live or pend
                if ni != needs_in[i]:
                    needs_in[i] = ni
                    changed = True
        # longest forward path (instructions before the next budget check)
        lp = [0] * len(bbs)
        for i in range(len(bbs) - 1, -1, -1):
            best = 0
            for s in bb_succ(bbs[i]):
                j = index[s]
                if j > i:
                    best = max(best, lp[j])
            lp[i] = len(bbs[i]) + best

        region = Region(cs, ip0)
        self.serial += 1
        lines = []
        w = lines.append
        sreg_written = any(getattr(n, "sreg_write", False) for n in live_nodes)
        w("def %s(cpu, end, pc):" % region.name)
        w("    r = cpu.regs")
        w("    f = [cpu.lf_kind, cpu.lf_a, cpu.lf_b, cpu.lf_res, cpu.lf_mask, cpu.flags, cpu.icount]")
        w("    ic0 = f[IC]")
        w("    s = cpu.sregs")
        w("    es_b = s[0] << 4")
        w("    ss_b = s[2] << 4")
        w("    ds_b = s[3] << 4")
        w("    data = cpu.data")
        w("    kind = cpu.kind")
        w("    codemap = cpu.mem.codemap")
        w("    smc = False")
        temps_at = len(lines)
        w("    while True:")
        ind = " " * 12

        # In a region of more than HOP_BLOCKS basic blocks, every transfer goes through the
        # loop's head (see HOP_BLOCKS).
        hops = len(bbs) > HOP_BLOCKS
        # A region whose code lies in more than one code segment (far calls, jumps and
        # returns followed) stores CS at every exit: its entry points are in any of them.
        far_code = any(n.cs != cs for n in nodes.values())

        def exit_lines(ip_expr, add, deferred, cs_at=None, cs_expr=None):
            """Leave the region for the interpreter at ``ip_expr`` in code segment ``cs_at``
            (``cs_expr``: CS popped by a RETF)."""
            out = []
            if deferred is not None:
                out.extend(deferred.fcode)
            if add:
                out.append("ic += %d" % add)
            if cs_expr is not None:
                out.append("s[1] = %s" % cs_expr)
            elif far_code:
                out.append("s[1] = %d" % cs_at)
            out.append("cpu.ip = %s" % ip_expr)
            out.append("break")
            return out

        for i, bb in enumerate(bbs):
            head = bb[0]
            w("        if pc == %d:  # %04X:%04X%s" % (i, head.cs, head.ip, " ctx=" + ",".join(
                "%04X:%04X" % c for c in head.ctx) if head.ctx else ""))
            deferred = None
            for j, n in enumerate(bb):
                w(ind + "# %04X" % n.ip)
                icv = "ic + %d" % (j + 1)
                if getattr(n, "incdec", False) and n.cf_code:
                    w(ind + n.cf_code)
                for line in n.code:
                    w(ind + line.replace("@IC@", icv))
                if n.ctl == "jcc" or n.ctl == "loop":
                    pass
                elif n.fclass is not None and n.fclass != "main":
                    if needed.get(n.key):
                        for line in n.fcode:
                            w(ind + line)
                        deferred = None
                    else:
                        deferred = n
                elif n.fclass == "main":
                    deferred = None
                if n.writes_mem and n.ctl == "op":
                    w(ind + "if smc:")
                    for line in exit_lines("%d" % n.next_ip, j + 1, deferred, n.cs):
                        w(ind + "    " + line)
            last = bb[-1]
            nlen = len(bb)
            w(ind + "ic += %d" % nlen)

            def transfer(key, prefix):
                tgt = nodes[key]
                if tgt.ctl == "exit":
                    return [prefix + l for l in exit_lines("%d" % tgt.ip, 0, deferred, tgt.cs)]
                k = index[key]
                if k > i and not hops:
                    return [prefix + "pc = %d" % k]
                out = []
                if k <= i:
                    out += [prefix + "if ic + %d > end:" % lp[k]]
                    out += [prefix + "    " + l for l in exit_lines("%d" % tgt.ip, 0, deferred, tgt.cs)]
                out += [prefix + "@NO_TEMPS@", prefix + "pc = %d" % k, prefix + "continue"]
                return out

            if last.ctl == "op":
                for l in transfer(last.succ[0], ""):
                    w(ind + l)
            elif last.ctl in ("jmp", "call"):
                if last.ctl == "call" and last.writes_mem:
                    w(ind + "if smc:")
                    for line in exit_lines("%d" % last.target, 0, deferred, last.target_cs):
                        w(ind + "    " + line)
                for l in transfer(last.succ[0], ""):
                    w(ind + l)
            elif last.ctl == "jcc" or last.ctl == "loop":
                if last.ctl == "jcc":
                    cc, neg = last.cond
                    if last.static_src is not None:
                        cond = _cond_static(cc, last.static_src.fkind)
                    else:
                        cond = _cond_dynamic(cc)
                    if neg:
                        cond = "not (%s)" % cond
                else:
                    lk = last.loop_kind
                    if lk == 3:
                        cond = "cx == 0"
                    else:
                        w(ind + "cx = (cx - 1) & 0xFFFF")
                        if lk == 2:
                            cond = "cx"
                        else:
                            if last.static_src is not None:
                                z = _cond_static(2, last.static_src.fkind)
                            else:
                                z = _cond_dynamic(2)
                            cond = "cx and %s(%s)" % ("not " if lk == 0 else "", z)
                taken = (last.cs, last.target, last.ctx)
                fall = (last.cs, last.next_ip, last.ctx)
                w(ind + "if %s:" % cond)
                for l in transfer(taken, "    "):
                    w(ind + l)
                # after a taken forward jump, skip the fall-through code
                if nodes[taken].ctl != "exit" and index[taken] > i:
                    w(ind + "else:")
                    for l in transfer(fall, "    "):
                        w(ind + l)
                else:
                    for l in transfer(fall, ""):
                        w(ind + l)
            elif last.ctl == "ret":
                leave = exit_lines(last.dyn_ip, 0, deferred, last.cs, last.dyn_cs)
                if last.ret_expect is None:
                    for l in leave:
                        w(ind + l)
                else:
                    ret_cs, ret_ip = last.ret_expect
                    if last.far:
                        w(ind + "if %s != %d or %s != %d:" % (last.dyn_ip, ret_ip, last.dyn_cs, ret_cs))
                    else:
                        w(ind + "if %s != %d:" % (last.dyn_ip, ret_ip))
                    for l in leave:
                        w(ind + "    " + l)
                    for l in transfer(last.succ[0], ""):
                        w(ind + l)
            elif last.ctl == "dyn":
                for l in exit_lines(last.dyn_ip, 0, deferred, last.cs):
                    w(ind + l)
        # The first block of an inlined call is entered from the interpreter only after the
        # call itself. It holds the return address of this region's call site: entered from
        # another (a runtime helper is called from everywhere), it would run the callee and
        # leave at its return. Entered there, the region first reads the return address on
        # the stack, and leaves at once, having run nothing, if it is another. (The return
        # checks its address whatever happens here.)
        callers = {}
        for n in live_nodes:
            if n.ctl == "call" and not n.ctx and n.succ[0][2]:
                callers[n.succ[0]] = n
        call_entries = {}
        for k, bb in enumerate(bbs):
            caller = callers.get(bb[0].key)
            if caller is None:
                continue
            ret_cs, ret_ip = bb[0].ctx[-1]
            check = len(bbs) + len(call_entries)
            call_entries[k] = check
            w("        if pc == %d:  # %04X:%04X, if called from %04X:%04X" % (check, bb[0].cs, bb[0].ip, caller.cs, caller.ip))
            cond = "%s != %d" % (_stack_word("sp"), ret_ip)
            if caller.far:
                cond += " or %s != %d" % (_stack_word("((sp + 2) & 0xFFFF)"), ret_cs)
            w("            if %s:" % cond)
            w("                break")
            w("            pc = %d" % k)
            w("            continue")
        lines[temps_at:] = [_storage(line) for line in lines[temps_at:]]
        if sreg_written:
            w("    s[0] = es_b >> 4")
            w("    s[3] = ds_b >> 4")
        w("    cpu.lf_kind = f[FK]; cpu.lf_a = f[FA]; cpu.lf_b = f[FB]; cpu.lf_res = f[FR]; cpu.lf_mask = f[FM]")
        w("    cpu.flags = f[FL]")
        w("    cpu.icount = f[IC]")
        w("    return f[IC] - ic0")
        # The temporaries hold nothing from one basic block to the next, and are None at every
        # loop header: a value left in one would be carried to the header and boxed there.
        temps = sorted(set(re.findall(r"\bt_\w+", "\n".join(lines))))
        no_temps = " = ".join(temps) + " = None" if temps else "pass"
        lines = [line.replace("@NO_TEMPS@", no_temps) for line in lines]
        if temps:
            lines.insert(temps_at, "    " + no_temps)
        source = "\n".join(lines) + "\n"
        filename = "<pcemu block %04X:%04X #%d>" % (cs, ip0, self.serial)
        # A module of its own: under PyPy a module's globals are looked up at
        # trace time (a plain dict's would be a hash lookup per helper call),
        # and adding later blocks to other modules invalidates nothing here.
        module = types.ModuleType("pcemu_block_%d" % self.serial)
        module.__dict__.update(HELPERS)
        exec(compile(source, filename, "exec"), module.__dict__)
        fn = module.__dict__[region.name]
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        region.source = source
        region.filename = filename
        region.fn = fn
        self._dump(region)
        # entry points: every basic block start outside the inlined calls, and the first
        # block of each call made from there, through its check (above). A block further in
        # holds no more than the innermost return address: a runtime helper called from
        # elsewhere reached the return of its own inner call there, and left at its own.
        # Where a place has both, the block outside the calls is the entry.
        for i, bb in sorted(enumerate(bbs), key=lambda ib: len(ib[1][0].ctx)):
            key = (bb[0].cs << 16) | bb[0].ip
            if key in region.entries or (bb[0].ctx and i not in call_entries):
                continue
            region.entries[key] = (fn, call_entries.get(i, i), lp[i])
        for n in live_nodes:
            region.lins.update(n.lins)
        self._install(region)
        return region

    # -- the cache and invalidation -----------------------------------------------------------
    def _install(self, region):
        kind = self.mem.kind
        codemap = self.codemap
        for a in region.lins:
            if codemap[a] < 255:
                codemap[a] += 1
        for a in region.lins:
            region.pages.add(a >> 12)
        for p in region.pages:
            self.page_regions.setdefault(p, set()).add(region)
            if kind[p] == RAM:
                kind[p] = CODE
        for key, entry in region.entries.items():
            if key in self.probes:      # the region holds a place still on probe
                self._unprobe(key)
            if key not in self.blocks:
                self.blocks[key] = entry
                self.entry_region[key] = region
                self._count_entry(key, 1)

    def invalidate(self, region, counted=True):
        """Drop ``region`` (its bytes were overwritten, or see ``drop``)."""
        if not region.live:
            return
        region.live = False
        if counted:
            self.invalidations += 1
        codemap = self.codemap
        for a in region.lins:
            if 0 < codemap[a] < 255:
                codemap[a] -= 1
        owners = self.entry_region
        for key in region.entries:
            if owners.get(key) is region:
                del owners[key]
                del self.blocks[key]
                self._count_entry(key, -1)
                self.counts[key] = 0
        kind = self.mem.kind
        for p in region.pages:
            regions = self.page_regions.get(p)
            if regions is not None:
                regions.discard(region)
                if not regions:
                    del self.page_regions[p]
                    if kind[p] == CODE:
                        kind[p] = RAM

    def _count_entry(self, key, delta):
        page = ((((key >> 16) << 4) + (key & 0xFFFF)) & 0xFFFFF) >> 12
        self.entry_pages[page] += delta

    def code_written(self, addr):
        """Memory.write8 hook for CODE pages: True if translated bytes were overwritten."""
        page = addr >> 12
        regions = self.page_regions.get(page)
        if not regions:
            return False
        hit = [r for r in regions if addr in r.lins]
        if hit:
            for r in hit:
                self.invalidate(r)
            return True
        return False

    def force(self, cs, ip):
        """Translate at cs:ip now (tests); returns the region or None."""
        key = (cs << 16) | ip
        if key in self.probes:
            self._unprobe(key)
        if key in self.blocks:
            return self.entry_region.get(key)
        return self.translate(cs, ip)

    def stats(self):
        return {
            "regions": self.regions_translated,
            "compile_seconds": self.compile_seconds,
            "translated_insns": self.translated_insns,
            "invalidations": self.invalidations,
            "dropped": self.dropped,
            "cache_hits": self.cache_hits,
        }
