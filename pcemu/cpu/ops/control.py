"""Control transfers: conditions, Jcc, JMP, CALL, RET, LOOP, INT, IRET."""

from .flags import FLAGS_STORED, K_NONE, get_cf, get_of, get_pf, get_sf, get_zf
from .interrupts import interrupt
from .memory import fetch16, fetch8, fetch_s8, pop, push
from .registers import CS, CX, SP


def c_o(cpu):
    return get_of(cpu)


def c_b(cpu):
    return get_cf(cpu) != 0


def c_z(cpu):
    return get_zf(cpu)


def c_be(cpu):
    return get_cf(cpu) | get_zf(cpu)


def c_s(cpu):
    return get_sf(cpu)


def c_p(cpu):
    return get_pf(cpu)


def c_l(cpu):
    return get_sf(cpu) != get_of(cpu)


def c_le(cpu):
    return get_zf(cpu) or get_sf(cpu) != get_of(cpu)


CONDITIONS = (c_o, c_b, c_z, c_be, c_s, c_p, c_l, c_le)


# Jcc (70-7F; on the 8086 also 60-6F): {cond} is the condition's function,
# {neg} "not " for the odd opcodes
JCC = """
    def {name}(cpu):
        d = fetch_s8(cpu)
        if {neg}{cond}(cpu):
            cpu.ip = (cpu.ip + d) & 0xFFFF
"""


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
