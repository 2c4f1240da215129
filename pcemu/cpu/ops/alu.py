"""The ALU: ADD OR ADC SBB AND SUB XOR CMP, INC/DEC flags, and the 00-3F opcode forms."""

from .flags import F_CF, K_ADD, K_LOGIC, K_SUB, get_cf


# Each takes (cpu, a, b, mask) and returns the masked result, recording flags.
def alu_add(cpu, a, b, m):
    r = a + b
    cpu.lf_kind = K_ADD
    cpu.lf_a = a
    cpu.lf_b = b
    cpu.lf_res = r
    cpu.lf_mask = m
    return r & m


def alu_adc(cpu, a, b, m):
    r = a + b + get_cf(cpu)
    cpu.lf_kind = K_ADD
    cpu.lf_a = a
    cpu.lf_b = b
    cpu.lf_res = r
    cpu.lf_mask = m
    return r & m


def alu_sub(cpu, a, b, m):
    r = a - b
    cpu.lf_kind = K_SUB
    cpu.lf_a = a
    cpu.lf_b = b
    cpu.lf_res = r
    cpu.lf_mask = m
    return r & m


def alu_sbb(cpu, a, b, m):
    r = a - b - get_cf(cpu)
    cpu.lf_kind = K_SUB
    cpu.lf_a = a
    cpu.lf_b = b
    cpu.lf_res = r
    cpu.lf_mask = m
    return r & m


def alu_and(cpu, a, b, m):
    r = a & b
    cpu.lf_kind = K_LOGIC
    cpu.lf_res = r
    cpu.lf_mask = m
    return r


def alu_or(cpu, a, b, m):
    r = a | b
    cpu.lf_kind = K_LOGIC
    cpu.lf_res = r
    cpu.lf_mask = m
    return r


def alu_xor(cpu, a, b, m):
    r = a ^ b
    cpu.lf_kind = K_LOGIC
    cpu.lf_res = r
    cpu.lf_mask = m
    return r


ALU = (alu_add, alu_or, alu_adc, alu_sbb, alu_and, alu_sub, alu_xor, alu_sub)
ALU_WRITES = (True, True, True, True, True, True, True, False)  # CMP only compares


def inc_dec_flags(cpu, a, r, m, kind):
    cpu.flags = (cpu.flags & ~F_CF) | get_cf(cpu)
    cpu.lf_kind = kind
    cpu.lf_a = a
    cpu.lf_b = 1
    cpu.lf_res = r
    cpu.lf_mask = m


# The six forms of each ALU operation (00-3F: op*8 + form), by operand forms.
# {f} is the ALU function; {w} prefixes the write-back lines (CMP: "if 0: ",
# so they become dead code).
ALU_FORM_TEMPLATES = (
    # eb_gb
    """
        def {name}(cpu):
            m = fetch8(cpu)
            r = cpu.regs
            if m >= 0xC0:
                i = m & 7
                v = {f}(cpu, get_r8(r, i), get_r8(r, (m >> 3) & 7), 0xFF)
                {w}set_r8(r, i, v)
            else:
                ea(cpu, m)
                a = (cpu.ea_seg + cpu.ea_off) & 0xFFFFF
                v = {f}(cpu, rb(cpu, a), get_r8(r, (m >> 3) & 7), 0xFF)
                {w}wb(cpu, a, v)
    """,
    # ew_gw
    """
        def {name}(cpu):
            m = fetch8(cpu)
            r = cpu.regs
            if m >= 0xC0:
                i = m & 7
                v = {f}(cpu, r[i], r[(m >> 3) & 7], 0xFFFF)
                {w}r[i] = v
            else:
                ea(cpu, m)
                v = {f}(cpu, rw(cpu, cpu.ea_seg, cpu.ea_off), r[(m >> 3) & 7], 0xFFFF)
                {w}ww(cpu, cpu.ea_seg, cpu.ea_off, v)
    """,
    # gb_eb
    """
        def {name}(cpu):
            m = fetch8(cpu)
            r = cpu.regs
            i = (m >> 3) & 7
            v = {f}(cpu, get_r8(r, i), rm_read8(cpu, m), 0xFF)
            {w}set_r8(r, i, v)
    """,
    # gw_ew
    """
        def {name}(cpu):
            m = fetch8(cpu)
            r = cpu.regs
            i = (m >> 3) & 7
            v = {f}(cpu, r[i], rm_read16(cpu, m), 0xFFFF)
            {w}r[i] = v
    """,
    # al_ib
    """
        def {name}(cpu):
            r = cpu.regs
            v = {f}(cpu, r[AX] & 0xFF, fetch8(cpu), 0xFF)
            {w}r[AX] = (r[AX] & 0xFF00) | v
    """,
    # ax_iw
    """
        def {name}(cpu):
            r = cpu.regs
            v = {f}(cpu, r[AX], fetch16(cpu), 0xFFFF)
            {w}r[AX] = v
    """,
)
