"""The translating tier (pcemu/cpu/translate.py) against the interpreter.

Every program here runs twice on a bare CPU, interpreted and with the
translating tier, and must leave the same registers, flags, memory and
instruction count; the answers are also checked against values worked out
by hand. Guest programs are assembled with NASM.
"""
import re
import subprocess

import pytest

from conftest import require_tool

from pcemu.bus import CODE, RAM, IoPorts, Memory
from pcemu.cpu import CPU
from pcemu.cpu import translate

SEG = 0x1000


@pytest.fixture(autouse=True, scope="module")
def low_threshold():
    """Short guest loops here: translate after 50 entries instead of the tier's default."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(translate, "HOT_ENTRIES", 50)
        yield
BASE = SEG << 4


def assemble(tmp_path, source, name="prog"):
    require_tool("nasm")
    src = tmp_path / (name + ".asm")
    src.write_text("bits 16\ncpu 186\n" + source)
    out = tmp_path / (name + ".bin")
    subprocess.run(["nasm", "-f", "bin", "-o", str(out), str(src)], check=True)
    return out.read_bytes()


class _Pic:
    """Raises one IRQ (vector 08h) when the instruction count reaches ``at``."""

    def __init__(self, cpu, at):
        self.cpu = cpu
        self.at = at
        self.taken_at = None

    def acknowledge(self):
        self.taken_at = self.cpu.icount
        self.cpu.set_intr(False)
        return 0x08


def load(program, model="80186", tier="interp", quantum=None):
    mem = Memory()
    cpu = CPU(mem, IoPorts(), model=model)
    mem.data[BASE:BASE + len(program)] = program
    cpu.sregs[:] = [SEG, SEG, SEG, SEG]
    cpu.regs[4] = 0xFFFE
    cpu.ip = 0
    if tier == "auto":
        cpu.enable_translation()
    return cpu, mem


def run_to_halt(cpu, quantum=100000, limit=20_000_000):
    while not cpu.halted and cpu.icount < limit:
        cpu.run(quantum)
    assert cpu.halted, "guest did not halt"


def both(program, model="80186", quantum=100000, mostly_translated=True):
    """Run in both tiers; assert they agree; return the translated (cpu, mem).
    ``mostly_translated``: also assert most instructions ran translated."""
    out = {}
    for tier in ("interp", "auto"):
        cpu, mem = load(program, model, tier)
        run_to_halt(cpu, quantum)
        out[tier] = (cpu, mem)
    (icpu, imem), (tcpu, tmem) = out["interp"], out["auto"]
    assert tcpu.regs == icpu.regs and tcpu.sregs == icpu.sregs and tcpu.ip == icpu.ip
    assert tcpu.get_flags() == icpu.get_flags()
    assert tcpu.icount == icpu.icount
    assert tmem.data == imem.data
    if mostly_translated:
        assert tcpu.translator.translated_insns > tcpu.icount // 2, "the hot loops did not run translated"
    return tcpu, tmem


def region_at(cpu, ip):
    return cpu.translator.entry_region.get((SEG << 16) | ip)


# --- the benchmark guest ------------------------------------------------------------------
@pytest.mark.parametrize("model", ["8086", "80186"])
def test_bench_guest_same_results_and_counts(model):
    from pcemu import bench

    with open(bench.bench_path(), "rb") as f:
        program = f.read()
    cpu, mem = both(program, model)
    res = mem.data[BASE + bench.RESULTS:BASE + bench.RESULTS + 8]
    words = [res[i] | (res[i + 1] << 8) for i in range(0, 8, 2)]
    want = bench.expected_results()
    assert words == [want["primes"], want["checksum"], want["mismatches"], want["done"]]


def test_budget_is_never_overshot():
    """run(n) stops where the interpreter stops (after n instructions, or one
    more after a MOV SS / STI shadow), so virtual-clock timers fire at the
    same instruction in both tiers."""
    from pcemu import bench

    with open(bench.bench_path(), "rb") as f:
        program = f.read()
    icpu, _ = load(program, tier="interp")
    tcpu, _ = load(program, tier="auto")
    for n in (1, 2, 3, 5, 7, 11, 13, 17, 997, 1000, 4999):
        for _ in range(40):
            assert tcpu.run(n) == icpu.run(n)
            assert (tcpu.icount, tcpu.ip, tcpu.regs) == (icpu.icount, icpu.ip, icpu.regs)
    assert tcpu.translator.translated_insns > 0


# --- self-modifying code ------------------------------------------------------------------
SMC_TEMPLATE = """
        org 0
start:  mov bp, 2
round:  call 0x1000:other      ; the other loop, hot first, is a region of its own
        mov cx, 3000
        xor ax, ax
x:      add ax, 3              ; 83 C0 03: the immediate is at x+2
        loop x
        push ax
{patch}
        dec bp
        jnz round
        pop bx                 ; second round
        pop dx                 ; first round
        cli
        hlt
patch5: add ax, 5
        times 0x300-($-$$) db 0x90
other:  mov cx, 3000
        xor di, di
y:      add di, 1
        loop y
        retf
"""

PATCHES = {
    "mov": "        mov byte [x+2], 5",
    "stos": "        mov di, x+2\n        mov al, 5\n        cld\n        stosb",
    "rep_movs": "        mov si, patch5\n        mov di, x\n        mov cx, 3\n        cld\n        rep movsb",
}


@pytest.mark.parametrize("how", sorted(PATCHES))
def test_write_into_translated_code_invalidates_exactly_that_region(tmp_path, how):
    program = assemble(tmp_path, SMC_TEMPLATE.format(patch=PATCHES[how]))
    cpu, mem = both(program)
    # the first round added 3s, the patched second round 5s
    assert cpu.regs[2] == 9000 and cpu.regs[3] == 15000
    tr = cpu.translator
    # the patch runs in both rounds; the second one writes the same bytes again
    assert tr.invalidations == 1, "only the patched region may go, once"
    other = region_at(cpu, 0x300 + 5)   # y
    assert other is not None and other.live
    # the patched loop was translated again, from the new bytes
    x = program.index(b"\x83\xC0\x03")
    again = region_at(cpu, x)
    assert again is not None and again.live and "t_b = 5\n" in again.source


def test_data_writes_next_to_code_do_not_leave_the_page_slow(tmp_path, monkeypatch):
    program = assemble(tmp_path, """
        org 0
        mov cx, 60000
        xor ax, ax
l:      add ax, 1
        mov [counter], ax      ; data in the same 4 KiB page as the loop
        loop l
        cli
        hlt
counter: dw 0
""")
    calls = []
    original = translate.Translator.code_written

    def counting(self, addr):
        calls.append(addr)
        return original(self, addr)

    monkeypatch.setattr(translate.Translator, "code_written", counting)
    cpu, mem = both(program)    # also: most of the loop ran translated
    assert mem.data[BASE + len(program) - 2] == 60000 & 0xFF
    assert mem.kind[BASE >> 12] == CODE
    # the data writes never reached the invalidation path
    assert calls == [] and cpu.translator.invalidations == 0


def test_the_interpreters_data_writes_next_to_code_stay_on_the_fast_path(tmp_path):
    # Large-model DOS programs keep data in the pages of their code: CHKDSK made 11.7M of its
    # 22M instructions' writes through Memory.write8 while a region lived in that page.
    program = assemble(tmp_path, """
        org 0
        mov cx, 2000
l:      inc ax
        loop l
        cli                    ; ends the region: what follows is interpreted
        mov [counter], ax      ; beside the translated loop: a word
        inc byte [counter+2]   ; and a byte
        cli
        hlt
counter: dw 0
        db 0
""")
    cpu, mem = load(program, tier="auto")
    slow = []
    write8 = mem.write8

    def counting(addr, value):
        slow.append(addr)
        return write8(addr, value)

    mem.write8 = counting
    run_to_halt(cpu)
    region = region_at(cpu, 3)
    assert region is not None and region.live and mem.kind[BASE >> 12] == CODE
    counter = BASE + len(program) - 3
    assert mem.data[counter:counter + 3] == bytes([2000 & 0xFF, 2000 >> 8, 1])
    assert slow == [], "the interpreter took Memory.write8 for data next to translated code"


def test_code_page_returns_to_ram_when_its_last_region_goes(tmp_path):
    program = assemble(tmp_path, """
        org 0
        mov cx, 2000
l:      inc ax
        loop l
        cli
        hlt
""")
    cpu, mem = load(program, tier="auto")
    run_to_halt(cpu)
    page = BASE >> 12
    assert mem.kind[page] == CODE
    region = region_at(cpu, 3)
    assert region is not None
    # a write beside the code: a miss, the region stays
    assert not mem.write8(BASE + 0x800, 1)
    assert region.live and mem.kind[page] == CODE
    # a write into it: the region goes, and with it the page's CODE kind
    assert mem.write8(BASE + 3, 0x43)   # INC AX becomes INC BX
    assert not region.live and mem.kind[page] == RAM


# --- interrupts -----------------------------------------------------------------------------
IRQ_PROGRAM = """
        org 0
        xor ax, ax
        mov ds, ax
        mov word [8*4], handler
        mov word [8*4+2], 0x1000
        mov ax, cs
        mov ds, ax
        sti
        mov cx, 50000
l:      add dx, cx
        loop l
        cli
        hlt
handler:
        inc word [cs:count]
        iret
count:  dw 0
"""


# the same with the loop's body in a far function: the region's code in two code segments
FAR_IRQ_PROGRAM = IRQ_PROGRAM.replace("l:      add dx, cx", "l:      call 0x1000:far_add").replace(
    "handler:", "far_add: add dx, cx\n        retf\nhandler:")


@pytest.mark.parametrize("source", [IRQ_PROGRAM, FAR_IRQ_PROGRAM], ids=["near", "far"])
@pytest.mark.parametrize("at", [1234, 5001, 20000, 20001, 20002])
def test_irq_taken_at_the_same_instruction_as_the_interpreter(tmp_path, at, source):
    program = assemble(tmp_path, source)
    taken = {}
    for tier in ("interp", "auto"):
        cpu, mem = load(program, tier=tier)
        pic = _Pic(cpu, at)
        cpu.intc = pic
        # the machine raises IRQs between run() calls (timers fire between quanta)
        cpu.run(at - cpu.icount)
        cpu.set_intr(True)
        run_to_halt(cpu, quantum=1000)
        taken[tier] = (pic.taken_at, cpu.icount, list(cpu.regs), mem.data[:])
        if tier == "auto":
            assert cpu.translator.translated_insns > 10000
    assert taken["auto"] == taken["interp"]
    assert taken["auto"][0] == at


def test_trap_flag_runs_interpreted(tmp_path):
    program = assemble(tmp_path, """
        org 0
        mov cx, 30000
l:      inc ax
        loop l
        cli
        hlt
""")
    cpu, _ = load(program, tier="auto")
    cpu.run(4000)                       # hot: the loop is translated now
    assert cpu.translator.translated_insns > 0
    done = cpu.translator.translated_insns
    # int 1 handler: IRET at 0:0500
    cpu.mem.data[0x500] = 0xCF
    cpu.mem.data[4:8] = bytes([0x00, 0x05, 0x00, 0x00])
    cpu.set_flags(cpu.get_flags() | 0x100)
    cpu.run(10)
    assert cpu.translator.translated_insns == done


# --- regions ---------------------------------------------------------------------------------
def test_nested_loops_run_in_one_region(tmp_path):
    """An inner loop left on every pass of its outer loop (a sieve's strike loop) stays in
    the outer loop's region: no trip back through the interpreter per outer pass."""
    program = assemble(tmp_path, """
        org 0
        mov bx, 2
outer:  cmp byte [bx+0x2000], 0
        jne next         ; struck already: the outer loop's path around the inner one
        mov si, bx
        add si, bx
inner:  cmp si, 4000
        jae next
        mov byte [si+0x2000], 1
        add si, bx
        jmp inner
next:   inc bx
        cmp bx, 2000
        jb outer
        cli
        hlt
""")
    cpu, mem = both(program)
    tr = cpu.translator
    interpreted = cpu.icount - tr.translated_insns
    # the warm-up before the loops got hot (about 1,000 here); with a region per loop every
    # prime went back through the interpreter (4,400)
    assert interpreted < 2000, (interpreted, cpu.icount)
    assert mem.data[BASE + 0x2000 + 3999] == 1          # 3999 = 3 * 1333: struck


# --- which regions stay ------------------------------------------------------------------------
@pytest.fixture
def on_trial(monkeypatch):
    """Hot places probed and new regions on trial, as under PyPy (under CPython, which
    compiles nothing, every region is translated and stays: see translate.TRIAL_CALLS)."""
    monkeypatch.setattr(translate, "TRIAL_CALLS", 8)
    monkeypatch.setattr(translate, "PROBE_CALLS", 8)


def test_regions_are_probed_and_on_trial_only_under_pypy():
    import sys

    assert translate.TRIAL_CALLS == (8 if sys.implementation.name == "pypy" else 0)
    assert translate.PROBE_CALLS == translate.TRIAL_CALLS


# a hot loop at 0003 whose every pass does port I/O
PORT_IO_LOOP = """
        org 0
        mov cx, 3000
top:    inc ax
        out 0x80, al     ; port I/O: a region would end before it, on every pass
        loop top
        cli
        hlt
"""


def assert_never_compiled(tmp_path, source):
    """Run ``source`` in both tiers (same results): its hot loop at 0003 went back to the
    interpreter for good after its probe, without a compile. Returns the translated run's
    memory."""
    tcpu, tmem = both(assemble(tmp_path, source), mostly_translated=False)
    tr = tcpu.translator
    top = (SEG << 16) | 3
    assert tr.regions_translated == 0 and tr.dropped == 1 and tr.compile_seconds == 0
    assert top not in tr.blocks and tr.counts[top] < 0         # never probed again
    assert tr.translated_insns == 0
    return tmem


def test_a_hot_loop_stopped_by_port_io_on_every_pass_is_never_compiled(tmp_path, on_trial):
    """Its probe sees the OUT after one instruction a pass: the place goes back to the
    interpreter for good without a compile, with the same results."""
    tmem = assert_never_compiled(tmp_path, PORT_IO_LOOP)
    assert tmem.kind[BASE >> 12] == RAM


def test_a_copy_loop_stopped_by_rep_movsb_is_never_compiled(tmp_path, on_trial):
    """As in the UPX decompressors FreeDOS's kernel and shell start with: a hot loop that
    copies with REP MOVSB on every pass (a region ends before a REP) is left to the
    interpreter after its probe."""
    program = assemble(tmp_path, """
        org 0
        push cs
        pop es
        mov si, 0x1000
        mov di, 0x3000
        mov dx, 2000
top:    mov cx, 3
        add si, 2
        rep movsb
        dec dx
        jnz top
        cli
        hlt
""")
    tcpu, tmem = both(program, mostly_translated=False)
    tr = tcpu.translator
    assert tr.regions_translated == 0 and tr.dropped >= 1 and tr.translated_insns == 0


# A short function at 0002, called three times a pass of a loop: its entry (a backward CALL)
# gets hot before the loop's head, and the code run from it goes on for long after it
# returns, while a region translated there would end at its RET on every call.
SHORT_FUNCTION = """
        org 0
        jmp start
func:   inc ax
%rep 8
        add ax, si
%endrep
        ret
start:  mov cx, 300
top:    call func
        call func
        call func
        inc bx
        loop top
        cli
        hlt
"""


def test_a_place_whose_run_leaves_through_its_return_is_never_compiled(tmp_path, on_trial):
    """The probe stops where a region would leave whatever the bytes: here at the RET that
    returns from the hot place's own frame (also at a CALL nested deeper than a region
    inlines, and at CALL or JMP through memory or a register). It saw 200 instructions there
    before (the caller's loop after the RET), so the function was translated, then dropped
    after its trial. Now only the loop is compiled (the function inlined in it), with the
    same results."""
    tcpu, tmem = both(assemble(tmp_path, SHORT_FUNCTION), mostly_translated=False)
    tr = tcpu.translator
    assert tr.counts[(SEG << 16) | 2] < 0                      # never translated on its own
    assert tr.regions_translated == 1 and tr.dropped == 1      # the loop; func after its probe
    top = region_at(tcpu, 0x17)
    assert top is not None and top.ip == 0x17 and region_at(tcpu, 2) is top   # func inlined


LONGER_THAN_A_REGION = """
        org 0
        mov cx, 1500
top:
%%rep %d
        inc ax
%%endrep
        dec cx
        jz done
        jmp top
done:   cli
        hlt
""" % (translate.MAX_NODES + 8)


def test_a_loop_longer_than_a_region_is_never_compiled(tmp_path, on_trial):
    """Its probe runs long (no instruction in it ends a region) but through more distinct
    instructions than a region holds: the place goes back to the interpreter for good
    without a compile, with the same results."""
    assert_never_compiled(tmp_path, LONGER_THAN_A_REGION)


def left_after(monkeypatch, tmp_path, insns):
    """LONGER_THAN_A_REGION with regions of ``insns`` instructions, its probe blind to how many
    distinct ones it saw: the loop's region is translated and leaves at its node budget,
    after ``insns`` instructions on every call. Returns the translated run's (cpu, mem)."""
    monkeypatch.setattr(translate, "PROBE_MAX_DISTINCT", 1 << 20)
    monkeypatch.setattr(translate, "MAX_NODES", insns)
    return both(assemble(tmp_path, LONGER_THAN_A_REGION), mostly_translated=False)


def test_a_region_left_after_dozens_of_instructions_every_call_is_kept(tmp_path, on_trial, monkeypatch):
    """FreeDOS's UNZIP: the region of its inflate loop left at a REP MOVSW or at its node
    budget after about 60 instructions a call, and was dropped after its trial, the place
    left to the interpreter (a quarter of the speed) for the rest of the run. A region that
    averages TRIAL_KEEP_RUN instructions a call on trial stays, called directly."""
    insns = 64
    tcpu, tmem = left_after(monkeypatch, tmp_path, insns)
    tr = tcpu.translator
    top = (SEG << 16) | 3
    assert tr.regions_translated == 1 and tr.dropped == 0 and tr.invalidations == 0
    region = region_at(tcpu, 3)
    assert region is not None and tr.blocks[top][0] is region.fn      # off trial, kept
    # every pass from the probe on ran its first 64 instructions translated
    assert tr.translated_insns > 1000 * insns


def test_a_region_left_after_a_few_instructions_every_call_is_dropped(tmp_path, on_trial, monkeypatch):
    """Below TRIAL_KEEP_RUN instructions a call a region costs more to compile than it saves
    (the UPX decompressors that start FreeDOS's kernel and shell left theirs every 25-40
    instructions, at a REP MOVSB): after its trial calls the place goes back to the
    interpreter for good, with the same results."""
    insns = translate.TRIAL_KEEP_RUN - 8
    tcpu, tmem = left_after(monkeypatch, tmp_path, insns)
    tr = tcpu.translator
    top = (SEG << 16) | 3
    assert tr.regions_translated == 1 and tr.dropped == 1 and tr.invalidations == 0
    assert top not in tr.blocks and tr.counts[top] < 0         # never translated again
    assert tr.translated_insns == translate.TRIAL_CALLS * insns
    assert tmem.kind[BASE >> 12] == RAM                        # no translated code left


def test_the_jit_is_held_while_a_region_is_generated(tmp_path, monkeypatch):
    """The code generator runs a few times per program: PyPy would trace it, and the regular
    expression engine under it (the race's guest: 12 traces of it), for nothing. A region is
    decoded, emitted and compiled with the JIT held (a stand-in for pypyjit records the
    calls, as in tests/test_hostjit.py), and the JIT is let go right after."""
    from pcemu import hostjit
    from test_hostjit import RecordingJit

    fake = RecordingJit()
    monkeypatch.setattr(hostjit, "pypyjit", fake)
    monkeypatch.setattr(hostjit, "_holders", set())
    held = []
    build = translate.Translator._build

    def watched(self, *args):
        held.append(hostjit.held())
        return build(self, *args)
    monkeypatch.setattr(translate.Translator, "_build", watched)
    cpu, _ = load(assemble(tmp_path, """
        org 0
        mov cx, 3000
top:    inc ax
        add bx, ax
        loop top
        cli
        hlt
"""), tier="auto")
    cpu.translator.cache = None
    run_to_halt(cpu)
    assert held and all(held) and not hostjit.held()
    assert fake.calls.count("off") == len(held) and len(fake.calls) == 2 * len(held)


def test_the_written_out_enders_are_the_decoders():
    for is186 in (False, True):
        assert translate.enders_table(is186) == translate.region_enders(is186)
        cpu, _ = load(b"", model="80186" if is186 else "8086", tier="auto")
        assert cpu.translator.enders == translate.region_enders(is186)


def test_region_enders_are_what_the_decoder_leaves_to_the_interpreter():
    for is186 in (False, True):
        ends = translate.region_enders(is186)
        for op in (0xE4, 0xEC, 0xEE, 0xCD, 0xCF, 0xF3, 0xF2, 0xF4, 0xFA, 0xFB, 0x9D, 0x17):
            assert ends[op], "%02X" % op
        # far CALL, JMP and RETF are followed like near ones
        for op in (0x40, 0x89, 0x8B, 0xE2, 0x75, 0xE8, 0xC3, 0xA4, 0x26, 0x8E, 0xF7, 0x9A, 0xEA, 0xCA, 0xCB):
            assert not ends[op], "%02X" % op
    assert translate.region_enders(True)[0x6C] and not translate.region_enders(True)[0xC1]


def test_force_translates_a_place_on_probe(tmp_path, on_trial):
    program = assemble(tmp_path, PORT_IO_LOOP)
    cpu, mem = load(program, "80186", "auto")
    tr = cpu.translator
    top = (SEG << 16) | 3
    while top not in tr.probes:      # one instruction a run: the probe has not run yet
        assert not cpu.halted
        cpu.run(1)
    region = tr.force(SEG, 3)
    assert region is not None and top not in tr.probes
    assert tr.blocks[top][0] is region.fn


def test_a_region_that_stays_inside_is_kept_and_called_directly(tmp_path, on_trial):
    """After its trial a long-running region's entry points call its function again, not the
    counting wrapper. (Short runs of the CPU, so the region is called often.)"""
    program = assemble(tmp_path, """
        org 0
        mov dx, 400
outer:  mov cx, 300
inner:  add ax, cx
        loop inner
        dec dx
        jnz outer
        cli
        hlt
""")
    cpu, mem = both(program, quantum=2000)
    tr = cpu.translator
    assert tr.dropped == 0 and tr.regions_translated >= 1
    for key, entry in tr.blocks.items():
        assert entry[0] is tr.entry_region[key].fn


# --- far calls, jumps and returns -----------------------------------------------------------
# Large-model DOS programs (C compilers' runtime, FreeDOS's UNZIP and CHKDSK) call far
# helpers in their inner loops: a region follows CALL FAR, JMP FAR and RETF as it follows near
# ones, its code then in more than one code segment. The helpers here live at offset 1000h of
# the program, which CS 1100h reaches at IP 0.
FAR_HELPER_LOOP = """
        org 0
        mov cx, 3000
        xor bx, bx
top:    mov ax, cx
        xor dx, dx
        call 0x1100:shr32-0x1000   ; a far runtime helper: DX:AX >> 3
        add bx, ax
        loop top
        cli
        hlt
        times 0x1000-($-$$) db 0x90
shr32:  push cx
        mov cx, 3
        push cs                    ; a near call to a function that returns with RETF
        call shift
        pop cx
        retf
shift:  shr dx, 1
        rcr ax, 1
        loop shift
        retf
"""


def test_a_loop_calling_a_far_helper_runs_in_one_region(tmp_path):
    cpu, mem = both(assemble(tmp_path, FAR_HELPER_LOOP))
    assert cpu.regs[3] == sum(c >> 3 for c in range(1, 3001)) & 0xFFFF
    tr = cpu.translator
    # the warm-up before the loop got hot, then no trip through the interpreter per call
    assert cpu.icount - tr.translated_insns < 2000, (cpu.icount, tr.translated_insns)
    region = region_at(cpu, 5)          # top
    assert region is not None and region.live
    assert 0x11000 in region.lins and "s[1] = 4352" in region.source   # holds the helper


def test_far_calls_are_probed_into_the_callee(tmp_path, on_trial):
    """The probe follows a far call as a near one (it used to stop at the first far
    transfer or change of CS): the loop is compiled once and kept. (The helper's own
    loop, hot first, is not: its probe stops at the RETF leaving it.) Short runs of the
    CPU, so the region ends its trial."""
    cpu, mem = both(assemble(tmp_path, FAR_HELPER_LOOP), quantum=2000)
    tr = cpu.translator
    assert tr.regions_translated == 1 and tr.invalidations == 0
    region = region_at(cpu, 5)
    assert region.live and tr.blocks[(SEG << 16) | 5][0] is region.fn


ODD_RETURNS = """
        org 0
        mov cx, 1500
top:    push cs
        call nearf              ; a near call to a function that returns with RETF
        push cx
        call 0x1100:farf-0x1000 ; RETF 2 drops the argument pushed
        call 0x1000:samef       ; a far call whose callee returns near: CS unchanged
        add sp, 2               ; the CS the far call pushed
        jmp 0x1100:jumped-0x1000
back:   loop top
        cli
        hlt
nearf:  inc bx
        {retf}
samef:  add di, 1
        ret
        times 0x1000-($-$$) db 0x90
farf:   mov bp, sp
        add si, [bp+4]
        {retf2}
jumped: xor dx, si
        jmp 0x1000:back
"""


@pytest.mark.parametrize("model", ["8086", "80186"])
def test_far_returns_of_every_form(tmp_path, model):
    """RETF, RETF n (and on the 8086 their aliases C9 and C8), a RETF after PUSH CS and a
    near CALL, a near RET from a far call to the same segment, JMP FAR there and back."""
    forms = {"retf": "retf", "retf2": "retf 2"}
    if model == "8086":
        forms = {"retf": "db 0xC9", "retf2": "db 0xC8, 2, 0"}
    cpu, mem = both(assemble(tmp_path, ODD_RETURNS.format(**forms)), model)
    si = dx = 0
    for c in range(1500, 0, -1):
        si = (si + c) & 0xFFFF
        dx ^= si
    assert (cpu.regs[3], cpu.regs[6], cpu.regs[7], cpu.regs[2]) == (1500, si, 1500, dx)
    assert cpu.icount - cpu.translator.translated_insns < 2000


def test_a_call_into_a_region_from_elsewhere_runs_nothing_translated(tmp_path):
    """The first block of an inlined call is an entry point (the interpreter may make the call
    itself), through a check of the return address on the stack: called from anywhere else,
    the region returns at once, having run nothing."""
    program = assemble(tmp_path, FAR_HELPER_LOOP)
    cpu, mem = load(program, tier="auto")
    region = cpu.translator.force(SEG, 5)
    fn, pc, lp = region.entries[(0x1100 << 16) | 0]      # shr32
    call = program.index(b"\x9A")
    for ret_cs, ret_ip, runs in ((SEG, call + 5, True), (SEG, 0x1234, False), (0x0FFF, call + 5 + 16, False)):
        cpu.sregs[1] = 0x1100
        cpu.ip = 0
        cpu.regs[4] = 0xFFFA
        mem.data[BASE + 0xFFFA:BASE + 0xFFFE] = bytes([ret_ip & 0xFF, ret_ip >> 8, ret_cs & 0xFF, ret_cs >> 8])
        before = (list(cpu.regs), cpu.ip, cpu.icount)
        n = fn(cpu, cpu.icount + 1000, pc)
        if runs:
            assert n > 0 and cpu.icount == before[2] + n
        else:
            assert n == 0 and (list(cpu.regs), cpu.ip, cpu.icount) == before


def test_a_helper_called_from_elsewhere_keeps_the_region_on_trial(tmp_path, on_trial):
    """A runtime helper inlined in a loop's region, and called from other places the
    interpreter runs: those calls neither run the region nor count in its trial, so the loop's
    region is kept (in FreeDOS's UNZIP they made the inflate loop's region look like one that
    leaves after 20 instructions)."""
    program = assemble(tmp_path, """
        org 0
        mov bp, 40
outer:  mov cx, 50
inner:  call 0x1100:helper-0x1000
        loop inner
        out 0x80, al            ; ends the region: the calls below run in the interpreter
%rep 8
        call 0x1100:helper-0x1000
%endrep
        dec bp
        jnz outer
        cli
        hlt
        times 0x1000-($-$$) db 0x90
helper: add bx, 1
        adc dx, 0
        retf
""")
    cpu, mem = both(program, mostly_translated=False)
    assert cpu.regs[3] == 40 * 58
    tr = cpu.translator
    region = region_at(cpu, 6)          # inner
    assert region is not None and region.live and tr.blocks[(SEG << 16) | 6][0] is region.fn
    assert tr.translated_insns >= 30 * 50 * 4


def test_a_probe_cut_short_by_the_end_of_a_run_gives_no_verdict(tmp_path, on_trial):
    """A probe stopped by the end of the run (or an interrupt) before PROBE_MIN_RUN
    instructions tells nothing about the code: it does not count as one of the place's
    PROBE_CALLS (under the realtime clock a slow host runs short slices; PYPYLOG's slowdown
    once left FreeDOS's UNZIP 28% translated instead of 62%)."""
    program = assemble(tmp_path, """
        org 0
        mov cx, 60000
l:      add ax, cx
        adc dx, 0
        loop l
        cli
        hlt
""")
    cpu, mem = load(program, tier="auto")
    tr = cpu.translator
    key = (SEG << 16) | 3
    while key not in tr.probes:
        cpu.run(100)
    for _ in range(2 * translate.PROBE_CALLS):     # each of these runs ends inside the probe
        cpu.run(100)
    assert key in tr.probes
    run_to_halt(cpu)
    total = 60000 * 60001 // 2
    assert (cpu.regs[0], cpu.regs[2]) == (total & 0xFFFF, total >> 16)
    assert tr.translated_insns > cpu.icount // 2


LONG_COLD_PATH = """
        org 0
        mov cx, 5000
        mov word [0x2000], 1000
top:    dec word [0x2000]
        jns hot
        call refill             ; once in 1000 passes, and longer than a region
        mov word [0x2000], 1000
hot:    add bx, cx
        loop top
        cli
        hlt
refill:
%%rep %d
        add si, 1
%%endrep
        ret
""" % (translate.MAX_NODES + 12)


def test_the_paths_seen_to_run_are_decoded_first(tmp_path, on_trial):
    """A region holds at most MAX_NODES instructions: those its probe saw run are decoded
    before the others. Depth first alone, the long path the loop falls into once in 1000
    passes took them all, and the region left at the loop's own next instruction."""
    cpu, mem = both(assemble(tmp_path, LONG_COLD_PATH))
    tr = cpu.translator
    region = region_at(cpu, 9)          # top
    assert region is not None and region.live and tr.dropped == 0
    # and it holds what its probe saw with room for more, not MAX_NODES: here half of it
    # (less the HLT after the loop, decoded but left to the interpreter)
    translated = re.findall(r"^ +# [0-9A-F]{4}$", region.source, re.M)
    assert translate.MAX_NODES // 2 - 2 <= len(translated) <= translate.MAX_NODES // 2


def test_a_place_also_reached_outside_any_call_is_entered_there(tmp_path):
    """f is inlined in the loop and also reached by a JMP outside any call: its entry point is
    that block, which needs no return address, not the inlined call's checked one."""
    program = assemble(tmp_path, """
        org 0
        mov cx, 2000
top:    call f
        loop top
        jmp f
f:      inc bx
        ret
""")
    cpu, mem = load(program, tier="auto")
    region = cpu.translator.force(SEG, 3)
    f = program.index(b"\x43\xC3")            # INC BX; RET
    checks = re.findall(r"if pc == (\d+):  # 1000:%04X, if called from" % f, region.source)
    assert len(checks) == 1
    assert region.entries[(SEG << 16) | f][1] != int(checks[0])


BRANCHY_LOOP = """
        org 0
        mov cx, 4000
        mov si, 0x1234
top:    mov ax, si
%assign b 0
%rep 12
        test ax, 1 << b
        jz .skip%[b]
        add dx, b + 1
.skip%[b]:
%assign b b+1
%endrep
        mov bx, si              ; the next pattern of bits
        shl si, 1
        xor si, bx
        add si, 0x2545
        loop top
        cli
        hlt
"""


def _pc_assignments(source):
    """(line after) for every ``pc = N`` in a region's source."""
    lines = source.splitlines()
    return [lines[k + 1].strip() for k, line in enumerate(lines) if re.match(r"^ +pc = \d+$", line)]


def test_a_branchy_region_goes_through_its_loop_head_between_blocks(tmp_path):
    """A region of more than HOP_BLOCKS basic blocks sends every transfer through its loop's
    head, where PyPy's traces end (see HOP_BLOCKS); a small one falls through to the next
    block. Both run as the interpreter does."""
    cpu, mem = both(assemble(tmp_path, BRANCHY_LOOP))
    region = region_at(cpu, 6)          # top
    assert region is not None
    assert len(re.findall(r"^        if pc == ", region.source, re.M)) > translate.HOP_BLOCKS
    assert set(_pc_assignments(region.source)) == {"continue"}
    small = assemble(tmp_path, LONG_COLD_PATH, "small")
    cpu, mem = both(small)
    assert "continue" in _pc_assignments(region_at(cpu, 9).source)
    assert set(_pc_assignments(region_at(cpu, 9).source)) != {"continue"}


RETURN_ELSEWHERE = """
        org 0
        mov cx, 2000
        xor bx, bx
top:    call 0x1100:helper-0x1000
        inc bx                  ; skipped when the helper returns one byte further
        loop top
        cli
        hlt
        times 0x1000-($-$$) db 0x90
helper: mov bp, sp
        cmp cx, 1000
        jne .near
        add word [bp], 0x10     ; once: the same bytes through another CS, 0FFF:IP+10
        dec word [bp+2]
        retf
.near:  test cl, 7
        jnz .same
        inc word [bp]           ; every 8th call: return past the INC BX
.same:  retf
"""


def test_a_far_return_elsewhere_leaves_exactly(tmp_path, monkeypatch):
    """A RETF is checked against the CS and IP the inlined CALL FAR pushed: a callee that
    changes either leaves the region for the interpreter at the popped CS:IP. (No trial:
    under PyPy a region left every 8 calls would be dropped after it.)"""
    monkeypatch.setattr(translate, "TRIAL_CALLS", 0)
    monkeypatch.setattr(translate, "PROBE_CALLS", 0)
    cpu, mem = both(assemble(tmp_path, RETURN_ELSEWHERE))
    assert cpu.regs[3] == 2000 - 249 and cpu.sregs[1] == 0x0FFF
    tr = cpu.translator
    # the loop became hot again in its new code segment and was translated there
    assert any(key >> 16 == 0x0FFF for key in tr.blocks)


def test_far_code_keeps_the_budget_and_cs(tmp_path, monkeypatch):
    """Exits from a region's code in another segment store CS: run(n) stops where the
    interpreter stops, with the same CS:IP. (No probe: runs this short would stop it.)"""
    monkeypatch.setattr(translate, "TRIAL_CALLS", 0)
    monkeypatch.setattr(translate, "PROBE_CALLS", 0)
    program = assemble(tmp_path, FAR_HELPER_LOOP)
    icpu, _ = load(program, tier="interp")
    tcpu, _ = load(program, tier="auto")
    for n in (1, 2, 3, 5, 7, 11, 13, 17, 97, 1000):
        for _ in range(40):
            assert tcpu.run(n) == icpu.run(n)
            assert (tcpu.icount, tcpu.sregs, tcpu.ip, tcpu.regs) == (icpu.icount, icpu.sregs, icpu.ip, icpu.regs)
    assert tcpu.translator.translated_insns > 0


def test_a_write_into_a_far_callee_invalidates_the_region_holding_it(tmp_path):
    program = assemble(tmp_path, """
        org 0
        mov bp, 2
round:  mov cx, 3000
        xor dx, dx
x:      call 0x1100:adder-0x1000
        loop x
        push dx
        mov byte [adder+2], 5   ; DS is 1000h: the far helper's immediate
        dec bp
        jnz round
        pop bx                  ; second round
        pop dx                  ; first round
        cli
        hlt
        times 0x1000-($-$$) db 0x90
adder:  add dx, 3               ; 83 C2 03
        retf
""")
    cpu, mem = both(program)
    assert cpu.regs[2] == 9000 and cpu.regs[3] == 15000
    tr = cpu.translator
    assert tr.invalidations == 1
    again = region_at(cpu, 8)      # x, translated again from the new bytes
    assert again is not None and again.live and "t_b = 5\n" in again.source


# --- flags ----------------------------------------------------------------------------------
def test_dead_flags_are_not_computed(tmp_path):
    program = assemble(tmp_path, """
        org 0
        mov cx, 1000
l:      add ax, bx       ; dead: the SUB below overwrites every flag
        sub dx, 1        ; read by JNZ (tested on its own result)
        jnz l
        cli
        hlt
""")
    cpu, _ = load(program, tier="auto")
    region = cpu.translator.force(SEG, 3)
    src = region.source
    body = src[src.index("if pc == 0"):]
    # the ADD leaves its flags only on exit paths; the SUB's JNZ reads its temporaries
    add_at = body.index("# 0003")
    sub_at = body.index("# 0005")
    assert "f[FK] = 1" not in body[add_at:sub_at]
    assert "f[FK] = 2" in body[sub_at:]       # the SUB's, stored where the loop is left
    assert "if not ((t_r & 65535) == 0)" in body


def test_guest_state_is_kept_in_lists_not_locals(tmp_path):
    """Registers live in cpu.regs and the flags and count in one list while a region runs,
    and no temporary reaches a loop header holding a value: under PyPy a local that does is
    carried boxed, and every bridge back to the header allocated a box for it."""
    program = assemble(tmp_path, """
        org 0
        mov cx, 3000
l:      test cl, 1
        jz even
        add bx, cx       ; two paths around the loop: one of them a bridge under PyPy
        jmp next
even:   sub dx, cx
next:   loop l
        cli
        hlt
""")
    cpu, _ = load(program, tier="auto")
    region = cpu.translator.force(SEG, 3)
    lines = region.source.splitlines()
    code = [l.split("  #")[0] for l in lines if not l.lstrip().startswith("#")]
    for name in ("ax", "bx", "cx", "dx", "si", "fk", "fl", "ic"):
        assert not any(re.search(r"\b%s\b" % name, l) for l in code), name
    assert any("r[BX] = " in l for l in code) and any("r[CX] = " in l for l in code)
    temps = sorted(set(re.findall(r"\bt_\w+", region.source)))
    loop_ends = [i for i, l in enumerate(lines) if l.strip() == "continue"]
    assert loop_ends
    for i in loop_ends:
        assert lines[i - 2].strip() == " = ".join(temps) + " = None", lines[i - 3:i + 1]
    tcpu, _ = both(program)
    assert tcpu.regs[3] == sum(range(1, 3001, 2)) & 0xFFFF
    assert tcpu.regs[2] == -sum(range(2, 3001, 2)) & 0xFFFF


def test_flags_at_exit_are_the_interpreters(tmp_path):
    # exits right after dead flag writers must still leave the right lazy flags
    program = assemble(tmp_path, """
        org 0
        mov cx, 5000
l:      add ax, 7
        inc bx
        rol dx, 1
        loop l
        pushf
        pop si
        cli
        hlt
""")
    both(program, quantum=777)   # odd quanta: many budget exits in mid-loop


# --- source, names, dumps -------------------------------------------------------------------
def test_blocks_have_names_and_visible_source(tmp_path):
    program = assemble(tmp_path, """
        org 0
        mov cx, 10
l:      div cl            ; not translated: a DIV can fault
        loop l
        cli
        hlt
""")
    cpu, _ = load(program, tier="auto")
    region = cpu.translator.force(SEG, 0)
    assert region.fn.__name__ == "block_1000_0000"
    assert region.filename.startswith("<pcemu block 1000:0000")
    import linecache

    assert linecache.getline(region.filename, 1).startswith("def block_1000_0000(")


def test_dump_blocks_writes_the_source(tmp_path):
    program = assemble(tmp_path, "org 0\nmov cx, 5\nl: inc ax\nloop l\ncli\nhlt\n")
    mem = Memory()
    cpu = CPU(mem, IoPorts())
    mem.data[BASE:BASE + len(program)] = program
    cpu.sregs[:] = [SEG] * 4
    cpu.enable_translation(dump_dir=str(tmp_path / "blocks"))
    region = cpu.translator.force(SEG, 0)
    files = list((tmp_path / "blocks").iterdir())
    assert len(files) == 1 and files[0].name.startswith("block_1000_0000")
    assert files[0].read_text() == region.source


# --- memory-mapped devices ------------------------------------------------------------------
class _LoggingDevice:
    """A memory-mapped page that records (icount, kind, address, value) of every access."""

    def __init__(self, cpu):
        self.cpu = cpu
        self.log = []
        self.cells = bytearray(0x1000)

    def mem_read8(self, addr):
        v = self.cells[addr & 0xFFF]
        self.log.append((self.cpu.icount, "r", addr, v))
        return v

    def mem_write8(self, addr, value):
        self.cells[addr & 0xFFF] = value
        self.log.append((self.cpu.icount, "w", addr, value))


def test_mmio_sees_the_interpreters_instruction_count(tmp_path):
    program = assemble(tmp_path, """
        org 0
        mov ax, 0xA000
        mov es, ax
        mov cx, 3000
        xor di, di
l:      mov [es:di], cl          ; byte write
        mov ax, [es:di]          ; word read
        add [es:0x10], ax        ; read-modify-write of a word
        inc di
        and di, 0x7FF
        loop l
        cli
        hlt
""")
    logs = {}
    for tier in ("interp", "auto"):
        cpu, mem = load(program, tier=tier)
        dev = _LoggingDevice(cpu)
        mem.map_device(0xA0000, 0x1000, dev)
        run_to_halt(cpu, quantum=997)
        logs[tier] = (dev.log, cpu.icount, list(cpu.regs))
        if tier == "auto":
            assert cpu.translator.translated_insns > cpu.icount // 2
    assert logs["auto"] == logs["interp"]
