"""Prefixes: segment overrides, REP/REPE/REPNE, LOCK, and runs of them."""

from .registers import CS, DS, ES, SS


# --- prefixes ------------------------------------------------------------------
# A prefix handler consumes the whole run of prefixes in a loop (a guest may put
# thousands in a row) and then runs the instruction they belong to: the chip
# takes no interrupt inside the run, so it is one instruction. The last segment
# override and the last REP form win.
#
# The 8086 remembers only the last prefix for an interrupted string
# instruction: the return address it pushes is that prefix's, so
# `ES: REP MOVSB` interrupted mid-string resumes as `REP MOVSB`. While a string
# instruction is unfinished (IP back at its first prefix, so it resumes whole
# when no interrupt comes), the CPU notes where its last prefix is and for which
# instruction (icount); interrupt() pushes that address instead on the 8086.
#
# A run of prefixes that fills the whole code segment never reaches an
# instruction and no interrupt can end it: PrefixLockup, a dead guest.

PREFIX_OVERRIDE = {0x26: ES, 0x2E: CS, 0x36: SS, 0x3E: DS}
PREFIX_REP = {0xF3: 1, 0xF2: 2}
STRING_OPCODES = frozenset([0x6C, 0x6D, 0x6E, 0x6F, 0xA4, 0xA5, 0xA6, 0xA7,
                            0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF])
PREFIX_LOCK = (0xF0, 0xF1)   # F1 is a second LOCK on the 8086 only
PREFIX_FLAGS_8086 = tuple(b in PREFIX_OVERRIDE or b in PREFIX_REP or b in PREFIX_LOCK for b in range(256))
PREFIX_FLAGS_80186 = tuple(f and b != 0xF1 for b, f in enumerate(PREFIX_FLAGS_8086))
PREFIX_RUN_LIMIT = 0x10000  # a longer run has wrapped through the whole segment


class PrefixLockup(Exception):
    """The CPU is caught in a run of prefixes covering its whole code segment."""


def _prefix_run(cpu):
    """The byte at CS:IP is a prefix after the first one: consume the rest of the run, leaving
    IP at the opcode; returns the opcode. Kept out of the handlers so a single prefix (the
    common case) runs no loop."""
    is_prefix = PREFIX_FLAGS_80186 if cpu.is186 else PREFIX_FLAGS_8086
    data = cpu.data
    count = 1
    op = data[(cpu.csb + cpu.ip) & 0xFFFFF]
    while is_prefix[op]:
        s = PREFIX_OVERRIDE.get(op, -1)
        if s >= 0:
            cpu.ovr = s
        else:
            cpu.rep = PREFIX_REP.get(op, cpu.rep)  # LOCK changes nothing here
        count += 1
        if count > PREFIX_RUN_LIMIT:
            cpu.ovr = -1
            cpu.rep = 0
            cpu.ip = cpu.insn_ip
            raise PrefixLockup("endless run of prefixes: the whole code segment %04X is prefix bytes"
                               % cpu.sregs[CS])
        cpu.ip = (cpu.ip + 1) & 0xFFFF
        op = data[(cpu.csb + cpu.ip) & 0xFFFFF]
    return op


def _note_unfinished(cpu, op, last_prefix_ip):
    if op in STRING_OPCODES:
        cpu.resume_prefix_ip = last_prefix_ip
        cpu.resume_prefix_icount = cpu.icount


# A prefix byte's handler; {first} records this prefix (cpu.ovr = segment
# register, cpu.rep = 1 for REP/REPE, 2 for REPNE; nothing for LOCK).
# The instruction after the prefixes runs through CPU._exec_one again, the
# function every interpreted instruction runs through: under PyPy its
# compiled paths serve the prefixed forms too (the handler's paths that
# depend on a prefix, such as an overridden segment in ``ea``, branch
# there), where a dispatch of its own would have compiled every instruction
# a second time for its prefixed form. It continues the instruction that
# started at the first prefix (``insn_ip`` stays there) and counts it once.
PREFIX = """
    def {name}(cpu):
        {first}
        op = cpu.data[(cpu.csb + cpu.ip) & 0xFFFFF]
        if (PREFIX_FLAGS_80186 if cpu.is186 else PREFIX_FLAGS_8086)[op]:
            op = _prefix_run(cpu)
        last_prefix_ip = (cpu.ip - 1) & 0xFFFF
        cpu.icount -= 1
        cpu._exec_one()
        if cpu.rep:
            if cpu.ip == cpu.insn_ip:
                _note_unfinished(cpu, op, last_prefix_ip)
            cpu.rep = 0
        cpu.ovr = -1
"""
