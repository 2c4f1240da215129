"""The handler tables: for each CPU model, 256 handlers indexed by opcode.

``TABLE_8086`` / ``TABLE_80186`` are tuples of 256 plain functions taking
the CPU: hand-written handlers from the modules of this package, and the
specialised ones pcemu.cpu.ops.generate compiles from templates, named
from the opcode map pcemu.cpu.opcodes (``op_c4_les_gw_mp``).
"""

from pcemu import hostjit
from pcemu.cpu.opcodes import handler_name, row_handler_name

from . import (additions_186, alu, bcd, control, flag_ops, flags, generate, groups, interrupts, memory, modrm,
               moves, muldiv, ports, prefixes, register_forms, registers, shifts, strings)
from .additions_186 import (op_bound, op_enter, op_imul_gv_ev_ib, op_imul_gv_ev_iv, op_leave, op_popa, op_push_ib,
                            op_push_iv, op_pusha)
from .alu import op_00_3d_alu
from .bcd import op_aaa, op_aad, op_aam, op_aas, op_daa, op_das, op_salc
from .control import (op_call_far, op_call_near, op_int, op_int3, op_into, op_iret, op_jcc, op_jcxz,
                      op_jmp_far, op_jmp_near, op_jmp_short, op_loop, op_loopnz, op_loopz, op_ret, op_ret_imm,
                      op_retf, op_retf_imm)
from .flag_ops import op_clc, op_cld, op_cli, op_cmc, op_hlt, op_stc, op_std, op_sti
from .groups import op_esc, op_grp1_eb_ib, op_grp1_ev_ib, op_grp1_ev_iv, op_grp4, op_grp5
from .interrupts import undefined_186
from .moves import (LOAD_FAR, op_cbw, op_cwd, op_lahf, op_lea, op_mov_al_moffs, op_mov_ax_moffs, op_mov_eb_gb,
                    op_mov_eb_ib, op_mov_eb_ib_186, op_mov_ev_gv, op_mov_ev_iv, op_mov_ev_iv_186, op_mov_ev_sreg,
                    op_mov_gb_eb, op_mov_gv_ev, op_mov_moffs_al, op_mov_moffs_ax, op_mov_sreg_ev,
                    op_pop_ev, op_popf, op_pushf, op_sahf, op_test_al_ib, op_test_ax_iv, op_test_eb_gb,
                    op_test_ev_gv, op_wait, op_xchg_eb_gb, op_xchg_ev_gv, op_xlat)
from .muldiv import op_grp3_eb, op_grp3_ev
from .ports import (op_in_al_dx, op_in_al_ib, op_in_ax_dx, op_in_ax_ib, op_out_dx_al, op_out_dx_ax, op_out_ib_al,
                    op_out_ib_ax)
from .prefixes import PREFIX
from .register_forms import (DEC16, INC16, MOV_R16_IMM, MOV_R8_IMM, POP16, POP_SREG, POP_SS, PUSH16, PUSH_SREG,
                             REG_OF_OPCODE, XCHG_AX, op_nop)
from .registers import ES, SS, DS
from .shifts import op_grp2_eb_1, op_grp2_eb_cl, op_grp2_eb_ib, op_grp2_ev_1, op_grp2_ev_cl, op_grp2_ev_ib
from .strings import CMPS, INS, OUTS, SCAS, op_lodsb, op_lodsw, op_movsb, op_movsw, op_stosb, op_stosw


# The helpers generated handlers call: every public and private name of the modules above.
_HELPER_MODULES = (registers, flags, memory, modrm, interrupts, alu, prefixes, bcd, register_forms, control, moves,
                   flag_ops, ports, strings, shifts, muldiv, groups, additions_186)


def _specialise():
    """Queue every specialised handler, named from the opcode map; returns the
    generated module and the handlers by opcode (common, 80186 only)."""
    src = generate.HandlerSource()
    common = {}

    def add(op, template, is186=False, **consts):
        return src.add(handler_name(op, is186), template, **consts)

    for s in range(4):
        common[s * 8 + 6] = add(s * 8 + 6, PUSH_SREG, s=s)
        if s == SS:
            common[s * 8 + 7] = add(s * 8 + 7, POP_SS)
        else:
            common[s * 8 + 7] = add(s * 8 + 7, POP_SREG, s=s)
        common[0x26 + s * 8] = add(0x26 + s * 8, PREFIX, first="cpu.ovr = %d" % s)
    common[0xF0] = add(0xF0, PREFIX, first="pass  # LOCK changes nothing here")
    common[0xF1] = common[0xF0]   # 8086: a second encoding of LOCK
    common[0xF2] = add(0xF2, PREFIX, first="cpu.rep = 2")
    common[0xF3] = add(0xF3, PREFIX, first="cpu.rep = 1")
    for first, last, template in ((0x40, 0x47, INC16), (0x48, 0x4F, DEC16), (0x50, 0x57, PUSH16),
                                  (0x58, 0x5F, POP16), (0x91, 0x97, XCHG_AX), (0xB0, 0xB7, MOV_R8_IMM),
                                  (0xB8, 0xBF, MOV_R16_IMM)):
        name = src.add(row_handler_name(first, last), template, reg=REG_OF_OPCODE)
        for op in range(first, last + 1):
            common[op] = name
    common[0xA6] = add(0xA6, CMPS, width=1, mask=0xFF)
    common[0xA7] = add(0xA7, CMPS, width=2, mask=0xFFFF)
    common[0xAE] = add(0xAE, SCAS, width=1, mask=0xFF)
    common[0xAF] = add(0xAF, SCAS, width=2, mask=0xFFFF)
    common[0xC4] = add(0xC4, LOAD_FAR, s=ES)
    common[0xC5] = add(0xC5, LOAD_FAR, s=DS)
    only_186 = {
        0x6C: add(0x6C, INS, True, width=1),
        0x6D: add(0x6D, INS, True, width=2),
        0x6E: add(0x6E, OUTS, True, width=1),
        0x6F: add(0x6F, OUTS, True, width=2),
    }
    generated = src.compile(_helpers())
    return generated, ({op: getattr(generated, n) for op, n in common.items()},
                       {op: getattr(generated, n) for op, n in only_186.items()})


def _helpers():
    helpers = {}
    for module in _HELPER_MODULES:
        helpers.update((k, v) for k, v in vars(module).items() if not k.startswith("__"))
    return helpers


generated, (_COMMON, _ONLY_186) = _specialise()

WITHOUT_JIT_MODULE = "pcemu.cpu.ops.generated_without_jit"
_by_opcode_without_jit = {}


def by_opcode_without_jit():
    """The handlers an interpreter without a JIT (CPython) uses where PyPy's tables share one
    handler among many opcodes: one per opcode for the ALU's 00-3D (but x6, x7; see
    alu.ALU_FORM_TEMPLATES) and for Jcc 70-7F (control.JCC_TEMPLATE), as opcode -> handler.
    Under PyPy only tests ask for them: they are generated on the first call (4 ms of PyPy's
    start-up), into a module of their own."""
    if not _by_opcode_without_jit:
        src = generate.HandlerSource()
        names = {}
        for k in range(8):
            for form in range(6):
                op = k * 8 + form
                names[op] = src.add(handler_name(op, False), alu.ALU_FORM_TEMPLATES[form],
                                    operation=alu.ALU_EXPRESSIONS[k], kind=alu.ALU_KIND_NAMES[k],
                                    writes=alu.ALU_WRITES[k])
        for cc in range(16):
            names[0x70 + cc] = src.add(handler_name(0x70 + cc, False), control.JCC_TEMPLATE,
                                       condition=control.JCC_CONDITIONS[cc >> 1].__name__,
                                       negate="not " if cc & 1 else "")
        module = src.compile(_helpers(), WITHOUT_JIT_MODULE)
        _by_opcode_without_jit.update((op, getattr(module, name)) for op, name in names.items())
    return _by_opcode_without_jit


def _build_8086(without_jit):
    t = [None] * 256
    for op, h in _COMMON.items():
        t[op] = h
    for op in range(0x40):
        if op & 7 < 6:
            t[op] = op_00_3d_alu
    for n in range(16):
        t[0x70 + n] = op_jcc
    if without_jit:
        for op, handler in by_opcode_without_jit().items():
            t[op] = handler
    for n in range(16):
        t[0x60 + n] = t[0x70 + n]  # 8086: 60-6F decode as 70-7F
    t[0x27] = op_daa
    t[0x2F] = op_das
    t[0x37] = op_aaa
    t[0x3F] = op_aas
    t[0x90] = op_nop
    t[0x80] = op_grp1_eb_ib
    t[0x81] = op_grp1_ev_iv
    t[0x82] = op_grp1_eb_ib
    t[0x83] = op_grp1_ev_ib
    t[0x84] = op_test_eb_gb
    t[0x85] = op_test_ev_gv
    t[0x86] = op_xchg_eb_gb
    t[0x87] = op_xchg_ev_gv
    t[0x88] = op_mov_eb_gb
    t[0x89] = op_mov_ev_gv
    t[0x8A] = op_mov_gb_eb
    t[0x8B] = op_mov_gv_ev
    t[0x8C] = op_mov_ev_sreg
    t[0x8D] = op_lea
    t[0x8E] = op_mov_sreg_ev
    t[0x8F] = op_pop_ev
    t[0x98] = op_cbw
    t[0x99] = op_cwd
    t[0x9A] = op_call_far
    t[0x9B] = op_wait
    t[0x9C] = op_pushf
    t[0x9D] = op_popf
    t[0x9E] = op_sahf
    t[0x9F] = op_lahf
    t[0xA0] = op_mov_al_moffs
    t[0xA1] = op_mov_ax_moffs
    t[0xA2] = op_mov_moffs_al
    t[0xA3] = op_mov_moffs_ax
    t[0xA4] = op_movsb
    t[0xA5] = op_movsw
    t[0xA8] = op_test_al_ib
    t[0xA9] = op_test_ax_iv
    t[0xAA] = op_stosb
    t[0xAB] = op_stosw
    t[0xAC] = op_lodsb
    t[0xAD] = op_lodsw
    t[0xC0] = op_ret_imm  # 8086 aliases
    t[0xC1] = op_ret
    t[0xC2] = op_ret_imm
    t[0xC3] = op_ret
    t[0xC6] = op_mov_eb_ib
    t[0xC7] = op_mov_ev_iv
    t[0xC8] = op_retf_imm  # 8086 aliases
    t[0xC9] = op_retf
    t[0xCA] = op_retf_imm
    t[0xCB] = op_retf
    t[0xCC] = op_int3
    t[0xCD] = op_int
    t[0xCE] = op_into
    t[0xCF] = op_iret
    t[0xD0] = op_grp2_eb_1
    t[0xD1] = op_grp2_ev_1
    t[0xD2] = op_grp2_eb_cl
    t[0xD3] = op_grp2_ev_cl
    t[0xD4] = op_aam
    t[0xD5] = op_aad
    t[0xD6] = op_salc
    t[0xD7] = op_xlat
    for i in range(8):
        t[0xD8 + i] = op_esc
    t[0xE0] = op_loopnz
    t[0xE1] = op_loopz
    t[0xE2] = op_loop
    t[0xE3] = op_jcxz
    t[0xE4] = op_in_al_ib
    t[0xE5] = op_in_ax_ib
    t[0xE6] = op_out_ib_al
    t[0xE7] = op_out_ib_ax
    t[0xE8] = op_call_near
    t[0xE9] = op_jmp_near
    t[0xEA] = op_jmp_far
    t[0xEB] = op_jmp_short
    t[0xEC] = op_in_al_dx
    t[0xED] = op_in_ax_dx
    t[0xEE] = op_out_dx_al
    t[0xEF] = op_out_dx_ax
    t[0xF4] = op_hlt
    t[0xF5] = op_cmc
    t[0xF6] = op_grp3_eb
    t[0xF7] = op_grp3_ev
    t[0xF8] = op_clc
    t[0xF9] = op_stc
    t[0xFA] = op_cli
    t[0xFB] = op_sti
    t[0xFC] = op_cld
    t[0xFD] = op_std
    t[0xFE] = op_grp4
    t[0xFF] = op_grp5
    assert all(h is not None for h in t)
    return t


def _build_80186(base):
    t = list(base)
    t[0x0F] = undefined_186
    t[0x60] = op_pusha
    t[0x61] = op_popa
    t[0x62] = op_bound
    for op in (0x63, 0x64, 0x65, 0x66, 0x67, 0xF1):
        t[op] = undefined_186
    t[0x68] = op_push_iv
    t[0x69] = op_imul_gv_ev_iv
    t[0x6A] = op_push_ib
    t[0x6B] = op_imul_gv_ev_ib
    for op, h in _ONLY_186.items():
        t[op] = h
    t[0xC0] = op_grp2_eb_ib
    t[0xC1] = op_grp2_ev_ib
    t[0xC6] = op_mov_eb_ib_186
    t[0xC7] = op_mov_ev_iv_186
    t[0xC8] = op_enter
    t[0xC9] = op_leave
    return t


TABLE_8086 = tuple(_build_8086(hostjit.pypyjit is None))
TABLE_80186 = tuple(_build_80186(TABLE_8086))


def tables_without_jit():
    """(8086 table, 80186 table) as an interpreter without a JIT has them: CPython's own, and
    under PyPy built for tests (see by_opcode_without_jit)."""
    if hostjit.pypyjit is None:
        return TABLE_8086, TABLE_80186
    t = tuple(_build_8086(True))
    return t, tuple(_build_80186(t))
