"""One-byte register forms: INC/DEC/PUSH/POP/XCHG/MOV imm on a register (40-5F, 90-BF), PUSH/POP sreg.

Templates for pcemu.cpu.ops.generate. Each row of eight register forms
(INC r16 40-47, DEC 48-4F, PUSH 50-57, POP 58-5F, XCHG AX 91-97, MOV r8
B0-B7, MOV r16 B8-BF) is one handler that takes the register from the
low bits of its opcode byte (``REG_OF_OPCODE``, the byte just before IP):
under PyPy every handler an instruction reaches is a compiled path of its
own (a bridge of the dispatch tree's traces), and a cold boot pays for each one it
meets, while indexing ``cpu.regs`` by a computed number costs a traced
path nothing. FreeDOS's boot met 42 handlers of these rows, now 7.
``{s}`` is a segment register number, written in as a literal.
"""

# the low three bits of the opcode byte (IP is just past it; prefixes come before it)
REG_OF_OPCODE = "cpu.data[(cpu.csb + ((cpu.ip - 1) & 0xFFFF)) & 0xFFFFF] & 7"

INC16 = """
    def {name}(cpu):
        i = {reg}
        r = cpu.regs
        a = r[i]
        r[i] = (a + 1) & 0xFFFF
        inc_dec_flags(cpu, a, a + 1, 0xFFFF, K_INC)
"""

DEC16 = """
    def {name}(cpu):
        i = {reg}
        r = cpu.regs
        a = r[i]
        r[i] = (a - 1) & 0xFFFF
        inc_dec_flags(cpu, a, a - 1, 0xFFFF, K_DEC)
"""

# PUSH SP stores the decremented SP on the 8086 and 80186
PUSH16 = """
    def {name}(cpu):
        i = {reg}
        r = cpu.regs
        sp = (r[SP] - 2) & 0xFFFF
        r[SP] = sp
        ww(cpu, cpu.sregs[SS] << 4, sp, r[i])
"""

POP16 = """
    def {name}(cpu):
        i = {reg}
        r = cpu.regs
        sp = r[SP]
        v = rw(cpu, cpu.sregs[SS] << 4, sp)
        r[SP] = (sp + 2) & 0xFFFF
        r[i] = v
"""

XCHG_AX = """
    def {name}(cpu):
        i = {reg}
        r = cpu.regs
        r[AX], r[i] = r[i], r[AX]
"""

# B0-B3 AL CL DL BL, B4-B7 AH CH DH BH: the low or high byte of word register (op & 3)
MOV_R8_IMM = """
    def {name}(cpu):
        i = {reg}
        shift = (i & 4) << 1
        r = cpu.regs
        w = i & 3
        r[w] = (r[w] & (0xFF00 >> shift)) | (fetch8(cpu) << shift)
"""

MOV_R16_IMM = """
    def {name}(cpu):
        i = {reg}
        cpu.regs[i] = fetch16(cpu)
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
