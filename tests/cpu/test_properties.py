"""Property tests: arithmetic, logic, shifts, multiply/divide and BCD adjusts.

Each case assembles the instruction's machine code, runs it through the CPU
with random operands, and compares the result and every flag the Intel
manuals define for it against a small reference written here with plain
Python integers, one bit at a time. Flags the manuals call undefined for an
instruction are left out of the comparison.
"""
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pcemu.bus import IoPorts, Memory
from pcemu.cpu import CPU

CF, PF, AF, ZF, SF, OF = 0x001, 0x004, 0x010, 0x040, 0x080, 0x800
ALL = CF | PF | AF | ZF | SF | OF
CODE = 0x10000
HANDLER_SEG = 0x3000

models = st.sampled_from(["8086", "80186"])
arith_flags = st.integers(0, 0xFFFF).map(lambda f: f & ALL)
SETTINGS = settings(max_examples=150, deadline=None)


def _run_tier(model, code, regs, flags, translate):
    mem = Memory()
    cpu = CPU(mem, IoPorts(), model=model)
    mem.data[CODE:CODE + len(code) + 1] = bytes(code) + b"\xF4"
    mem.data[0:4] = bytes([0, 0, HANDLER_SEG & 0xFF, HANDLER_SEG >> 8])  # INT 0 -> 3000:0000
    mem.data[HANDLER_SEG << 4] = 0xF4
    cpu.sregs[:] = [0x1000, 0x1000, 0x2000, 0x1000]
    cpu.ip = 0
    cpu.regs[:] = regs
    cpu.set_flags(flags)
    translated = False
    if translate:
        # the instruction (and the HLT after it) as a region of the translating tier
        translated = cpu.enable_translation().translate(0x1000, 0) is not None
    cpu.run(10)
    assert cpu.halted
    return cpu, mem, translated


def run(model, code, ax=0, bx=0, cx=0, dx=0, flags=0):
    """Run ``code`` then HLT, through the interpreter and through the
    translating tier; both must leave the same machine. Returns the
    interpreter's (cpu, divide_error_taken)."""
    regs = [ax, cx, dx, bx, 0x1000, 0, 0, 0]
    cpu, mem, _ = _run_tier(model, code, list(regs), flags, False)
    tcpu, tmem, translated = _run_tier(model, code, list(regs), flags, True)
    where = "translated" if translated else "not translated"
    assert (tcpu.regs, tcpu.sregs, tcpu.ip, tcpu.icount) == (cpu.regs, cpu.sregs, cpu.ip, cpu.icount), where
    assert tcpu.get_flags() == cpu.get_flags(), "flags %04X, interpreter %04X (%s)" % (
        tcpu.get_flags(), cpu.get_flags(), where)
    assert tmem.data == mem.data, where
    return cpu, cpu.sregs[1] == HANDLER_SEG


def szp(value, bits):
    """SF, ZF and PF of a result, from their definitions."""
    mask = (1 << bits) - 1
    value &= mask
    f = 0
    if value == 0:
        f |= ZF
    if value >> (bits - 1):
        f |= SF
    ones = sum((value >> i) & 1 for i in range(8))
    if ones % 2 == 0:
        f |= PF
    return f


def signed(v, bits):
    return v - (1 << bits) if v >> (bits - 1) else v


def check_flags(cpu, want, defined):
    got = cpu.get_flags()
    assert (got & defined) == (want & defined), "flags %04X want %04X (compared bits %04X)" % (
        got, want, defined)


# --- ADD ADC SUB SBB CMP NEG INC DEC -------------------------------------------------
def ref_addsub(op, a, b, cin, bits):
    mask = (1 << bits) - 1
    carry = cin if op in ("adc", "sbb") else 0
    if op in ("add", "adc"):
        full = a + b + carry
        res = full & mask
        cf = full > mask
        af = (a & 0xF) + (b & 0xF) + carry > 0xF
        of = signed(a, bits) + signed(b, bits) + carry != signed(res, bits)
    else:
        full = a - b - carry
        res = full & mask
        cf = full < 0
        af = (a & 0xF) - (b & 0xF) - carry < 0
        of = signed(a, bits) - signed(b, bits) - carry != signed(res, bits)
    f = szp(res, bits) | (CF if cf else 0) | (AF if af else 0) | (OF if of else 0)
    return res, f


# ModRM 0xD8: register form, reg = BX/BL, r/m = AX/AL
ALU_OPCODE = {"add": 0x00, "adc": 0x10, "sub": 0x28, "sbb": 0x18, "cmp": 0x38}


@SETTINGS
@given(models, st.sampled_from(sorted(ALU_OPCODE)), st.sampled_from([8, 16]),
       st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), arith_flags)
def test_add_adc_sub_sbb_cmp(model, op, bits, a, b, flags):
    mask = (1 << bits) - 1
    a &= mask
    b &= mask
    opcode = ALU_OPCODE[op] + (1 if bits == 16 else 0)
    cpu, _ = run(model, [opcode, 0xD8], ax=a, bx=b, flags=flags)
    res, want = ref_addsub(op, a, b, flags & CF, bits)
    expect_ax = a if op == "cmp" else res
    assert cpu.regs[0] & mask == expect_ax
    check_flags(cpu, want, ALL)


@SETTINGS
@given(models, st.sampled_from([8, 16]), st.integers(0, 0xFFFF), arith_flags)
def test_neg(model, bits, a, flags):
    mask = (1 << bits) - 1
    a &= mask
    cpu, _ = run(model, [0xF6 if bits == 8 else 0xF7, 0xD8], ax=a, flags=flags)  # NEG AL/AX
    res, want = ref_addsub("sub", 0, a, 0, bits)
    assert cpu.regs[0] & mask == res
    check_flags(cpu, want, ALL)


@SETTINGS
@given(models, st.sampled_from(["inc", "dec"]), st.sampled_from([8, 16]), st.integers(0, 0xFFFF), arith_flags)
def test_inc_dec_keep_carry(model, op, bits, a, flags):
    mask = (1 << bits) - 1
    a &= mask
    if bits == 8:
        code = [0xFE, 0xC0 if op == "inc" else 0xC8]  # INC/DEC AL
    else:
        code = [0x40 if op == "inc" else 0x48]  # INC/DEC AX
    cpu, _ = run(model, code, ax=a, flags=flags)
    res, want = ref_addsub("add" if op == "inc" else "sub", a, 1, 0, bits)
    assert cpu.regs[0] & mask == res
    want = (want & ~CF) | (flags & CF)
    check_flags(cpu, want, ALL)


# --- AND OR XOR TEST NOT -------------------------------------------------------------
LOGIC = {"and": (0x20, lambda a, b: a & b), "or": (0x08, lambda a, b: a | b),
         "xor": (0x30, lambda a, b: a ^ b), "test": (0x84, lambda a, b: a & b)}


@SETTINGS
@given(models, st.sampled_from(sorted(LOGIC)), st.sampled_from([8, 16]),
       st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), arith_flags)
def test_logic(model, op, bits, a, b, flags):
    mask = (1 << bits) - 1
    a &= mask
    b &= mask
    base, fn = LOGIC[op]
    cpu, _ = run(model, [base + (1 if bits == 16 else 0), 0xD8], ax=a, bx=b, flags=flags)
    res = fn(a, b)
    assert cpu.regs[0] & mask == (a if op == "test" else res)
    # CF and OF are cleared; AF is undefined
    check_flags(cpu, szp(res, bits), ALL & ~AF)


@SETTINGS
@given(models, st.sampled_from([8, 16]), st.integers(0, 0xFFFF), arith_flags)
def test_not_changes_no_flags(model, bits, a, flags):
    mask = (1 << bits) - 1
    cpu, _ = run(model, [0xF6 if bits == 8 else 0xF7, 0xD0], ax=a, flags=flags)  # NOT AL/AX
    assert cpu.regs[0] & mask == (~a) & mask
    check_flags(cpu, flags, ALL)


# --- conditions read from what the last instruction left ---------------------------------
# the instructions that leave flags behind (``none``: the flags as loaded, no instruction)
flag_writers = st.sampled_from(sorted(ALU_OPCODE) + sorted(LOGIC) + ["inc", "dec", "none"])


def ref_condition(cc, f):
    """Whether Jcc ``cc`` (0-15: O NO B NB Z NZ BE A S NS P NP L GE LE G) jumps on FLAGS ``f``."""
    cf, zf, sf, of, pf = (f & CF) != 0, (f & ZF) != 0, (f & SF) != 0, (f & OF) != 0, (f & PF) != 0
    test = (of, cf, zf, cf or zf, sf, pf, sf != of, zf or sf != of)[cc >> 1]
    return test != bool(cc & 1)


def ref_flags_after(op, a, b, flags, bits):
    """FLAGS after ``op`` on AX/AL and BX/BL (``none``: the flags as loaded)."""
    if op == "none":
        return flags
    if op in LOGIC:
        return szp(LOGIC[op][1](a, b), bits)
    if op in ("inc", "dec"):
        _, f = ref_addsub("add" if op == "inc" else "sub", a, 1, 0, bits)
        return (f & ~CF) | (flags & CF)
    return ref_addsub(op, a, b, flags & CF, bits)[1]


def flag_writer(op, bits):
    if op == "none":
        return []
    if op in ("inc", "dec"):
        if bits == 8:
            return [0xFE, 0xC0 if op == "inc" else 0xC8]
        return [0x40 if op == "inc" else 0x48]
    base = LOGIC[op][0] if op in LOGIC else ALU_OPCODE[op]
    return [base + (1 if bits == 16 else 0), 0xD8]


@SETTINGS
@given(models, flag_writers,
       st.sampled_from([8, 16]), st.integers(0, 15), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF),
       arith_flags)
def test_conditional_jumps_read_the_flags_the_last_instruction_left(model, op, bits, cc, a, b, flags):
    """Jcc after each kind of flag writer (lazy results of ADD/SUB/logic/INC/DEC, and flags
    loaded whole): CX counts 1 if the jump over ``INC CX`` was not taken."""
    mask = (1 << bits) - 1
    a &= mask
    b &= mask
    code = flag_writer(op, bits) + [0x70 + cc, 0x01, 0x41]   # Jcc +1; INC CX
    cpu, _ = run(model, code, ax=a, bx=b, flags=flags)
    taken = ref_condition(cc, ref_flags_after(op, a, b, flags, bits))
    assert cpu.regs[1] == (0 if taken else 1), (op, cc)


@SETTINGS
@given(models, flag_writers,
       st.sampled_from([8, 16]), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), arith_flags)
def test_adc_reads_the_carry_the_last_instruction_left(model, op, bits, a, b, flags):
    """ADC CX,0 (CX = 0) after each kind of flag writer: CX is the carry it left."""
    mask = (1 << bits) - 1
    a &= mask
    b &= mask
    code = flag_writer(op, bits) + [0x83, 0xD1, 0x00]         # ADC CX,0
    cpu, _ = run(model, code, ax=a, bx=b, flags=flags)
    assert cpu.regs[1] == ref_flags_after(op, a, b, flags, bits) & CF, op


@SETTINGS
@given(models, flag_writers,
       st.sampled_from([8, 16]), st.integers(0, 15), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF),
       arith_flags)
def test_both_jcc_handlers_and_carry_readers_agree(model, op, bits, cc, a, b, flags):
    """Jcc, CF and the ALU have one form for PyPy's traces (arithmetic, no branch) and one for
    CPython (a branch, fewer operations); a process uses one of them: both must agree."""
    from pcemu.cpu.ops import alu, control
    from pcemu.cpu.ops import flags as flag_readers

    mask = (1 << bits) - 1
    cpu, _ = run(model, flag_writer(op, bits), ax=a & mask, bx=b & mask, flags=flags)
    assert flag_readers.get_cf(cpu) == flag_readers._get_cf_by_kind(cpu)
    lazy = ("lf_kind", "lf_a", "lf_b", "lf_res", "lf_mask", "flags")
    before = [getattr(cpu, f) for f in lazy]
    for k in range(8):                      # ADD OR ADC SBB AND SUB XOR CMP on the flags left
        results = []
        for form in (alu._alu_any_arith, alu._alu_any_by_branch):
            for f, v in zip(lazy, before):
                setattr(cpu, f, v)
            value = form(cpu, k, b & mask, a & mask, mask)
            results.append((value, [getattr(cpu, f) for f in lazy]))
        assert results[0] == results[1], k
    for f, v in zip(lazy, before):
        setattr(cpu, f, v)
    ips = []
    for handler in (control.jcc_traced, control.jcc_untraced):
        cpu.data[(cpu.sregs[1] << 4) + 0x100:(cpu.sregs[1] << 4) + 0x102] = bytes([0x70 + cc, 0x10])
        cpu.csb = cpu.sregs[1] << 4
        cpu.ip = 0x101
        handler(cpu)
        ips.append(cpu.ip)
    assert ips[0] == ips[1] and ips[0] in (0x102, 0x112)


@SETTINGS
@given(st.integers(0, 0xBF), st.lists(st.integers(0, 0xFFFF), min_size=8, max_size=8),
       st.lists(st.integers(0, 0xFFFF), min_size=4, max_size=4), st.integers(-1, 3),
       st.integers(0, 0xFFFF), st.binary(min_size=2, max_size=2))
def test_both_effective_address_forms_agree(m, regs, sregs, ovr, ip, disp):
    """A memory ModRM's address: by arithmetic for PyPy's traces, by branch for CPython."""
    from pcemu.cpu.ops import modrm

    results = []
    for form in (modrm._ea_by_arithmetic, modrm._ea_by_branch):
        cpu = CPU(Memory(), IoPorts())
        cpu.regs[:] = regs
        cpu.sregs[:] = sregs
        cpu.ovr = ovr
        cpu.ip = ip
        cpu.csb = sregs[1] << 4
        for i, b in enumerate(disp):
            cpu.data[(cpu.csb + ((ip + i) & 0xFFFF)) & 0xFFFFF] = b
        off = form(cpu, m)
        results.append((off, cpu.ea_seg, cpu.ea_off, cpu.ip))
    assert results[0] == results[1]


# --- shifts and rotates ------------------------------------------------------------
def ref_shift(op, v, count, cin, bits):
    """One bit per step, as the manuals describe the operation."""
    top = 1 << (bits - 1)
    mask = (1 << bits) - 1
    cf = cin
    for _ in range(count):
        if op == "rol":
            cf = 1 if v & top else 0
            v = ((v << 1) | cf) & mask
        elif op == "ror":
            cf = v & 1
            v = (v >> 1) | (top if cf else 0)
        elif op == "rcl":
            out = 1 if v & top else 0
            v = ((v << 1) | cf) & mask
            cf = out
        elif op == "rcr":
            out = v & 1
            v = (v >> 1) | (top if cf else 0)
            cf = out
        elif op == "shl":
            cf = 1 if v & top else 0
            v = (v << 1) & mask
        elif op == "shr":
            cf = v & 1
            v >>= 1
        elif op == "sar":
            cf = v & 1
            v = (v >> 1) | (v & top)
    msb = 1 if v & top else 0
    if op in ("rol", "rcl", "shl"):
        of = msb ^ cf
    elif op in ("ror", "rcr"):
        of = msb ^ (1 if v & (top >> 1) else 0)
    elif op == "shr":
        of = 1 if count == 1 and (v << 1) & top else 0  # the original sign bit
    else:
        of = 0
    return v, cf, of


SHIFT_REG = {"rol": 0, "ror": 1, "rcl": 2, "rcr": 3, "shl": 4, "shr": 5, "sar": 7}


@settings(max_examples=300, deadline=None)
@given(models, st.sampled_from(sorted(SHIFT_REG)), st.sampled_from([8, 16]),
       st.integers(0, 0xFFFF), st.integers(0, 31), arith_flags, st.booleans())
def test_shifts_and_rotates(model, op, bits, v, count, flags, by_one):
    mask = (1 << bits) - 1
    v &= mask
    if by_one:
        count = 1
        code = [0xD0 if bits == 8 else 0xD1, 0xC0 | (SHIFT_REG[op] << 3)]  # op AL/AX,1
    else:
        code = [0xD2 if bits == 8 else 0xD3, 0xC0 | (SHIFT_REG[op] << 3)]  # op AL/AX,CL
    cpu, _ = run(model, code, ax=v, cx=count, flags=flags)
    if count == 0:
        assert cpu.regs[0] & mask == v
        check_flags(cpu, flags, ALL)
        return
    res, cf, of = ref_shift(op, v, count, flags & CF, bits)
    assert cpu.regs[0] & mask == res
    defined = CF | (OF if count == 1 else 0)
    want = (CF if cf else 0) | (OF if of else 0)
    if op in ("shl", "shr", "sar"):
        defined |= SF | ZF | PF  # AF is undefined for shifts
        want |= szp(res, bits)
    check_flags(cpu, want, defined)


# --- MUL IMUL DIV IDIV ------------------------------------------------------------
@SETTINGS
@given(models, st.sampled_from(["mul", "imul"]), st.sampled_from([8, 16]),
       st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), arith_flags)
def test_mul_imul(model, op, bits, a, b, flags):
    mask = (1 << bits) - 1
    a &= mask
    b &= mask
    reg = 4 if op == "mul" else 5
    cpu, _ = run(model, [0xF6 if bits == 8 else 0xF7, 0xC0 | (reg << 3) | 3], ax=a, bx=b, dx=0x5555,
                 flags=flags)
    if op == "mul":
        product = a * b
        overflow = product >> bits != 0
    else:
        product = signed(a, bits) * signed(b, bits)
        overflow = not (-(1 << (bits - 1)) <= product < (1 << (bits - 1)))
    product &= (1 << (2 * bits)) - 1
    if bits == 8:
        assert cpu.regs[0] == product
    else:
        assert cpu.regs[0] == product & 0xFFFF and cpu.regs[2] == product >> 16
    check_flags(cpu, (CF | OF) if overflow else 0, CF | OF)


@settings(max_examples=300, deadline=None)
@given(models, st.sampled_from(["div", "idiv"]), st.sampled_from([8, 16]),
       st.integers(0, 0xFFFFFFFF), st.one_of(st.integers(0, 0xFFFF), st.sampled_from([0, 1, 0xFF, 0xFFFF])))
def test_div_idiv_and_divide_error(model, op, bits, dividend, divisor):
    mask = (1 << bits) - 1
    divisor &= mask
    dividend &= (1 << (2 * bits)) - 1
    reg = 6 if op == "div" else 7
    code = [0xF6 if bits == 8 else 0xF7, 0xC0 | (reg << 3) | 3]  # DIV/IDIV BL/BX
    ax = dividend & 0xFFFF
    dx = dividend >> 16
    cpu, faulted = run(model, code, ax=ax, bx=divisor, dx=dx)
    if op == "div":
        ok = divisor != 0 and dividend // divisor <= mask
        if ok:
            q, r = divmod(dividend, divisor)
    else:
        n = signed(dividend, 2 * bits)
        d = signed(divisor, bits)
        ok = d != 0
        if ok:
            q = abs(n) // abs(d) * (1 if (n < 0) == (d < 0) else -1)  # truncates toward zero
            r = n - q * d
            low = -(1 << (bits - 1))
            if model == "8086":
                low += 1  # the 8086 faults on a quotient of 80h / 8000h
            ok = low <= q < (1 << (bits - 1))
    assert faulted == (not ok)
    if faulted:
        # registers untouched, and INT 0 was taken
        assert cpu.regs[0] == ax and cpu.regs[2] == dx
        return
    if bits == 8:
        assert cpu.regs[0] == ((r & 0xFF) << 8) | (q & 0xFF)
    else:
        assert cpu.regs[0] == q & 0xFFFF and cpu.regs[2] == r & 0xFFFF


# --- BCD adjusts ----------------------------------------------------------------------
@SETTINGS
@given(models, st.sampled_from(["daa", "das"]), st.integers(0, 0xFFFF), arith_flags)
def test_daa_das(model, op, ax, flags):
    al = ax & 0xFF
    cf = flags & CF
    af = flags & AF
    # Intel's pseudocode and the real 8086 part ways when AF is set and AL is
    # 9Ah-9Fh (the chip compares against 9Fh there, as the 8086 recordings
    # in test_singlestep show); keep to the inputs where they agree.
    assume(not (af and 0x9A <= al <= 0x9F))
    new_cf = 0
    new_af = 0
    res = al
    if (al & 0x0F) > 9 or af:
        res = (res + 6 if op == "daa" else res - 6) & 0xFF
        new_af = AF
    if al > 0x99 or cf:
        res = (res + 0x60 if op == "daa" else res - 0x60) & 0xFF
        new_cf = CF
    cpu, _ = run(model, [0x27 if op == "daa" else 0x2F], ax=ax, flags=flags)
    assert cpu.regs[0] == (ax & 0xFF00) | res
    check_flags(cpu, szp(res, 8) | new_cf | new_af, CF | AF | SF | ZF | PF)


@SETTINGS
@given(models, st.sampled_from(["aaa", "aas"]), st.integers(0, 0xFFFF), arith_flags)
def test_aaa_aas(model, op, ax, flags):
    al = ax & 0xFF
    ah = ax >> 8
    if model == "80186":
        # stay where the 8086 (AL only) and later chips (AX) agree
        al = al % 0xF0
        ax = (ah << 8) | al
    if (al & 0x0F) > 9 or flags & AF:
        al = (al + 6 if op == "aaa" else al - 6) & 0xFF
        ah = (ah + 1 if op == "aaa" else ah - 1) & 0xFF
        want = AF | CF
    else:
        want = 0
    cpu, _ = run(model, [0x37 if op == "aaa" else 0x3F], ax=ax, flags=flags)
    assert cpu.regs[0] == (ah << 8) | (al & 0x0F)
    check_flags(cpu, want, AF | CF)


@SETTINGS
@given(models, st.integers(0, 0xFFFF), st.integers(0, 255))
def test_aam(model, ax, base):
    cpu, faulted = run(model, [0xD4, base], ax=ax)
    if base == 0:
        assert faulted and cpu.regs[0] == ax
        return
    al = ax & 0xFF
    ah, al = divmod(al, base)
    assert not faulted
    assert cpu.regs[0] == (ah << 8) | al
    check_flags(cpu, szp(al, 8), SF | ZF | PF)


@SETTINGS
@given(models, st.integers(0, 0xFFFF), st.integers(0, 255))
def test_aad(model, ax, base):
    cpu, _ = run(model, [0xD5, base], ax=ax)
    al = ((ax & 0xFF) + (ax >> 8) * base) & 0xFF
    assert cpu.regs[0] == al
    check_flags(cpu, szp(al, 8), SF | ZF | PF)
