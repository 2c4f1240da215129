"""Runs of prefixes as a hostile guest writes them: thousands in a row, a whole
segment of them, and the 8086's one-prefix memory for interrupted string
instructions (Intel's 8086 documentation: an interrupted string instruction
with several prefixes resumes with only the one just before the opcode).
"""
import pytest

from pcemu.cpu.ops import PrefixLockup
from test_cpu_unit import CODE_SEG, HANDLER_SEG, STACK_SEG, FakePic, machine, set_vector

PREFIXES = [0x26, 0x2E, 0x36, 0x3E, 0xF0, 0xF2, 0xF3]


@pytest.mark.parametrize("model", ["8086", "80186"])
def test_sixty_thousand_prefixes_are_one_instruction(model):
    # 60000 mixed prefixes, ES: last, then MOV AL,[0010]; HLT. The chain of
    # handlers calling handlers used to end in RecursionError.
    run = [PREFIXES[i % len(PREFIXES)] for i in range(60000)] + [0x26]
    cpu, mem, _ = machine(run + [0xA0, 0x10, 0x00, 0xF4], model)
    cpu.sregs[0] = 0x5000
    mem.data[0x50010] = 0x5A
    cpu.step()
    assert cpu.regs[0] & 0xFF == 0x5A
    assert cpu.ip == len(run) + 3 and cpu.icount == 1
    assert cpu.ovr == -1 and cpu.rep == 0
    cpu.step()
    assert cpu.halted


@pytest.mark.parametrize("model", ["8086", "80186"])
def test_the_instruction_after_a_prefix_runs_through_exec_one(model):
    """ES: MOV AL,[0010]: the prefix's handler runs the MOV through CPU._exec_one, the function
    every interpreted instruction goes through, so that PyPy's compiled paths of MOV serve its
    prefixed form too (pcemu.cpu.ops.prefixes). It runs as the rest of the instruction that
    began at the prefix: insn_ip stays there and the pair counts once."""
    cpu, mem, _ = machine([0x26, 0xA0, 0x10, 0x00, 0xF4], model)
    cpu.sregs[0] = 0x5000
    mem.data[0x50010] = 0x5A
    entries = []
    exec_one = cpu._exec_one

    def watching():
        entries.append((cpu.ip, cpu.insn_ip, cpu.icount))
        exec_one()

    cpu._exec_one = watching
    cpu.step()
    assert entries == [(0, 0, 0), (1, 0, 0)]
    assert cpu.regs[0] & 0xFF == 0x5A and cpu.ip == 4 and cpu.icount == 1
    assert not hasattr(cpu, "dispatch_after_prefix")


@pytest.mark.parametrize("model", ["8086", "80186"])
def test_long_rep_prefix_run_before_a_string_instruction(model):
    # 25000 x (CS: REPNE) then REP: the last REP form wins, STOSB fills CX bytes.
    code = [0x2E, 0xF2] * 25000 + [0xF3, 0xAA, 0xF4]
    cpu, mem, _ = machine(code, model)
    cpu.sregs[0] = 0x5000
    cpu.regs[0] = 0x77
    cpu.regs[1] = 300
    cpu.regs[7] = 0x100
    cpu.run(10)
    assert cpu.halted and cpu.regs[1] == 0
    assert mem.data[0x50100:0x50100 + 300] == b"\x77" * 300
    assert mem.data[0x50100 + 300] == 0


@pytest.mark.parametrize("model", ["8086", "80186"])
def test_a_code_segment_made_of_prefixes_is_a_lockup(model):
    cpu, mem, _ = machine([], model)
    base = CODE_SEG << 4
    mem.data[base:base + 0x10000] = b"\x2E" * 0x10000
    cpu.ip = 0x1234
    with pytest.raises(PrefixLockup, match="%04X" % CODE_SEG):
        cpu.step()
    assert cpu.ip == 0x1234 and cpu.ovr == -1  # the dump shows where it is stuck


def interrupted_es_rep_movsb(model):
    """ES: REP MOVSB of 5000 bytes, interrupted after its first chunk; IRET at once."""
    n = 5000
    cpu, mem, _ = machine([0x26, 0xF3, 0xA4, 0xF4], model)
    cpu.sregs[0] = 0x5000
    es_base = 0x50000
    ds_base = CODE_SEG << 4
    for i in range(n):
        mem.data[es_base + 0x100 + i] = 0xE0 | (i & 0x0F)   # through ES: the override
        mem.data[ds_base + 0x100 + i] = 0xD0 | (i & 0x0F)   # through DS: the default
    cpu.regs[6] = 0x100
    cpu.regs[7] = 0x8000
    cpu.regs[1] = n
    set_vector(mem, 0x08, HANDLER_SEG, 0, b"\xCF")
    cpu.set_flags(0x200)
    cpu.intc = FakePic(cpu, 0x08)
    cpu.step()  # the first chunk
    done = n - cpu.regs[1]
    assert 0 < done < n and cpu.ip == 0
    cpu.set_intr(True)
    cpu.step()  # the IRQ is taken at the boundary and the handler's IRET runs
    ss_sp = (STACK_SEG << 4) + cpu.regs[4]
    pushed_ip = mem.data[ss_sp - 6] | (mem.data[ss_sp - 5] << 8)
    cpu.run(100000)
    assert cpu.halted and cpu.regs[1] == 0
    copied = bytes(mem.data[es_base + 0x8000:es_base + 0x8000 + n])
    return pushed_ip, done, copied


def test_8086_resumes_an_interrupted_string_instruction_with_its_last_prefix_only():
    pushed_ip, done, copied = interrupted_es_rep_movsb("8086")
    assert pushed_ip == 1  # the REP prefix, not the ES: before it
    # Before the interrupt the source was ES:SI; after it, DS:SI.
    assert copied[:done] == bytes(0xE0 | (i & 0x0F) for i in range(done))
    assert copied[done:] == bytes(0xD0 | (i & 0x0F) for i in range(done, 5000))


def test_80186_resumes_an_interrupted_string_instruction_at_its_first_prefix():
    pushed_ip, _, copied = interrupted_es_rep_movsb("80186")
    assert pushed_ip == 0
    assert copied == bytes(0xE0 | (i & 0x0F) for i in range(5000))
