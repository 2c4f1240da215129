"""String instructions: MOVS CMPS STOS LODS SCAS INS OUTS, with and without REP."""

from pcemu.bus import MMIO, RAM

from .alu import alu_sub
from .flags import F_DF
from .memory import rb, rw, wb, ww
from .registers import AX, CX, DI, DS, DX, ES, SI


# --- string instructions ---------------------------------------------------------
# With a REP prefix each call runs at most CHUNK iterations; if CX is not yet
# zero, IP goes back to the first prefix so the next boundary (where an IRQ
# may be taken) resumes the instruction, as the chip does.
#
# A chunk whose every element lies in plain RAM (ROM too, for reads), with
# no wrap at the end of a segment or of the 1 MiB space, and whose source
# and destination do not overlap in a way that makes the element order
# visible, moves as one bytearray slice (MOVS, STOS, LODS, SCAS, CMPS, INS/OUTS
# to a block port): the same bytes, registers, flags and instruction count
# as the element loop, which handles everything else.
#
# Short strings stay on the element loop: below BLOCK_MIN elements the slice
# path's checks cost more than they save (most of the 26,000 REP MOVSB in a
# FreeDOS boot move fewer than 8 bytes). REP STOS was left out once (PyPy traced
# 45% more over a boot with its fill, before BLOCK_MIN and the dispatch tree);
# now a boot traces 4 fewer paths with it, POST clears the screen's 32 KB in
# 13 ms instead of 35, and 30 alternated cold boots took a median 3.4% less CPU.
BLOCK_MIN = 64
CHUNK = 1024  # REP iterations per boundary, so IRQs can land mid-string
# A chunk spans at most two 4 KiB pages, so checking its first and last page
# checks them all.
assert CHUNK * 2 <= 4096


def _ram_range(cpu, lo, hi):
    """True if linear bytes lo..hi-1 (lo < hi <= 1 MiB, at most two pages) are all plain RAM."""
    kind = cpu.kind
    return kind[lo >> 12] == RAM and kind[(hi - 1) >> 12] == RAM


def _readable_range(cpu, lo, hi):
    """True if linear bytes lo..hi-1 (lo < hi <= 1 MiB, at most two pages) read without side
    effects (no MMIO)."""
    kind = cpu.kind
    return kind[lo >> 12] != MMIO and kind[(hi - 1) >> 12] != MMIO


def _span(base, off, count, width, down):
    """The linear range [lo, hi) ``count`` elements of ``width`` bytes cover from base:off, walking
    up (or down, DF=1), or None if the walk wraps inside the segment or past 1 MiB."""
    nbytes = count * width
    if down:
        first = off - nbytes + width
        if first < 0 or off + width > 0x10000:
            return None
        lo = base + first
    else:
        if off + nbytes > 0x10000:
            return None
        lo = base + off
    hi = lo + nbytes
    if hi > 0x100000:
        return None
    return lo, hi


def _block_move(cpu, width):
    """REP MOVS chunk as a slice; False (nothing done) if the element loop must do it."""
    r = cpu.regs
    n = r[CX]
    count = n if n < CHUNK else CHUNK
    if count < BLOCK_MIN:
        return False
    down = cpu.flags & F_DF
    si = r[SI]
    di = r[DI]
    src = _span(_src_seg(cpu), si, count, width, down)
    dst = _span(cpu.sregs[ES] << 4, di, count, width, down)
    if src is None or dst is None:
        return False
    slo, shi = src
    dlo, dhi = dst
    nbytes = shi - slo
    # Elements read before they write; overlap shows only where a later element reads
    # what an earlier one wrote: ahead of the source going up, behind it going down.
    if down:
        if dlo < slo and slo - dlo < nbytes:
            return False
    elif dlo > slo and dlo - slo < nbytes:
        return False
    if not _ram_range(cpu, dlo, dhi) or not _readable_range(cpu, slo, shi):
        return False
    data = cpu.data
    data[dlo:dhi] = data[slo:shi]
    if down:
        nbytes = -nbytes
    r[SI] = (si + nbytes) & 0xFFFF
    r[DI] = (di + nbytes) & 0xFFFF
    n -= count
    r[CX] = n
    if n:
        cpu.ip = cpu.insn_ip
    return True


def _block_fill(cpu, width):
    """REP STOS chunk as a slice fill of RAM; False if the element loop must do it."""
    r = cpu.regs
    n = r[CX]
    count = n if n < CHUNK else CHUNK
    if count < BLOCK_MIN:
        return False
    down = cpu.flags & F_DF
    di = r[DI]
    dst = _span(cpu.sregs[ES] << 4, di, count, width, down)
    if dst is None:
        return False
    dlo, dhi = dst
    if not _ram_range(cpu, dlo, dhi):
        return False
    ax = r[AX]
    if width == 1:
        cpu.data[dlo:dhi] = bytes((ax & 0xFF,)) * count
    else:
        cpu.data[dlo:dhi] = bytes((ax & 0xFF, ax >> 8)) * count
    nbytes = dhi - dlo
    if down:
        nbytes = -nbytes
    r[DI] = (di + nbytes) & 0xFFFF
    n -= count
    r[CX] = n
    if n:
        cpu.ip = cpu.insn_ip
    return True


def _block_load(cpu, width):
    """REP LODS chunk: only the last element stays in AL/AX; False if the loop must do it."""
    r = cpu.regs
    n = r[CX]
    count = n if n < CHUNK else CHUNK
    if count < BLOCK_MIN:
        return False
    down = cpu.flags & F_DF
    si = r[SI]
    src = _span(_src_seg(cpu), si, count, width, down)
    if src is None:
        return False
    slo, shi = src
    if not _readable_range(cpu, slo, shi):
        return False
    data = cpu.data
    last = slo if down else shi - width
    if width == 1:
        r[AX] = (r[AX] & 0xFF00) | data[last]
    else:
        r[AX] = data[last] | (data[last + 1] << 8)
    nbytes = shi - slo
    if down:
        nbytes = -nbytes
    r[SI] = (si + nbytes) & 0xFFFF
    n -= count
    r[CX] = n
    if n:
        cpu.ip = cpu.insn_ip
    return True


def _block_scan(cpu, width):
    """REPE/REPNE SCASB chunk by bytearray search; False if the element loop must do it."""
    r = cpu.regs
    n = r[CX]
    count = n if n < CHUNK else CHUNK
    if count < BLOCK_MIN or width != 1:
        return False
    down = cpu.flags & F_DF
    di = r[DI]
    dst = _span(cpu.sregs[ES] << 4, di, count, 1, down)
    if dst is None:
        return False
    dlo, dhi = dst
    if not _readable_range(cpu, dlo, dhi):
        return False
    data = cpu.data
    al = r[AX] & 0xFF
    # k: elements up to and including the one that ends the scan (count if none does)
    if cpu.rep == 2:  # REPNE: ends on the first equal byte
        at = data.rfind(al, dlo, dhi) if down else data.find(al, dlo, dhi)
        k = count if at < 0 else (dhi - 1 - at if down else at - dlo) + 1
    else:  # REPE: ends on the first different byte
        seg = data[dlo:dhi]
        rest = len(seg.rstrip(bytes((al,))) if down else seg.lstrip(bytes((al,))))
        k = count if rest == 0 else count - rest + 1
    last = dhi - k if down else dlo + k - 1
    alu_sub(cpu, al, data[last], 0xFF)
    r[DI] = (di - k if down else di + k) & 0xFFFF
    n -= k
    r[CX] = n
    if k == count and n and (data[last] == al) == (cpu.rep == 1):
        cpu.ip = cpu.insn_ip
    return True


def _block_compare(cpu, width):
    """REPE CMPS chunk over equal strings as one slice comparison; False if the loop must do it
    (unequal strings, REPNE, or anything the other block paths refuse)."""
    if cpu.rep != 1:
        return False
    r = cpu.regs
    n = r[CX]
    count = n if n < CHUNK else CHUNK
    if count < BLOCK_MIN:
        return False
    down = cpu.flags & F_DF
    si = r[SI]
    di = r[DI]
    src = _span(_src_seg(cpu), si, count, width, down)
    dst = _span(cpu.sregs[ES] << 4, di, count, width, down)
    if src is None or dst is None:
        return False
    slo, shi = src
    dlo, dhi = dst
    if not _readable_range(cpu, slo, shi) or not _readable_range(cpu, dlo, dhi):
        return False
    data = cpu.data
    if data[slo:shi] != data[dlo:dhi]:
        return False
    last = slo if down else shi - width
    v = data[last] if width == 1 else data[last] | (data[last + 1] << 8)
    alu_sub(cpu, v, v, 0xFF if width == 1 else 0xFFFF)
    nbytes = shi - slo
    if down:
        nbytes = -nbytes
    r[SI] = (si + nbytes) & 0xFFFF
    r[DI] = (di + nbytes) & 0xFFFF
    n -= count
    r[CX] = n
    if n:
        cpu.ip = cpu.insn_ip
    return True


def _block_in(cpu, width):
    """REP INSW chunk from a port with a block reader (the ATA data port) into RAM; False if
    the element loop must do it. Words the device has no more block data for go the element way."""
    io = cpu.io
    if width != 2 or io.trace is not None:
        return False
    r = cpu.regs
    n = r[CX]
    count = n if n < CHUNK else CHUNK
    if count < BLOCK_MIN or cpu.flags & F_DF:
        return False
    di = r[DI]
    dst = _span(cpu.sregs[ES] << 4, di, count, 2, 0)
    if dst is None:
        return False
    dlo, dhi = dst
    if not _ram_range(cpu, dlo, dhi):
        return False
    port = r[DX]
    got = 0
    while got < count:
        block = io.in16_block(port, count - got)
        if not block:
            break
        cpu.data[dlo + 2 * got:dlo + 2 * got + len(block)] = block
        got += len(block) >> 1
    if got == 0:
        return False
    r[DI] = (di + 2 * got) & 0xFFFF
    if got < count:  # the rest of this chunk, element by element
        _element_ins(cpu, 2, count - got)
    n -= count
    r[CX] = n
    if n:
        cpu.ip = cpu.insn_ip
    return True


def _block_out(cpu, width):
    """REP OUTSW chunk from RAM to a port with a block writer (the ATA data port); False if the
    element loop must do it."""
    io = cpu.io
    if width != 2 or io.trace is not None:
        return False
    r = cpu.regs
    n = r[CX]
    count = n if n < CHUNK else CHUNK
    if count < BLOCK_MIN or cpu.flags & F_DF:
        return False
    si = r[SI]
    src = _span(_src_seg(cpu), si, count, 2, 0)
    if src is None:
        return False
    slo, shi = src
    if not _readable_range(cpu, slo, shi):
        return False
    port = r[DX]
    data = cpu.data
    done = 0
    while done < count:
        took = io.out16_block(port, data[slo + 2 * done:shi])
        if not took:
            break
        done += took >> 1
    if done == 0:
        return False
    r[SI] = (si + 2 * done) & 0xFFFF
    if done < count:  # the rest of this chunk, element by element
        _element_outs(cpu, 2, count - done)
    n -= count
    r[CX] = n
    if n:
        cpu.ip = cpu.insn_ip
    return True


def _src_seg(cpu):
    s = cpu.ovr
    if s < 0:
        s = DS
    return cpu.sregs[s] << 4


def op_movsb(cpu):
    r = cpu.regs
    src = _src_seg(cpu)
    dst = cpu.sregs[ES] << 4
    d = -1 if cpu.flags & F_DF else 1
    if not cpu.rep:
        wb(cpu, (dst + r[DI]) & 0xFFFFF, rb(cpu, (src + r[SI]) & 0xFFFFF))
        r[SI] = (r[SI] + d) & 0xFFFF
        r[DI] = (r[DI] + d) & 0xFFFF
        return
    if _block_move(cpu, 1):
        return
    n = r[CX]
    budget = CHUNK
    si = r[SI]
    di = r[DI]
    while n and budget:
        wb(cpu, (dst + di) & 0xFFFFF, rb(cpu, (src + si) & 0xFFFFF))
        si = (si + d) & 0xFFFF
        di = (di + d) & 0xFFFF
        n -= 1
        budget -= 1
    r[SI] = si
    r[DI] = di
    r[CX] = n
    if n:
        cpu.ip = cpu.insn_ip


def op_movsw(cpu):
    r = cpu.regs
    src = _src_seg(cpu)
    dst = cpu.sregs[ES] << 4
    d = -2 if cpu.flags & F_DF else 2
    if not cpu.rep:
        ww(cpu, dst, r[DI], rw(cpu, src, r[SI]))
        r[SI] = (r[SI] + d) & 0xFFFF
        r[DI] = (r[DI] + d) & 0xFFFF
        return
    if _block_move(cpu, 2):
        return
    n = r[CX]
    budget = CHUNK
    si = r[SI]
    di = r[DI]
    while n and budget:
        ww(cpu, dst, di, rw(cpu, src, si))
        si = (si + d) & 0xFFFF
        di = (di + d) & 0xFFFF
        n -= 1
        budget -= 1
    r[SI] = si
    r[DI] = di
    r[CX] = n
    if n:
        cpu.ip = cpu.insn_ip


def op_stosb(cpu):
    r = cpu.regs
    dst = cpu.sregs[ES] << 4
    d = -1 if cpu.flags & F_DF else 1
    al = r[AX] & 0xFF
    if not cpu.rep:
        wb(cpu, (dst + r[DI]) & 0xFFFFF, al)
        r[DI] = (r[DI] + d) & 0xFFFF
        return
    if _block_fill(cpu, 1):
        return
    n = r[CX]
    budget = CHUNK
    di = r[DI]
    while n and budget:
        wb(cpu, (dst + di) & 0xFFFFF, al)
        di = (di + d) & 0xFFFF
        n -= 1
        budget -= 1
    r[DI] = di
    r[CX] = n
    if n:
        cpu.ip = cpu.insn_ip


def op_stosw(cpu):
    r = cpu.regs
    dst = cpu.sregs[ES] << 4
    d = -2 if cpu.flags & F_DF else 2
    ax = r[AX]
    if not cpu.rep:
        ww(cpu, dst, r[DI], ax)
        r[DI] = (r[DI] + d) & 0xFFFF
        return
    if _block_fill(cpu, 2):
        return
    n = r[CX]
    budget = CHUNK
    di = r[DI]
    while n and budget:
        ww(cpu, dst, di, ax)
        di = (di + d) & 0xFFFF
        n -= 1
        budget -= 1
    r[DI] = di
    r[CX] = n
    if n:
        cpu.ip = cpu.insn_ip


def op_lodsb(cpu):
    r = cpu.regs
    src = _src_seg(cpu)
    d = -1 if cpu.flags & F_DF else 1
    n = 1
    if cpu.rep:
        if _block_load(cpu, 1):
            return
        n = r[CX]
        if n == 0:
            return
        if n > CHUNK:
            r[CX] = n - CHUNK
            n = CHUNK
            cpu.ip = cpu.insn_ip
        else:
            r[CX] = 0
    si = r[SI]
    for _ in range(n):
        r[AX] = (r[AX] & 0xFF00) | rb(cpu, (src + si) & 0xFFFFF)
        si = (si + d) & 0xFFFF
    r[SI] = si


def op_lodsw(cpu):
    r = cpu.regs
    src = _src_seg(cpu)
    d = -2 if cpu.flags & F_DF else 2
    n = 1
    if cpu.rep:
        if _block_load(cpu, 2):
            return
        n = r[CX]
        if n == 0:
            return
        if n > CHUNK:
            r[CX] = n - CHUNK
            n = CHUNK
            cpu.ip = cpu.insn_ip
        else:
            r[CX] = 0
    si = r[SI]
    for _ in range(n):
        r[AX] = rw(cpu, src, si)
        si = (si + d) & 0xFFFF
    r[SI] = si


# CMPSB/CMPSW: {width} 1 or 2 bytes, {mask} 0xFF or 0xFFFF
CMPS = """
    def {name}(cpu):
        r = cpu.regs
        src = _src_seg(cpu)
        dst = cpu.sregs[ES] << 4
        d = -{width} if cpu.flags & F_DF else {width}
        rep = cpu.rep
        if rep:
            n = r[CX]
            if n == 0:
                return
            if _block_compare(cpu, {width}):
                return
        else:
            n = 1
        budget = CHUNK
        while True:
            if {width} == 1:
                a = rb(cpu, (src + r[SI]) & 0xFFFFF)
                b = rb(cpu, (dst + r[DI]) & 0xFFFFF)
            else:
                a = rw(cpu, src, r[SI])
                b = rw(cpu, dst, r[DI])
            alu_sub(cpu, a, b, {mask})
            r[SI] = (r[SI] + d) & 0xFFFF
            r[DI] = (r[DI] + d) & 0xFFFF
            if not rep:
                return
            n -= 1
            r[CX] = n
            equal = a == b
            if n == 0 or (rep == 1) != equal:
                return
            budget -= 1
            if budget == 0:
                cpu.ip = cpu.insn_ip
                return
"""


# SCASB/SCASW: {width} 1 or 2 bytes, {mask} 0xFF or 0xFFFF
SCAS = """
    def {name}(cpu):
        r = cpu.regs
        dst = cpu.sregs[ES] << 4
        d = -{width} if cpu.flags & F_DF else {width}
        rep = cpu.rep
        if rep:
            n = r[CX]
            if n == 0:
                return
            if _block_scan(cpu, {width}):
                return
        else:
            n = 1
        a = r[AX] & {mask}
        budget = CHUNK
        while True:
            if {width} == 1:
                b = rb(cpu, (dst + r[DI]) & 0xFFFFF)
            else:
                b = rw(cpu, dst, r[DI])
            alu_sub(cpu, a, b, {mask})
            r[DI] = (r[DI] + d) & 0xFFFF
            if not rep:
                return
            n -= 1
            r[CX] = n
            equal = a == b
            if n == 0 or (rep == 1) != equal:
                return
            budget -= 1
            if budget == 0:
                cpu.ip = cpu.insn_ip
                return
"""


def _element_ins(cpu, width, n):
    r = cpu.regs
    dst = cpu.sregs[ES] << 4
    d = -width if cpu.flags & F_DF else width
    io = cpu.io
    for _ in range(n):
        if width == 1:
            wb(cpu, (dst + r[DI]) & 0xFFFFF, io.in8(r[DX]))
        else:
            ww(cpu, dst, r[DI], io.in16(r[DX]))
        r[DI] = (r[DI] + d) & 0xFFFF


def _element_outs(cpu, width, n):
    r = cpu.regs
    src = _src_seg(cpu)
    d = -width if cpu.flags & F_DF else width
    io = cpu.io
    for _ in range(n):
        if width == 1:
            io.out8(r[DX], rb(cpu, (src + r[SI]) & 0xFFFFF))
        else:
            io.out16(r[DX], rw(cpu, src, r[SI]))
        r[SI] = (r[SI] + d) & 0xFFFF


# INSB/INSW (80186): {width} 1 or 2 bytes
INS = """
    def {name}(cpu):
        r = cpu.regs
        n = 1
        if cpu.rep:
            if _block_in(cpu, {width}):
                return
            n = r[CX]
            if n == 0:
                return
            if n > CHUNK:
                r[CX] = n - CHUNK
                n = CHUNK
                cpu.ip = cpu.insn_ip
            else:
                r[CX] = 0
        _element_ins(cpu, {width}, n)
"""


# OUTSB/OUTSW (80186): {width} 1 or 2 bytes
OUTS = """
    def {name}(cpu):
        r = cpu.regs
        n = 1
        if cpu.rep:
            if _block_out(cpu, {width}):
                return
            n = r[CX]
            if n == 0:
                return
            if n > CHUNK:
                r[CX] = n - CHUNK
                n = CHUNK
                cpu.ip = cpu.insn_ip
            else:
                r[CX] = 0
        _element_outs(cpu, {width}, n)
"""
