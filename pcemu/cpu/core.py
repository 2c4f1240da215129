"""The 8086 / 80186 CPU: registers, the run loop, interrupts, trap, NMI, HLT.

The instruction handlers live in ``pcemu.cpu.ops``; this module holds the
state they work on and the loops that drive them.

* ``run()`` is the hot loop: one attribute test per instruction
  (``pending``) guards everything rare - an IRQ the CPU may take, a latched
  NMI, the trap flag, the one-instruction interrupt shadow after MOV SS /
  POP SS / STI, HLT, and a stop request from a device handler.
* ``run_traced()`` is the same loop with a callback before every
  instruction, kept separate so tracing costs ``run()`` nothing.
* The CPU sees memory only through ``mem.data`` / ``mem.kind`` (RAM fast
  path) and ``mem.read8``/``write8``, ports through ``io.in8/out8/in16/out16``
  and interrupts through ``set_intr`` plus ``intc.acknowledge()``.
  Instruction bytes are fetched from ``mem.data`` directly (code never
  runs from MMIO pages on a PC).
* ``icount`` counts an instruction as it starts, so a port or MMIO handler
  sees it exact. A REP string instruction works in chunks of ops.CHUNK
  elements; each chunk counts as one instruction.
"""

from pcemu import hostjit, state
from pcemu.cpu import ops
from pcemu.cpu.dispatch import dispatcher, lookup_dispatcher
from pcemu.cpu.ops import F_IF, F_TF, FLAGS_FIXED, FLAGS_STORED, K_NONE, compute_flags, interrupt
from pcemu.cpu.ops.control import run_jcc

MODELS = ("8086", "80186")

_REG_NAMES = ("AX", "CX", "DX", "BX", "SP", "BP", "SI", "DI")
_SREG_NAMES = ("ES", "CS", "SS", "DS")
_FLAG_LETTERS = ((0x800, "O"), (0x400, "D"), (0x200, "I"), (0x100, "T"), (0x80, "S"),
                 (0x40, "Z"), (0x10, "A"), (0x04, "P"), (0x01, "C"))


class CPU:
    STATE = state.Description("CPU", fields=[
        state.Int("icount"),
        state.IntList("regs", 8), state.IntList("sregs", 4),
        state.Int("ip"), state.Int("insn_ip"), state.Int("flags"),
        state.Int("lf_kind"), state.Int("lf_a"), state.Int("lf_b"), state.Int("lf_res"), state.Int("lf_mask"),
        state.Int("ovr"), state.Int("rep"), state.Int("ea_seg"), state.Int("ea_off"), state.Int("csb"),
        state.Bool("intr"), state.Bool("nmi_latched"), state.Bool("stop_req"), state.Bool("shadow"),
        state.Bool("halted"), state.Int("resume_prefix_ip"), state.Int("resume_prefix_icount"),
    ], post_load="update_pending", wiring=["model", "is186", "table", "dispatch", "dispatch_traced", "dispatch_lookup",
                                        "mem", "io", "data", "kind",
                                        "intc", "pending", "translator"])

    def __init__(self, mem, io, model="80186"):
        if model not in MODELS:
            raise ValueError("unknown CPU model %r (choose 8086 or 80186)" % (model,))
        self.model = model
        self.is186 = model == "80186"
        self.set_table(ops.TABLE_80186 if self.is186 else ops.TABLE_8086)
        self.mem = mem
        self.io = io
        self.data = mem.data
        self.kind = mem.kind
        self.intc = None
        self.icount = 0
        self.regs = [0] * 8
        self.sregs = [0] * 4
        self.ip = 0
        self.insn_ip = 0
        self.flags = 0
        # lazy flags (see ops.compute_flags)
        self.lf_kind = K_NONE
        self.lf_a = 0
        self.lf_b = 0
        self.lf_res = 0
        self.lf_mask = 0xFF
        # decoder state for the instruction in progress
        self.ovr = -1
        self.rep = 0
        self.ea_seg = 0
        self.ea_off = 0
        self.csb = 0  # CS << 4 for the instruction being executed
        # an unfinished prefixed string instruction: its last prefix, and its icount
        self.resume_prefix_ip = 0
        self.resume_prefix_icount = -1
        # boundary conditions
        self.intr = False
        self.nmi_latched = False
        self.stop_req = False
        self.shadow = False
        self.halted = False
        self.pending = False
        # the translating tier (pcemu.cpu.translate), when enabled
        self.translator = None
        self.reset()

    # -- state -------------------------------------------------------------------
    def reset(self):
        self.regs[:] = [0] * 8
        self.sregs[:] = [0, 0xFFFF, 0, 0]
        self.ip = 0
        self.insn_ip = 0
        self.flags = 0
        self.lf_kind = K_NONE
        self.ovr = -1
        self.rep = 0
        self.nmi_latched = False
        self.stop_req = False
        self.shadow = False
        self.halted = False
        self.update_pending()

    def get_flags(self):
        return compute_flags(self) | FLAGS_FIXED

    def set_flags(self, value):
        self.flags = value & FLAGS_STORED
        self.lf_kind = K_NONE
        self.update_pending()

    def update_pending(self):
        """Recompute the one flag the hot loop tests before every instruction."""
        f = self.flags
        self.pending = bool(self.stop_req or self.nmi_latched or self.halted or self.shadow
                            or (f & F_TF) or (self.intr and (f & F_IF)))

    def set_shadow(self):
        """Hold off interrupts (and the trap) until after the next instruction."""
        self.shadow = True
        self.pending = True

    # -- inputs from the machine ----------------------------------------------------
    def set_intr(self, level):
        self.intr = bool(level)
        self.update_pending()

    def nmi(self):
        self.nmi_latched = True
        self.pending = True

    def request_stop(self):
        self.stop_req = True
        self.pending = True

    # -- execution ---------------------------------------------------------------------
    def _exec_next(self):
        """Execute the instruction at CS:IP."""
        self.insn_ip = self.ip
        self._exec_one()

    def _exec_one(self):
        """Execute the opcode at CS:IP as part of the instruction that starts at ``insn_ip``:
        callers set ``insn_ip = ip`` first, except a prefix's handler (ops.prefixes), whose
        instruction started at the prefix. PyPy inlines this prologue into its callers and
        calls the dispatch tree, compiled on its own (pcemu.hostjit)."""
        ip = self.ip
        self.ip = (ip + 1) & 0xFFFF
        self.icount += 1
        csb = self.sregs[1] << 4
        self.csb = csb
        self.dispatch(self, self.data[(csb + ip) & 0xFFFFF])

    def _exec_one_by_table(self):
        """``_exec_one`` without a JIT (CPython, see set_table): the handler indexed in the
        table and called, one call per instruction (through ``dispatch`` a boot took 3.1 s of
        CPU, against 2.4 s before the dispatch tree)."""
        ip = self.ip
        self.ip = (ip + 1) & 0xFFFF
        self.icount += 1
        csb = self.sregs[1] << 4
        self.csb = csb
        self.table[self.data[(csb + ip) & 0xFFFFF]](self)

    def set_table(self, table):
        """Run every opcode through ``table`` (256 handlers taking the CPU) from now on."""
        self.table = table
        if hostjit.pypyjit is None:
            self._exec_one = self._exec_one_by_table
        name = {id(ops.TABLE_8086): "8086", id(ops.TABLE_80186): "80186"}.get(id(table), "custom")
        self.dispatch_traced = hostjit.compile_apart(dispatcher(table, "dispatch_" + name))
        self.dispatch_lookup = lookup_dispatcher(table)
        self.dispatch_for_jit(True)

    def dispatch_for_jit(self, traced):
        """Dispatch through the decision tree (``traced``: what PyPy's traces want) or by
        indexing the table (cheaper while the JIT is held off and every instruction is
        interpreted; see pcemu.hostjit). Without a JIT (CPython) always by indexing: the
        tree is eight comparisons where the table is one lookup."""
        tree = traced and hostjit.pypyjit is not None
        self.dispatch = self.dispatch_traced if tree else self.dispatch_lookup

    def _boundary(self, stepping=False):
        """The rare work between instructions.

        Returns 0 to go on and execute the next instruction normally, 1 if an
        instruction was executed here (shadow or trap), 2 to end run().
        """
        if self.stop_req and not stepping:
            self.stop_req = False
            self.update_pending()
            return 2
        if self.shadow:
            self.shadow = False
            self.update_pending()
            if self.halted:
                return 2
            self._exec_next()
            return 1
        if self.nmi_latched:
            self.nmi_latched = False
            self.halted = False
            interrupt(self, 2, self.ip)
        elif self.intr and (self.flags & F_IF) and self.intc is not None:
            vector = self.intc.acknowledge()
            if vector is not None:  # None: the request went away before INTA
                self.halted = False
                interrupt(self, vector & 0xFF, self.ip)
        if self.halted:
            return 2
        if self.flags & F_TF:
            self._exec_next()
            if not self.halted:
                interrupt(self, 1, self.ip)
            return 1
        self.update_pending()
        return 0

    def step(self):
        """Execute one instruction (taking a pending interrupt first, as the chip does)."""
        if self.pending:
            if self._boundary(stepping=True):
                return
        self._exec_next()

    def enable_translation(self, dump_dir=None):
        """Turn on the translating tier: run() then runs hot code as compiled Python.

        step() and run_traced() (single-step, --trace, debuggers) always
        interpret; so does run() while the trap flag is set. Anything that
        must see every instruction (breakpoints, hooks) must run through
        run_traced(): translated code runs whole loops per call.
        """
        if self.translator is None:
            from pcemu.cpu.translate import Translator

            self.translator = Translator(self, dump_dir=dump_dir)
        return self.translator

    def run(self, max_insns):
        """Run up to ``max_insns`` instructions; returns how many ran.

        Returns early when the CPU halts with nothing able to wake it inside
        this call, or after request_stop().
        """
        if self.translator is not None:
            return self.translator.run(max_insns)
        start = self.icount
        end = start + max_insns
        exec_one = self._exec_one
        sregs = self.sregs
        data = self.data
        jcc_in_loop = hostjit.pypyjit is not None    # see ops.control.run_jcc
        while True:
            if self.pending:
                r = self._boundary()
                if r == 2:
                    break
                if r == 1:
                    if self.icount >= end:
                        break
                    continue
            # One instruction per pass, through a call PyPy does not inline
            # (the dispatch tree, pcemu.hostjit): each instruction's path through
            # it is compiled once, in the tree's own traces, and shared by every
            # place that instruction occurs. Unrolling made traces of
            # instruction *sequences*, so cold code (a boot, a DOS command)
            # kept compiling new ones: 2-3x slower there, for no gain in
            # the loops the translating tier takes over anyway.
            if self.icount >= end:
                break
            ip = self.ip
            self.insn_ip = ip
            if jcc_in_loop:
                csb = sregs[1] << 4
                if data[(csb + ip) & 0xFFFFF] >> 4 == 7:
                    run_jcc(self, ip, csb)     # Jcc without the call (see ops.control.run_jcc)
                    continue
            exec_one()
        return self.icount - start

    def run_traced(self, max_insns, trace):
        """Like run(), calling ``trace(cpu)`` before each instruction."""
        start = self.icount
        end = start + max_insns
        while self.icount < end:
            if self.pending:
                if self.stop_req:
                    self.stop_req = False
                    self.update_pending()
                    break
                if self.halted and not (self.nmi_latched or (self.intr and self.flags & F_IF)):
                    break
                if not self.shadow and not (self.flags & F_TF):
                    r = self._boundary()
                    if r == 2:
                        break
                    if r == 1:
                        continue
            trace(self)
            before = self.icount
            self.step()
            if self.icount == before and self.halted:
                break
        return self.icount - start

    # -- debugging -----------------------------------------------------------------------
    def dump(self):
        r = self.regs
        s = self.sregs
        f = self.get_flags()
        letters = "".join(ch if f & bit else "-" for bit, ch in _FLAG_LETTERS)
        lin = ((s[1] << 4) + self.ip) & 0xFFFFF
        code = " ".join("%02X" % self.mem.read8(lin + i) for i in range(8))
        lines = [
            "  ".join("%s=%04X" % (n, r[i]) for i, n in enumerate(_REG_NAMES)),
            "  ".join("%s=%04X" % (n, s[i]) for i, n in enumerate(_SREG_NAMES))
            + "  IP=%04X  FLAGS=%04X %s" % (self.ip, f, letters)
            + ("  HALTED" if self.halted else ""),
            "%04X:%04X  %s" % (s[1], self.ip, code),
        ]
        return "\n".join(lines)
