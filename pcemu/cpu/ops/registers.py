"""Register numbers, as indexes into ``cpu.regs`` and ``cpu.sregs``.

The numbers are the ones the chip encodes in opcodes and ModRM fields:
``regs[SP]`` is ``regs[4]``. They are module constants, which PyPy's JIT
folds, so naming a register costs nothing at run time.

Byte registers AL..BH (ModRM numbers 0-7) live in the word registers:
AL..BL are the low halves of AX..BX, AH..BH the high halves.
"""

AX, CX, DX, BX, SP, BP, SI, DI = range(8)
ES, CS, SS, DS = range(4)

REG16_NAMES = ("AX", "CX", "DX", "BX", "SP", "BP", "SI", "DI")
REG8_NAMES = ("AL", "CL", "DL", "BL", "AH", "CH", "DH", "BH")
SREG_NAMES = ("ES", "CS", "SS", "DS")


# Byte registers by arithmetic on the number, not a branch on it: under PyPy a branch
# would make the low and the high half two paths of every handler that names a byte
# register from its ModRM byte, each compiled on its own (a bridge) when a guest first
# uses it.

def get_r8(r, i):
    """Byte register ``i`` (0-7: AL CL DL BL AH CH DH BH) from ``cpu.regs``."""
    return (r[i & 3] >> ((i & 4) << 1)) & 0xFF


def set_r8(r, i, v):
    shift = (i & 4) << 1          # 0 for AL..BL, 8 for AH..BH
    w = i & 3
    r[w] = (r[w] & (0xFF00 >> shift)) | (v << shift)
