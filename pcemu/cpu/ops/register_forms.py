"""One-byte register forms: INC/DEC/PUSH/POP/XCHG/MOV imm on a register (40-5F, 90-BF), PUSH/POP sreg.

Templates for pcemu.cpu.ops.generate: ``{i}`` is the register number
(``{j}`` the word register holding a high byte register), ``{s}`` a
segment register number, written in as literals.
"""

INC16 = """
    def {name}(cpu):
        r = cpu.regs
        a = r[{i}]
        r[{i}] = (a + 1) & 0xFFFF
        inc_dec_flags(cpu, a, a + 1, 0xFFFF, K_INC)
"""

DEC16 = """
    def {name}(cpu):
        r = cpu.regs
        a = r[{i}]
        r[{i}] = (a - 1) & 0xFFFF
        inc_dec_flags(cpu, a, a - 1, 0xFFFF, K_DEC)
"""

# PUSH SP stores the decremented SP on the 8086 and 80186
PUSH16 = """
    def {name}(cpu):
        r = cpu.regs
        sp = (r[SP] - 2) & 0xFFFF
        r[SP] = sp
        ww(cpu, cpu.sregs[SS] << 4, sp, r[{i}])
"""

POP16 = """
    def {name}(cpu):
        r = cpu.regs
        sp = r[SP]
        v = rw(cpu, cpu.sregs[SS] << 4, sp)
        r[SP] = (sp + 2) & 0xFFFF
        r[{i}] = v
"""

XCHG_AX = """
    def {name}(cpu):
        r = cpu.regs
        r[AX], r[{i}] = r[{i}], r[AX]
"""

MOV_R8_LOW_IMM = """
    def {name}(cpu):
        r = cpu.regs
        r[{i}] = (r[{i}] & 0xFF00) | fetch8(cpu)
"""

MOV_R8_HIGH_IMM = """
    def {name}(cpu):
        r = cpu.regs
        r[{j}] = (r[{j}] & 0xFF) | (fetch8(cpu) << 8)
"""

MOV_R16_IMM = """
    def {name}(cpu):
        cpu.regs[{i}] = fetch16(cpu)
"""

PUSH_SREG = """
    def {name}(cpu):
        push(cpu, cpu.sregs[{s}])
"""

POP_SREG = """
    def {name}(cpu):
        cpu.sregs[{s}] = pop(cpu)
"""

# POP SS holds off interrupts until after the next instruction
POP_SS = """
    def {name}(cpu):
        cpu.sregs[SS] = pop(cpu)
        cpu.set_shadow()
"""


def op_nop(cpu):
    """90: XCHG AX,AX."""
