"""Control transfers: conditions, Jcc, JMP, CALL, RET, LOOP, INT, IRET."""

from pcemu import hostjit

from .flags import FLAGS_STORED, K_NONE, flag_bits, get_cf, get_of, get_pf, get_sf, get_zf
from .interrupts import interrupt
from .memory import fetch16, fetch8, fetch_s8, pop, push
from .registers import CS, CX, SP


def _conditions_met():
    """For each Jcc (by the low four bits of its opcode: O NO B NB Z NZ BE A S NS P NP L GE
    LE G), the set of ``flag_bits`` values (0-31) that make it jump, as a 32-bit mask."""
    masks = []
    for cc in range(16):
        mask = 0
        for bits in range(32):
            cf, zf, sf, of, pf = [(bits >> i) & 1 for i in range(5)]
            test = (of, cf, zf, cf | zf, sf, pf, sf ^ of, zf | (sf ^ of))[cc >> 1]
            if test ^ (cc & 1):
                mask |= 1 << bits
        masks.append(mask)
    return tuple(masks)


JCC_MET = _conditions_met()


def jcc_traced(cpu):
    """Jcc rel8 (70-7F; on the 8086 also 60-6F), the condition by the opcode's low four bits.
    One handler and one path for all sixteen, whichever way each goes: the condition is looked
    up in JCC_MET by the flags as bits, and the jump taken by arithmetic on IP. The run loops
    (CPU.run, Translator.run) run it without calling the dispatch tree (see run_jcc)."""
    op = cpu.data[(cpu.csb + ((cpu.ip - 1) & 0xFFFF)) & 0xFFFFF]
    d = fetch_s8(cpu)
    cpu.ip = (cpu.ip + d * ((JCC_MET[op & 15] >> flag_bits(cpu)) & 1)) & 0xFFFF


# Without a JIT (CPython) each function call is what costs: reading all five flags for every
# Jcc made a FreeDOS boot 10% slower there. So Jcc reads only the flags its condition needs,
# through a function per condition (O B Z BE S P L LE; the odd opcodes negate).
def _c_o(cpu):
    return get_of(cpu)


def _c_be(cpu):
    return get_cf(cpu) | get_zf(cpu)


def _c_l(cpu):
    return get_sf(cpu) ^ get_of(cpu)


def _c_le(cpu):
    return get_zf(cpu) | (get_sf(cpu) ^ get_of(cpu))


JCC_CONDITIONS = (_c_o, get_cf, get_zf, _c_be, get_sf, get_pf, _c_l, _c_le)


def jcc_untraced(cpu):
    """Jcc as ``jcc_traced``, for an interpreter without a JIT."""
    op = cpu.data[(cpu.csb + ((cpu.ip - 1) & 0xFFFF)) & 0xFFFFF]
    d = fetch_s8(cpu)
    if JCC_CONDITIONS[(op >> 1) & 7](cpu) ^ (op & 1):
        cpu.ip = (cpu.ip + d) & 0xFFFF


op_jcc = jcc_traced if hostjit.pypyjit is not None else jcc_untraced

# CPython's tables hold a Jcc handler per opcode (pcemu.cpu.ops.tables.by_opcode_without_jit):
# the condition named, no opcode read back.
JCC_TEMPLATE = """
    def {name}(cpu):
        d = fetch_s8(cpu)
        if {negate}{condition}(cpu):
            cpu.ip = (cpu.ip + d) & 0xFFFF
"""


def run_jcc(cpu, ip, csb):
    """Execute the Jcc at CS:IP (CS << 4 = ``csb``) as CPU._exec_one would, without the call
    into the dispatch tree: the run loops test the opcode byte for 70-7F first. A fifth of a
    FreeDOS boot's instructions are Jcc, and a call into code compiled apart costs about as
    much as a simple instruction (a frame and a jitframe). Under PyPy only (``jcc_in_loop``
    in the loops): without a JIT there is no such call, and the test on every instruction
    would only add to the table dispatch."""
    cpu.ip = (ip + 1) & 0xFFFF
    cpu.icount += 1
    cpu.csb = csb
    op_jcc(cpu)


def op_jmp_short(cpu):
    d = fetch_s8(cpu)
    cpu.ip = (cpu.ip + d) & 0xFFFF


def op_jmp_near(cpu):
    d = fetch16(cpu)
    cpu.ip = (cpu.ip + d) & 0xFFFF


def op_jmp_far(cpu):
    ip = fetch16(cpu)
    cs = fetch16(cpu)
    cpu.ip = ip
    cpu.sregs[CS] = cs


def op_call_near(cpu):
    d = fetch16(cpu)
    push(cpu, cpu.ip)
    cpu.ip = (cpu.ip + d) & 0xFFFF


def op_call_far(cpu):
    ip = fetch16(cpu)
    cs = fetch16(cpu)
    push(cpu, cpu.sregs[CS])
    push(cpu, cpu.ip)
    cpu.ip = ip
    cpu.sregs[CS] = cs


def op_ret_imm(cpu):
    n = fetch16(cpu)
    cpu.ip = pop(cpu)
    r = cpu.regs
    r[SP] = (r[SP] + n) & 0xFFFF


def op_ret(cpu):
    cpu.ip = pop(cpu)


def op_retf_imm(cpu):
    n = fetch16(cpu)
    cpu.ip = pop(cpu)
    cpu.sregs[CS] = pop(cpu)
    r = cpu.regs
    r[SP] = (r[SP] + n) & 0xFFFF


def op_retf(cpu):
    cpu.ip = pop(cpu)
    cpu.sregs[CS] = pop(cpu)


def op_loopnz(cpu):
    d = fetch_s8(cpu)
    r = cpu.regs
    c = (r[CX] - 1) & 0xFFFF
    r[CX] = c
    if c and not get_zf(cpu):
        cpu.ip = (cpu.ip + d) & 0xFFFF


def op_loopz(cpu):
    d = fetch_s8(cpu)
    r = cpu.regs
    c = (r[CX] - 1) & 0xFFFF
    r[CX] = c
    if c and get_zf(cpu):
        cpu.ip = (cpu.ip + d) & 0xFFFF


def op_loop(cpu):
    d = fetch_s8(cpu)
    r = cpu.regs
    c = (r[CX] - 1) & 0xFFFF
    r[CX] = c
    if c:
        cpu.ip = (cpu.ip + d) & 0xFFFF


def op_jcxz(cpu):
    d = fetch_s8(cpu)
    if cpu.regs[CX] == 0:
        cpu.ip = (cpu.ip + d) & 0xFFFF


def op_int3(cpu):
    interrupt(cpu, 3, cpu.ip)


def op_int(cpu):
    n = fetch8(cpu)
    interrupt(cpu, n, cpu.ip)


def op_into(cpu):
    if get_of(cpu):
        interrupt(cpu, 4, cpu.ip)


def op_iret(cpu):
    cpu.ip = pop(cpu)
    cpu.sregs[CS] = pop(cpu)
    cpu.flags = pop(cpu) & FLAGS_STORED
    cpu.lf_kind = K_NONE
    cpu.update_pending()
