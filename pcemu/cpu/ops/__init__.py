"""Intel 8086 / 80186 instruction set: every opcode as a handler ``h(cpu)``.

Covers the full 8086 opcode map (including the undocumented forms the
8086 executes: 60-6F as Jcc, C0/C1/C8/C9 as RET/RETF, D6 SALC, 0F POP CS,
F6/F7 /1 as TEST, D0-D3 /6 SETMO, the REP-prefixed IDIV/IMUL sign flip) and
the 80186 additions (PUSHA/POPA, BOUND, PUSH imm, IMUL imm, INS/OUTS,
ENTER/LEAVE, shifts by immediate, 5-bit shift counts, INT 6 on unused
opcodes). pcemu.cpu.opcodes describes the same opcode map for the
disassembler and the translating tier; tests hold the two in step.

Design, for PyPy's tracing JIT:

* ``TABLE_8086`` / ``TABLE_80186`` (``tables``) are module-level tuples of
  256 plain functions taking the CPU. Group opcodes dispatch again through
  module-level tuples indexed by the ModRM reg field.
* Handler families are specialised from source templates with their
  constants written in (``generate``), never closures.
* ModRM addressing uses precomputed per-byte tables (``modrm``).
* Flags are lazy (``flags``).
* Registers are named by module constants (``regs[SP]``), which PyPy folds.

The modules, one per section of the instruction set:

  registers       register numbers AX..DI, ES..DS; byte registers
  flags           lazy flags, FLAGS bits
  memory          RAM/MMIO access, code fetch, PUSH/POP
  modrm           effective addresses, r/m operands
  interrupts      entering an interrupt; INT 0 and INT 6 from the CPU
  alu             ADD..CMP: the 00-3D forms in one handler
  prefixes        segment overrides, REP, LOCK
  bcd             DAA DAS AAA AAS AAM AAD SALC
  register_forms  INC/DEC/PUSH/POP/XCHG/MOV imm on one register, PUSH/POP sreg
  control         Jcc JMP CALL RET LOOP INT IRET
  moves           MOV forms, LEA, LDS/LES, XCHG, TEST, XLAT, CBW/CWD, flag transfers
  flag_ops        CMC CLC STC CLI STI CLD STD HLT
  ports           IN, OUT
  strings         MOVS CMPS STOS LODS SCAS INS OUTS, REP
  shifts          group 2
  muldiv          group 3
  groups          groups 1, 4, 5; coprocessor escapes
  additions_186   the 80186's new instructions
  generate        the one way of specialising handlers from templates
  tables          the two tables of 256 handlers
"""

from .flags import (ARITH, F_AF, F_CF, F_DF, F_IF, F_OF, F_PF, F_SF, F_TF, F_ZF, FLAGS_FIXED, FLAGS_STORED, K_ADD,
                    K_DEC, K_INC, K_LOGIC, K_NONE, K_SUB, NOT_ARITH, PARITY, compute_flags)
from .interrupts import interrupt
from .modrm import EA_A, EA_B, EA_DISP, EA_SEG
from .prefixes import PREFIX_FLAGS_8086, PREFIX_FLAGS_80186, PrefixLockup
from .registers import AX, BP, BX, CS, CX, DI, DS, DX, ES, SI, SP, SS
from .strings import CHUNK
from .tables import TABLE_8086, TABLE_80186, generated

__all__ = [
    "ARITH", "F_AF", "F_CF", "F_DF", "F_IF", "F_OF", "F_PF", "F_SF", "F_TF", "F_ZF", "FLAGS_FIXED", "FLAGS_STORED",
    "K_ADD", "K_DEC", "K_INC", "K_LOGIC", "K_NONE", "K_SUB", "NOT_ARITH", "PARITY", "compute_flags", "interrupt",
    "EA_A", "EA_B", "EA_DISP", "EA_SEG", "PREFIX_FLAGS_8086", "PREFIX_FLAGS_80186", "PrefixLockup",
    "AX", "BP", "BX", "CS", "CX", "DI", "DS", "DX", "ES", "SI", "SP", "SS", "CHUNK",
    "TABLE_8086", "TABLE_80186", "generated",
]
