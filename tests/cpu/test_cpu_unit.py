"""CPU behaviour the real-chip recordings do not cover: HLT, WAIT, lone
prefixes, MOVSW, interrupts (IRQ, NMI, shadows, trap), INT 6 and ENTER on
the 80186, run()/step() plumbing. Expected values come from Intel's 8086 /
80186 documentation, worked by hand.
"""
import pytest

from pcemu.bus import IoPorts, Memory
from pcemu.cpu import CPU

CODE_SEG = 0x1000
STACK_SEG = 0x2000
HANDLER_SEG = 0x3000


class FakePic:
    """Hands out one vector per INTA cycle and drops the INT line after it."""

    def __init__(self, cpu, vector):
        self.cpu = cpu
        self.vector = vector
        self.acks = 0

    def acknowledge(self):
        self.acks += 1
        self.cpu.set_intr(False)
        return self.vector


def machine(code, model="80186"):
    mem = Memory()
    io = IoPorts()
    cpu = CPU(mem, io, model=model)
    base = CODE_SEG << 4
    mem.data[base:base + len(code)] = bytes(code)
    cpu.sregs[:] = [CODE_SEG, CODE_SEG, STACK_SEG, CODE_SEG]
    cpu.ip = 0
    cpu.regs[4] = 0x1000
    return cpu, mem, io


def set_vector(mem, n, seg, off, handler=b"\xF4"):
    mem.data[n * 4:n * 4 + 4] = bytes([off & 0xFF, off >> 8, seg & 0xFF, seg >> 8])
    lin = (seg << 4) + off
    mem.data[lin:lin + len(handler)] = handler


def stack_words(cpu, mem, n):
    base = (cpu.sregs[2] << 4) + cpu.regs[4]
    return [mem.data[base + 2 * i] | (mem.data[base + 2 * i + 1] << 8) for i in range(n)]


def test_bad_model_is_a_clear_error():
    with pytest.raises(ValueError, match="8086 or 80186"):
        CPU(Memory(), IoPorts(), model="Z80")


def test_reset_state():
    cpu, _, _ = machine(b"")
    cpu.regs[0] = 0x1234
    cpu.halted = True
    cpu.reset()
    assert cpu.sregs[1] == 0xFFFF and cpu.ip == 0
    assert cpu.get_flags() == 0xF002  # bits 12-15 and 1 read as 1
    assert not cpu.halted


@pytest.mark.parametrize("model", ["8086", "80186"])
def test_hlt_with_interrupts_off_stops_run_and_is_detectable(model):
    cpu, _, _ = machine([0xFA, 0xF4, 0x90], model)  # CLI; HLT
    executed = cpu.run(1000)
    assert executed == 2
    assert cpu.halted and not (cpu.get_flags() & 0x200)
    assert cpu.ip == 2  # past the HLT
    assert cpu.run(1000) == 0  # nothing can wake it


def test_irq_wakes_hlt_and_returns_after_it():
    cpu, mem, _ = machine([0xFB, 0xF4, 0x90, 0xF4])  # STI; HLT; NOP; HLT
    set_vector(mem, 0x08, HANDLER_SEG, 0x0100, b"\xCF")  # IRET
    cpu.intc = FakePic(cpu, 0x08)
    assert cpu.run(100) == 2 and cpu.halted
    cpu.set_intr(True)
    cpu.run(100)
    # IRQ taken at the HLT boundary, IRET back to 1000:0002, NOP, HLT at 0003
    assert cpu.intc.acks == 1
    assert cpu.halted and cpu.ip == 4


def test_irq_pushes_flags_cs_ip_and_clears_if_tf():
    cpu, mem, _ = machine([0xFB, 0x90, 0x90, 0x90])  # STI; NOP; NOP
    set_vector(mem, 0x20, HANDLER_SEG, 0x0010)
    cpu.intc = FakePic(cpu, 0x20)
    cpu.step()  # STI
    cpu.step()  # NOP under the STI shadow
    cpu.set_intr(True)
    cpu.step()  # takes the IRQ, then runs the handler's HLT
    assert cpu.sregs[1] == HANDLER_SEG and cpu.ip == 0x0011 and cpu.halted
    ip, cs, flags = stack_words(cpu, mem, 3)
    assert (cs, ip) == (CODE_SEG, 2)
    assert flags & 0x200 and flags & 0xF000 == 0xF000
    assert not cpu.get_flags() & 0x300


def test_sti_shadow_delays_the_irq_by_one_instruction():
    # CLI; STI; INC AX; INC AX ; with INTR already high
    cpu, mem, _ = machine([0xFA, 0xFB, 0x40, 0x40, 0xF4])
    set_vector(mem, 0x09, HANDLER_SEG, 0)
    cpu.intc = FakePic(cpu, 0x09)
    cpu.set_intr(True)
    cpu.run(3)  # CLI, STI, then the first INC runs before the IRQ is taken
    assert cpu.regs[0] == 1
    assert cpu.intc.acks == 0
    cpu.run(1)  # boundary: IRQ taken, then the handler's HLT
    assert cpu.intc.acks == 1
    assert stack_words(cpu, mem, 1)[0] == 3  # returns to the second INC


@pytest.mark.parametrize("load_ss", [[0x8E, 0xD0], [0x17]])  # MOV SS,AX / POP SS
def test_ss_load_shadow_holds_off_irq(load_ss):
    code = [0xFB, 0x90] + load_ss + [0x89, 0xDC, 0x90, 0xF4]  # STI; NOP; load SS; MOV SP,BX; NOP
    cpu, mem, _ = machine(code)
    set_vector(mem, 0x0A, HANDLER_SEG, 0)
    cpu.regs[0] = STACK_SEG
    cpu.regs[3] = 0x0800
    # POP SS needs the segment on the stack
    mem.data[(STACK_SEG << 4) + 0x1000] = STACK_SEG & 0xFF
    mem.data[(STACK_SEG << 4) + 0x1001] = STACK_SEG >> 8
    cpu.intc = FakePic(cpu, 0x0A)
    cpu.step()
    cpu.step()  # STI; NOP
    cpu.set_intr(True)
    cpu.step()  # the SS load: the IRQ is taken before it
    assert cpu.intc.acks == 1
    # run the handler's HLT out of the way: restart the scenario with IF set already
    cpu, mem, _ = machine(code[2:])
    set_vector(mem, 0x0A, HANDLER_SEG, 0)
    cpu.regs[0] = STACK_SEG
    cpu.regs[3] = 0x0800
    mem.data[(STACK_SEG << 4) + 0x1000] = STACK_SEG & 0xFF
    mem.data[(STACK_SEG << 4) + 0x1001] = STACK_SEG >> 8
    cpu.set_flags(0x0200)
    cpu.intc = FakePic(cpu, 0x0A)
    cpu.step()  # SS load
    cpu.set_intr(True)
    cpu.step()  # MOV SP,BX runs inside the shadow
    assert cpu.intc.acks == 0 and cpu.regs[4] == 0x0800
    cpu.step()  # now the IRQ is taken
    assert cpu.intc.acks == 1
    assert stack_words(cpu, mem, 1)[0] == len(load_ss) + 2


def test_irq_ignored_while_if_clear():
    cpu, mem, _ = machine([0xFA, 0x40, 0x40, 0x40, 0xF4])
    cpu.intc = FakePic(cpu, 0x08)
    cpu.set_intr(True)
    cpu.run(100)
    assert cpu.intc.acks == 0 and cpu.regs[0] == 3 and cpu.halted


def test_nmi_taken_even_with_if_clear_and_wakes_hlt():
    cpu, mem, _ = machine([0xFA, 0xF4, 0x90])
    set_vector(mem, 2, HANDLER_SEG, 0x40, b"\x90\xF4")
    cpu.run(10)
    assert cpu.halted
    cpu.nmi()
    cpu.run(10)
    assert cpu.sregs[1] == HANDLER_SEG and cpu.ip == 0x42 and cpu.halted
    ip, cs, _ = stack_words(cpu, mem, 3)
    assert (cs, ip) == (CODE_SEG, 2)


def test_trap_flag_single_steps_through_int1():
    # PUSHF; POP AX; OR AH,1; PUSH AX; POPF; INC BX; INC BX
    code = [0x9C, 0x58, 0x80, 0xCC, 0x01, 0x50, 0x9D, 0x43, 0x43, 0xF4]
    cpu, mem, _ = machine(code)
    set_vector(mem, 1, HANDLER_SEG, 0, b"\xF4")
    cpu.run(100)
    # POPF sets TF; the trap comes after the next instruction (the first INC BX)
    assert cpu.regs[3] == 1
    assert cpu.sregs[1] == HANDLER_SEG and cpu.halted
    ip, cs, flags = stack_words(cpu, mem, 3)
    assert (cs, ip) == (CODE_SEG, 8) and flags & 0x100
    assert not cpu.get_flags() & 0x100


def test_wait_and_lock_are_no_ops():
    cpu, _, _ = machine([0x9B, 0xF0, 0x40, 0xF4])  # WAIT; LOCK INC AX
    cpu.run(10)
    assert cpu.regs[0] == 1 and cpu.ip == 4


@pytest.mark.parametrize("model", ["8086", "80186"])
@pytest.mark.parametrize("prefix", [0x26, 0x2E, 0x36, 0x3E, 0xF0, 0xF2, 0xF3])
def test_lone_prefix_before_a_plain_instruction(model, prefix):
    # prefix; INC AX ; the prefix just rides along with the next instruction
    cpu, _, _ = machine([prefix, 0x40, 0xF4], model)
    cpu.step()
    assert cpu.regs[0] == 1 and cpu.ip == 2
    assert cpu.ovr == -1 and cpu.rep == 0


def test_segment_override_applies_to_the_next_memory_operand_only():
    # ES: MOV AL,[0010]; MOV BL,[0010]
    cpu, mem, _ = machine([0x26, 0xA0, 0x10, 0x00, 0x8A, 0x1E, 0x10, 0x00, 0xF4])
    cpu.sregs[0] = 0x5000
    mem.data[0x50010] = 0xAA
    mem.data[(CODE_SEG << 4) + 0x10] = 0xBB
    cpu.run(3)
    assert cpu.regs[0] & 0xFF == 0xAA and cpu.regs[3] & 0xFF == 0xBB


@pytest.mark.parametrize("model", ["8086", "80186"])
def test_movsw_forward_and_backward(model):
    cpu, mem, _ = machine([0xA5, 0xFD, 0xA5, 0xF4], model)  # MOVSW; STD; MOVSW
    cpu.sregs[0] = 0x4000
    cpu.regs[6] = 0x0100
    cpu.regs[7] = 0x0200
    src = (CODE_SEG << 4) + 0x100
    mem.data[src:src + 4] = b"\x11\x22\x33\x44"
    cpu.run(10)
    assert mem.data[0x40200:0x40202] == b"\x11\x22"
    assert mem.data[0x40202:0x40204] == b"\x33\x44"
    assert cpu.regs[6] == 0x0100 and cpu.regs[7] == 0x0200


def test_movsw_word_at_segment_end_wraps_inside_the_segment():
    cpu, mem, _ = machine([0xA5, 0xF4])
    cpu.sregs[0] = 0x4000
    cpu.regs[6] = 0xFFFF
    cpu.regs[7] = 0x0000
    mem.data[(CODE_SEG << 4) + 0xFFFF] = 0x12
    mem.data[(CODE_SEG << 4) + 0x0000] = 0xA5  # the opcode byte itself, at offset 0
    cpu.step()
    assert mem.data[0x40000:0x40002] == b"\x12\xA5"


def test_rep_movsb_is_interruptible_and_resumes_at_the_first_prefix():
    n = 5000
    # ES: REP MOVSB (segment override first, then REP) ; HLT
    cpu, mem, _ = machine([0x26, 0xF3, 0xA4, 0xF4])
    cpu.sregs[0] = 0x5000
    for i in range(n):
        mem.data[0x50000 + i] = i & 0xFF
    cpu.regs[6] = 0
    cpu.regs[7] = 0x8000
    cpu.regs[1] = n
    set_vector(mem, 0x08, HANDLER_SEG, 0, b"\xCF")
    cpu.set_flags(0x200)
    cpu.intc = FakePic(cpu, 0x08)
    cpu.step()  # one chunk of the string
    assert 0 < cpu.regs[1] < n and cpu.ip == 0  # back at the first prefix
    cpu.set_intr(True)
    cpu.step()  # boundary: IRQ taken; the handler's IRET runs
    assert cpu.intc.acks == 1
    # the IRQ pushed the address of the first prefix, and IRET went back there
    ss_sp = (STACK_SEG << 4) + cpu.regs[4]
    assert mem.data[ss_sp - 6] | (mem.data[ss_sp - 5] << 8) == 0
    assert cpu.sregs[1] == CODE_SEG and cpu.ip == 0
    cpu.run(10000)
    assert cpu.halted and cpu.regs[1] == 0
    assert mem.data[0x58000:0x58000 + n] == bytes(i & 0xFF for i in range(n))


def test_request_stop_from_a_port_handler_ends_run_with_exact_icount():
    seen = []
    cpu, mem, io = machine([0x40, 0xE6, 0x80, 0x40, 0x40, 0x40, 0xF4])  # INC AX; OUT 80h,AL; ...

    def on_write(offset, value):
        seen.append(cpu.icount)
        cpu.request_stop()

    io.register(0x80, 1, write8=on_write, name="debug")
    executed = cpu.run(1000)
    assert seen == [2]  # the OUT is the second instruction
    assert executed == 2 and cpu.regs[0] == 1
    cpu.run(1000)
    assert cpu.regs[0] == 4 and cpu.halted


def test_run_respects_max_insns_exactly():
    cpu, _, _ = machine([0x40] * 64 + [0xF4])
    for n in (1, 3, 4, 5, 13):
        before = cpu.regs[0]
        assert cpu.run(n) == n
        assert cpu.regs[0] - before == n


def test_run_traced_calls_back_before_each_instruction():
    cpu, _, _ = machine([0x40, 0x43, 0xF4])
    ips = []
    cpu.run_traced(100, lambda c: ips.append(c.ip))
    assert ips == [0, 1, 2] and cpu.halted


def test_dump_shows_registers_flags_and_code_bytes():
    cpu, _, _ = machine([0xB8, 0x34, 0x12, 0xF4])
    cpu.step()
    text = cpu.dump()
    assert "AX=1234" in text and "CS=1000" in text and "IP=0003" in text
    assert "F4" in text


# -- 80186 specifics ------------------------------------------------------------
@pytest.mark.parametrize("opcode", [[0x0F], [0x63], [0x64], [0x65], [0x66], [0x67], [0xF1],
                                    [0xFE, 0xD0], [0xFF, 0xF8], [0x8F, 0xC8], [0xC6, 0xC8, 0x00],
                                    [0xC4, 0xC0], [0x62, 0xC0], [0x8D, 0xC0]])
def test_80186_undefined_opcodes_raise_int6_at_the_opcode(opcode):
    cpu, mem, _ = machine(opcode + [0xF4])
    set_vector(mem, 6, HANDLER_SEG, 0)
    cpu.step()
    assert cpu.sregs[1] == HANDLER_SEG and cpu.ip == 0
    ip, cs, _ = stack_words(cpu, mem, 3)
    assert (cs, ip) == (CODE_SEG, 0)


def test_8086_pop_cs():
    cpu, mem, _ = machine([0x0F], model="8086")
    mem.data[(STACK_SEG << 4) + 0x1000:(STACK_SEG << 4) + 0x1002] = b"\x00\x30"
    cpu.step()
    assert cpu.sregs[1] == 0x3000 and cpu.regs[4] == 0x1002


def test_80186_divide_error_returns_to_the_divide():
    cpu, mem, _ = machine([0x90, 0xF6, 0xF3, 0xF4])  # NOP; DIV BL with BL=0
    set_vector(mem, 0, HANDLER_SEG, 0)
    cpu.run(2)
    assert stack_words(cpu, mem, 1)[0] == 1


def test_8086_divide_error_returns_after_the_divide():
    cpu, mem, _ = machine([0x90, 0xF6, 0xF3, 0xF4], model="8086")
    set_vector(mem, 0, HANDLER_SEG, 0)
    cpu.run(2)
    assert stack_words(cpu, mem, 1)[0] == 3


def test_80186_bound_out_of_range_raises_int5_at_the_instruction():
    # BOUND AX,[0100] with bounds 10..20, AX = 21
    cpu, mem, _ = machine([0x62, 0x06, 0x00, 0x01, 0xF4])
    mem.data[(CODE_SEG << 4) + 0x100:(CODE_SEG << 4) + 0x104] = bytes([10, 0, 20, 0])
    set_vector(mem, 5, HANDLER_SEG, 0)
    cpu.regs[0] = 21
    cpu.step()
    assert cpu.sregs[1] == HANDLER_SEG
    assert stack_words(cpu, mem, 1)[0] == 0


def test_80186_enter_level_0_and_leave():
    cpu, mem, _ = machine([0xC8, 0x10, 0x00, 0x00, 0xC9, 0xF4])  # ENTER 16,0; LEAVE
    cpu.regs[5] = 0xBEEF
    cpu.step()
    assert cpu.regs[5] == 0x0FFE  # BP = SP after pushing BP
    assert cpu.regs[4] == 0x0FFE - 16
    assert stack_words(cpu, mem, 9)[8] == 0xBEEF
    cpu.step()
    assert cpu.regs[4] == 0x1000 and cpu.regs[5] == 0xBEEF


def test_80186_enter_nested_level_copies_the_display():
    # ENTER 4,3 with an outer frame whose display holds 0xAAAA, 0xBBBB
    cpu, mem, _ = machine([0xC8, 0x04, 0x00, 0x03, 0xF4])
    ss = STACK_SEG << 4
    cpu.regs[5] = 0x0800  # old BP
    mem.data[ss + 0x07FE:ss + 0x0800] = b"\xAA\xAA"  # [BP-2]
    mem.data[ss + 0x07FC:ss + 0x07FE] = b"\xBB\xBB"  # [BP-4]
    cpu.step()
    frame = 0x0FFE
    # pushes: old BP, [BP-2], [BP-4], frame pointer; then SP -= 4
    assert cpu.regs[5] == frame
    assert cpu.regs[4] == 0x1000 - 8 - 4
    words = stack_words(cpu, mem, 6)
    assert words[2:6] == [frame, 0xBBBB, 0xAAAA, 0x0800]


def test_80186_shift_count_is_masked_to_5_bits():
    # MOV CL,33; SHL AX,CL -> shifts by 1 on the 80186, by 33 (all out) on the 8086
    code = [0xB1, 33, 0xD3, 0xE0, 0xF4]
    cpu, _, _ = machine(code, "80186")
    cpu.regs[0] = 0x0001
    cpu.run(2)
    assert cpu.regs[0] == 0x0002
    cpu, _, _ = machine(code, "8086")
    cpu.regs[0] = 0x0001
    cpu.run(2)
    assert cpu.regs[0] == 0


def test_80186_ins_outs_with_rep():
    cpu, mem, io = machine([0xF3, 0x6C, 0xBE, 0x00, 0x00, 0xB9, 0x03, 0x00, 0xF3, 0x6E, 0xF4])
    values = iter([1, 2, 3])
    written = []
    io.register(0x300, 1, read8=lambda off: next(values), write8=lambda off, v: written.append(v), name="t")
    cpu.sregs[0] = 0x4000
    cpu.regs[2] = 0x300
    cpu.regs[1] = 3
    cpu.regs[7] = 0
    cpu.sregs[3] = 0x4000
    cpu.run(10)
    assert mem.data[0x40000:0x40003] == b"\x01\x02\x03"
    assert written == [1, 2, 3]
