"""8259A pair, driven through ports 20h/21h/A0h/A1h as the Intel 8259A datasheet describes."""
import pytest

from pcemu.bus import IoPorts
from pcemu.devices.pic import PicPair


class Cpu:
    def __init__(self):
        self.intr = False
        self.changes = []

    def __call__(self, level):
        self.intr = level
        self.changes.append(level)


def make(icw4=0x01, slave_icw4=0x01, icw1=0x11):
    io = IoPorts()
    cpu = Cpu()
    pic = PicPair(io, cpu_intr=cpu)
    # The PC/AT BIOS sequence: cascade, edge, ICW4; vectors 08h and 70h.
    io.out8(0x20, icw1)
    io.out8(0x21, 0x08)
    io.out8(0x21, 0x04)
    io.out8(0x21, icw4)
    io.out8(0xA0, icw1)
    io.out8(0xA1, 0x70)
    io.out8(0xA1, 0x02)
    io.out8(0xA1, slave_icw4)
    return io, cpu, pic


def isr(io, port=0x20):
    io.out8(port, 0x0B)
    value = io.in8(port)
    io.out8(port, 0x0A)
    return value


def irr(io, port=0x20):
    io.out8(port, 0x0A)
    return io.in8(port)


def eoi(io, port=0x20):
    io.out8(port, 0x20)


def test_single_interrupt_vector_and_isr():
    io, cpu, pic = make()
    assert not cpu.intr
    pic.set_irq(0, True)
    assert cpu.intr
    assert irr(io) == 0x01
    assert pic.acknowledge() == 0x08
    assert not cpu.intr
    assert isr(io) == 0x01
    assert irr(io) == 0x00
    eoi(io)
    assert isr(io) == 0x00


def test_imr_read_write_and_masking():
    io, cpu, pic = make()
    io.out8(0x21, 0x02)  # mask IRQ1 only
    assert io.in8(0x21) == 0x02
    pic.set_irq(1, True)
    assert not cpu.intr
    assert irr(io) == 0x02  # IRR records masked requests
    io.out8(0x21, 0x00)
    assert cpu.intr
    assert pic.acknowledge() == 0x09


def test_icw1_clears_imr_and_isr():
    io, cpu, pic = make()
    io.out8(0x21, 0xFF)
    pic.set_irq(3, True)
    io.out8(0x21, 0x00)
    pic.acknowledge()
    io.out8(0x21, 0x55)
    io.out8(0x20, 0x11)
    io.out8(0x21, 0x08)
    io.out8(0x21, 0x04)
    io.out8(0x21, 0x01)
    assert io.in8(0x21) == 0x00
    assert isr(io) == 0x00
    # The edge-sense latch was reset too: IRQ3 is still high but needs a new edge.
    assert irr(io) == 0x00
    assert not cpu.intr


def test_fixed_priority_and_nesting():
    io, cpu, pic = make()
    pic.set_irq(5, True)
    pic.set_irq(3, True)
    assert pic.acknowledge() == 0x0B
    # IRQ5 has lower priority than IRQ3 in service: held off.
    assert not cpu.intr
    # IRQ1 has higher priority: it nests.
    pic.set_irq(1, True)
    assert cpu.intr
    assert pic.acknowledge() == 0x09
    assert isr(io) == 0x0A
    eoi(io)                       # non-specific EOI clears the highest: IRQ1
    assert isr(io) == 0x08
    assert not cpu.intr
    eoi(io)
    assert cpu.intr
    assert pic.acknowledge() == 0x0D


def test_edge_mode_needs_a_new_rising_edge():
    io, cpu, pic = make()
    pic.set_irq(4, True)
    pic.acknowledge()
    eoi(io)
    assert not cpu.intr           # still high, but no new edge
    pic.set_irq(4, False)
    pic.set_irq(4, True)
    assert cpu.intr


def test_edge_request_withdrawn_gives_default_ir7():
    io, cpu, pic = make()
    pic.set_irq(3, True)
    assert cpu.intr
    pic.set_irq(3, False)         # goes away before INTA
    assert not cpu.intr
    assert pic.acknowledge() == 0x0F
    assert isr(io) == 0x00        # a default IR7 sets no ISR bit
    assert pic.spurious[0] == 1


def test_level_triggered_mode_reinterrupts_while_high():
    io, cpu, pic = make(icw1=0x19)
    pic.set_irq(4, True)
    assert pic.acknowledge() == 0x0C
    assert not cpu.intr
    eoi(io)
    assert cpu.intr               # the level is still high
    pic.acknowledge()
    pic.set_irq(4, False)
    eoi(io)
    assert not cpu.intr


def test_specific_eoi():
    io, cpu, pic = make()
    pic.set_irq(6, True)
    pic.acknowledge()
    pic.set_irq(1, True)
    pic.acknowledge()
    assert isr(io) == 0x42
    io.out8(0x20, 0x60 | 6)       # specific EOI for IR6
    assert isr(io) == 0x02


def test_rotate_on_nonspecific_eoi_makes_serviced_level_lowest():
    io, cpu, pic = make()
    pic.set_irq(0, True)
    assert pic.acknowledge() == 0x08
    io.out8(0x20, 0xA0)           # rotate on non-specific EOI
    pic.set_irq(0, False)
    pic.set_irq(0, True)
    pic.set_irq(1, True)
    # IR0 is now the lowest priority, IR1 the highest.
    assert pic.acknowledge() == 0x09


def test_set_priority_command():
    io, cpu, pic = make()
    io.out8(0x20, 0xC0 | 4)       # IR4 lowest, so IR5 highest
    pic.set_irq(3, True)
    pic.set_irq(6, True)
    assert pic.acknowledge() == 0x0E
    pic.set_irq(7, True)          # IR7 ranks below IR6 but above IR3 now
    eoi(io)
    assert pic.acknowledge() == 0x0F
    assert isr(io) == 0x80


def test_rotate_on_specific_eoi():
    io, cpu, pic = make()
    io.out8(0x20, 0xE0 | 5)       # IR5 becomes lowest, IR6 highest
    pic.set_irq(0, True)
    pic.set_irq(6, True)
    assert pic.acknowledge() == 0x0E


def test_auto_eoi():
    io, cpu, pic = make(icw4=0x03)
    pic.set_irq(1, True)
    assert pic.acknowledge() == 0x09
    assert isr(io) == 0x00
    pic.set_irq(5, True)          # nothing in service blocks it
    assert cpu.intr


def test_poll_command_acts_as_acknowledge():
    io, cpu, pic = make()
    io.out8(0x20, 0x0C)
    assert io.in8(0x20) == 0x00   # nothing requested
    pic.set_irq(5, True)
    io.out8(0x20, 0x0C)
    assert io.in8(0x20) == 0x85
    assert isr(io) == 0x20
    assert not cpu.intr
    # The poll is a one-shot: the next read returns the IRR again.
    assert io.in8(0x20) == 0x00


def test_special_mask_mode_lets_lower_levels_in():
    io, cpu, pic = make()
    pic.set_irq(1, True)
    pic.acknowledge()
    pic.set_irq(5, True)
    assert not cpu.intr
    io.out8(0x20, 0x68)           # set special mask mode
    io.out8(0x21, 0x02)           # mask the level in service
    assert cpu.intr
    assert pic.acknowledge() == 0x0D
    io.out8(0x20, 0x48)           # reset special mask mode
    assert isr(io) == 0x22


def test_cascade_slave_interrupt():
    io, cpu, pic = make()
    pic.set_irq(8, True)
    assert cpu.intr
    assert irr(io) == 0x04
    assert pic.acknowledge() == 0x70
    assert isr(io) == 0x04
    assert isr(io, 0xA0) == 0x01
    eoi(io, 0xA0)
    eoi(io)
    assert isr(io) == 0 and isr(io, 0xA0) == 0


def test_second_slave_request_after_both_eois():
    io, cpu, pic = make()
    pic.set_irq(14, True)
    pic.set_irq(15, True)
    assert pic.acknowledge() == 0x76
    assert not cpu.intr
    eoi(io, 0xA0)
    eoi(io)
    assert cpu.intr
    assert pic.acknowledge() == 0x77
    assert pic.irq_counts[14] == 1 and pic.irq_counts[15] == 1


def test_slave_masked_by_master_imr():
    io, cpu, pic = make()
    io.out8(0x21, 0x04)
    pic.set_irq(12, True)
    assert not cpu.intr
    io.out8(0x21, 0x00)
    assert cpu.intr
    assert pic.acknowledge() == 0x74


def test_slave_isr_blocks_lower_slave_and_master_levels():
    io, cpu, pic = make()
    pic.set_irq(8, True)
    pic.acknowledge()
    pic.set_irq(3, True)          # below IR2 in service on the master
    assert not cpu.intr
    pic.set_irq(0, True)
    assert cpu.intr
    assert pic.acknowledge() == 0x08


def test_special_fully_nested_lets_higher_slave_level_through():
    io, cpu, pic = make(icw4=0x11)
    pic.set_irq(12, True)
    assert pic.acknowledge() == 0x74
    pic.set_irq(9, True)          # higher than IR4 inside the slave
    assert cpu.intr
    assert pic.acknowledge() == 0x71


def test_vector_base_from_icw2():
    io = IoPorts()
    pic = PicPair(io)
    for port, v in ((0x20, 0x11), (0x21, 0x50), (0x21, 0x04), (0x21, 0x01)):
        io.out8(port, v)
    pic.set_irq(6, True)
    assert pic.acknowledge() == 0x56


def test_counters_and_debug_state():
    io, cpu, pic = make()
    for _ in range(3):
        pic.set_irq(0, True)
        pic.acknowledge()
        pic.set_irq(0, False)
        eoi(io)
    state = pic.debug_state()
    assert state["irq_counts"][0] == 3
    assert state["master"]["vector_base"] == 0x08
    assert state["slave"]["vector_base"] == 0x70


from hypothesis import given, strategies as st

# PC/AT priority with the slave cascaded on IR2: IRQ 0, 1, 8-15, 3-7.
AT_PRIORITY = [0, 1, 8, 9, 10, 11, 12, 13, 14, 15, 3, 4, 5, 6, 7]


@given(st.sets(st.sampled_from(AT_PRIORITY), min_size=1))
def test_service_order_is_at_priority_order(irqs):
    io, cpu, pic = make()
    for n in irqs:
        pic.set_irq(n, True)
    order = []
    while cpu.intr:
        vector = pic.acknowledge()
        n = vector - 0x08 if vector < 0x70 else vector - 0x70 + 8
        order.append(n)
        pic.set_irq(n, False)
        if n >= 8:
            eoi(io, 0xA0)
        eoi(io)
    assert order == [n for n in AT_PRIORITY if n in irqs]


def test_bus_irq2_arrives_as_irq9():
    io, cpu, pic = make()
    pic.set_irq(2, True)
    assert pic.acknowledge() == 0x71
