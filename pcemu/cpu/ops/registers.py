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


def get_r8(r, i):
    """Byte register ``i`` (0-7: AL CL DL BL AH CH DH BH) from ``cpu.regs``."""
    if i > 3:
        return r[i - 4] >> 8
    return r[i] & 0xFF


def set_r8(r, i, v):
    if i > 3:
        r[i - 4] = (r[i - 4] & 0xFF) | (v << 8)
    else:
        r[i] = (r[i] & 0xFF00) | v
