"""8254 PIT through ports 40h-43h, against the Intel 82C54 datasheet's mode descriptions."""
import pytest

from pcemu.bus import IoPorts
from pcemu.clock import Clock
from pcemu.devices.pit import Pit8254, PIT_HZ, tick_at, time_of_tick
from pcemu.irq import IrqRecorder


class Rig:
    def __init__(self):
        self.io = IoPorts()
        self.clock = Clock("virtual")
        self.rec = IrqRecorder()
        self.pit = Pit8254(self.io, self.clock, irq=self.rec.line(0))

    @property
    def tick(self):
        return tick_at(self.clock.now())

    def to_tick(self, tick):
        """Run emulated time to CLK edge ``tick``, firing timers on the way."""
        target = time_of_tick(tick)
        while True:
            deadline = self.clock.next_deadline()
            if deadline is None or deadline > target:
                break
            self.clock.skip_to(deadline)
            self.clock.run_due()
        self.clock.skip_to(target)
        self.clock.run_due()

    def advance(self, ticks):
        self.to_tick(self.tick + ticks)

    def rises(self):
        return sum(1 for n, level in self.rec.events if n == 0 and level)

    def program(self, counter, mode, count, access=3, bcd=False):
        self.io.out8(0x43, counter << 6 | access << 4 | mode << 1 | int(bcd))
        if access in (1, 3):
            self.io.out8(0x40 + counter, count & 0xFF)
        if access in (2, 3):
            self.io.out8(0x40 + counter, count >> 8)

    def latch_read(self, counter):
        self.io.out8(0x43, counter << 6)
        lo = self.io.in8(0x40 + counter)
        return lo | self.io.in8(0x40 + counter) << 8

    def status(self, counter):
        self.io.out8(0x43, 0xE0 | 2 << counter)   # read-back: status only
        return self.io.in8(0x40 + counter)


@pytest.fixture
def rig():
    return Rig()


def test_mode2_rate_generator_irq_frequency(rig):
    rig.program(0, 2, 1193)
    rig.to_tick(rig.tick + PIT_HZ)               # one second
    assert rig.rises() in (1000, 1001)            # 1193182 / 1193 = 1000.15


def test_bios_tick_is_18_2_hz(rig):
    rig.program(0, 3, 0)                          # count 0 = 65536
    start = rig.rises()
    rig.to_tick(rig.tick + 10 * PIT_HZ)
    assert rig.rises() - start in (182, 183)      # 18.2065 Hz


def test_irq0_edges_fall_on_the_period(rig):
    rig.program(0, 2, 100)
    t0 = rig.tick
    times = []
    for _ in range(5):
        rig.clock.skip_to(rig.clock.next_deadline())
        times.append(tick_at(rig.clock.now()))
        rig.clock.run_due()
    # load on the first CLK after the write, then a reload every N clocks
    assert times == [t0 + 1 + 100 * k for k in range(1, 6)]


def test_counter_latch_freezes_value(rig):
    rig.program(0, 2, 1000)
    t0 = rig.tick
    rig.to_tick(t0 + 1 + 300)
    rig.io.out8(0x43, 0x00)
    rig.advance(50)
    lo = rig.io.in8(0x40)
    hi = rig.io.in8(0x40)
    assert lo | hi << 8 == 700
    # after the latch is read the counter reads live again
    assert rig.latch_read(0) == 650


def test_second_latch_ignored_until_read(rig):
    rig.program(0, 2, 1000)
    t0 = rig.tick
    rig.to_tick(t0 + 1 + 10)
    rig.io.out8(0x43, 0x00)
    rig.advance(20)
    rig.io.out8(0x43, 0x00)
    assert rig.io.in8(0x40) | rig.io.in8(0x40) << 8 == 990


def test_live_read_uses_byte_flip_flop(rig):
    rig.program(2, 0, 0x1234)
    rig.advance(1)                                 # gate 2 is low: loaded, not counting
    assert rig.io.in8(0x42) == 0x34
    assert rig.io.in8(0x42) == 0x12


def test_lsb_only_and_msb_only_access(rig):
    rig.program(2, 0, 0x56, access=1)
    rig.advance(2)
    assert rig.latch_read(2) & 0xFF == 0x56       # LSB access: each read is the LSB
    rig.program(2, 0, 0x0300, access=2)
    rig.advance(2)
    rig.io.out8(0x43, 0x80)
    assert rig.io.in8(0x42) == 0x03


def test_mode0_out_rises_after_n_plus_one_clocks_once(rig):
    rig.program(0, 0, 500)
    t0 = rig.tick
    assert rig.pit.output(0) is False
    rig.to_tick(t0 + 500)
    assert rig.pit.output(0) is False
    rig.to_tick(t0 + 501)
    assert rig.pit.output(0) is True
    assert rig.rises() == 1
    rig.advance(70000)
    assert rig.rises() == 1                       # no repeat in mode 0
    assert rig.pit.output(0) is True


def test_mode0_counter_wraps_past_terminal_count(rig):
    rig.program(0, 0, 10)
    t0 = rig.tick
    rig.to_tick(t0 + 1 + 12)
    assert rig.latch_read(0) == 0xFFFE


def test_mode0_gate_low_pauses_counting(rig):
    rig.pit.set_gate(2, True)
    rig.program(2, 0, 1000)
    t0 = rig.tick
    rig.to_tick(t0 + 1 + 100)
    rig.pit.set_gate(2, False)
    rig.advance(400)
    assert rig.latch_read(2) == 900
    rig.pit.set_gate(2, True)
    rig.advance(100)
    assert rig.latch_read(2) == 800


def test_mode0_first_byte_of_new_count_drops_out(rig):
    rig.pit.set_gate(2, True)
    rig.program(2, 0, 5)
    rig.advance(10)
    assert rig.pit.output(2)
    rig.io.out8(0x42, 0x20)
    assert not rig.pit.output(2)
    rig.io.out8(0x42, 0x00)
    t = rig.tick
    rig.to_tick(t + 0x20)
    assert not rig.pit.output(2)
    rig.to_tick(t + 0x21)
    assert rig.pit.output(2)


def test_mode3_square_wave_even_count(rig):
    rig.pit.set_gate(2, True)
    rig.program(2, 3, 10)
    t0 = rig.tick + 1                              # load edge
    levels = []
    for k in range(20):
        rig.to_tick(t0 + k)
        levels.append(rig.pit.output(2))
    assert levels == ([True] * 5 + [False] * 5) * 2


def test_mode3_square_wave_odd_count(rig):
    rig.pit.set_gate(2, True)
    rig.program(2, 3, 7)
    t0 = rig.tick + 1
    levels = []
    for k in range(14):
        rig.to_tick(t0 + k)
        levels.append(rig.pit.output(2))
    # odd N: high for (N+1)/2 clocks, low for (N-1)/2
    assert levels == ([True] * 4 + [False] * 3) * 2


def test_mode3_counts_down_by_two(rig):
    rig.pit.set_gate(2, True)
    rig.program(2, 3, 1000)
    t0 = rig.tick + 1
    rig.to_tick(t0 + 100)
    assert rig.latch_read(2) == 800


def test_mode2_out_low_for_one_clock(rig):
    rig.pit.set_gate(2, True)
    rig.program(2, 2, 4)
    t0 = rig.tick + 1
    levels = []
    for k in range(8):
        rig.to_tick(t0 + k)
        levels.append(rig.pit.output(2))
    assert levels == [True, True, True, False] * 2


def test_mode2_gate_low_forces_out_high_and_rising_gate_reloads(rig):
    rig.pit.set_gate(2, True)
    rig.program(2, 2, 100)
    t0 = rig.tick + 1
    rig.to_tick(t0 + 99)
    assert not rig.pit.output(2)                   # count 1: OUT low
    rig.pit.set_gate(2, False)
    assert rig.pit.output(2)
    rig.advance(30)
    rig.pit.set_gate(2, True)
    t1 = rig.tick + 1
    rig.to_tick(t1 + 10)
    assert rig.latch_read(2) == 90


def test_mode2_new_count_waits_for_end_of_period(rig):
    rig.program(0, 2, 1000)
    t0 = rig.tick + 1
    rig.to_tick(t0 + 200)
    rig.io.out8(0x40, 100)
    rig.io.out8(0x40, 0)
    rig.to_tick(t0 + 500)
    assert rig.latch_read(0) == 500               # still the old count
    rig.to_tick(t0 + 1000 + 30)
    assert rig.latch_read(0) == 70                # the new count after the reload
    before = rig.rises()
    rig.to_tick(t0 + 1000 + 500)
    assert rig.rises() - before == 5


def test_mode1_gate_triggered_one_shot(rig):
    rig.program(2, 1, 50)
    assert rig.pit.output(2)                       # high until triggered
    rig.advance(10)
    assert rig.pit.output(2)
    rig.pit.set_gate(2, True)
    t0 = rig.tick + 1
    rig.to_tick(t0 + 1)
    assert not rig.pit.output(2)
    rig.to_tick(t0 + 49)
    assert not rig.pit.output(2)
    rig.to_tick(t0 + 50)
    assert rig.pit.output(2)
    # retriggerable: a new gate edge starts a new low pulse
    rig.pit.set_gate(2, False)
    rig.pit.set_gate(2, True)
    rig.advance(5)
    assert not rig.pit.output(2)


def test_mode4_software_strobe(rig):
    rig.pit.set_gate(2, True)
    rig.program(2, 4, 20)
    t0 = rig.tick + 1
    rig.to_tick(t0 + 19)
    assert rig.pit.output(2)
    rig.to_tick(t0 + 20)
    assert not rig.pit.output(2)                   # one clock low at terminal count
    rig.to_tick(t0 + 21)
    assert rig.pit.output(2)


def test_mode5_hardware_strobe(rig):
    rig.program(2, 5, 20)
    rig.advance(100)
    assert rig.pit.output(2)
    rig.pit.set_gate(2, True)
    t0 = rig.tick + 1
    rig.to_tick(t0 + 20)
    assert not rig.pit.output(2)
    rig.to_tick(t0 + 21)
    assert rig.pit.output(2)


def test_bcd_counting(rig):
    rig.program(2, 0, 0x1000, bcd=True)
    rig.pit.set_gate(2, True)
    t0 = rig.tick
    rig.to_tick(t0 + 1 + 1)
    assert rig.latch_read(2) == 0x0999


def test_readback_status_null_count_and_control_bits(rig):
    rig.io.out8(0x43, 0xB6)                       # counter 2, LSB/MSB, mode 3, binary
    status = rig.status(2)
    assert status & 0x3F == 0x36
    assert status & 0x40                          # NULL COUNT: no count loaded
    rig.io.out8(0x42, 0x10)
    rig.io.out8(0x42, 0x00)
    rig.advance(2)
    status = rig.status(2)
    assert not status & 0x40
    assert status & 0x80                          # mode 3 starts with OUT high


def test_readback_count_and_status_latch_order(rig):
    rig.program(1, 2, 300)
    rig.program(2, 0, 400)
    t = rig.tick
    rig.to_tick(t + 1 + 5)
    rig.io.out8(0x43, 0xC0 | 0x04 | 0x08)         # latch count and status of counters 1 and 2
    rig.advance(50)
    assert rig.io.in8(0x41) == 0xB4               # status first: OUT high, mode 2
    assert rig.io.in8(0x41) | rig.io.in8(0x41) << 8 == 295
    assert rig.io.in8(0x42) & 0x3F == 0x30
    assert rig.io.in8(0x42) | rig.io.in8(0x42) << 8 == 400   # gate 2 low: not counting


def test_control_word_sets_initial_out(rig):
    rig.program(0, 2, 1000)
    assert rig.rec.levels[0] is True
    rig.io.out8(0x43, 0x30)                       # mode 0: OUT low at once
    assert rig.rec.levels[0] is False
    assert rig.pit.output(0) is False


def test_tiny_count_does_not_flood_timers(rig):
    rig.program(0, 2, 2)
    rig.advance(PIT_HZ // 100)                     # 10 ms
    assert 0 < rig.rises() <= 1001


def test_reading_control_port_and_debug_state(rig):
    assert rig.io.in8(0x43) == 0xFF
    rig.program(0, 3, 0)
    state = rig.pit.debug_state()
    assert state["counters"][0]["mode"] == 3


from hypothesis import given, settings, strategies as st


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 65535), frac=st.floats(0, 3, allow_nan=False))
def test_mode2_count_follows_datasheet_formula(n, frac):
    rig = Rig()
    rig.pit.set_gate(2, True)
    rig.program(2, 2, n)
    k = int(n * frac)
    rig.to_tick(rig.tick + 1 + k)           # the load clock, then k decrementing clocks
    assert rig.latch_read(2) == n - k % n
    assert rig.pit.output(2) == (k % n != n - 1)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 65535), k=st.integers(0, 70000))
def test_mode0_count_and_out_follow_datasheet(n, k):
    rig = Rig()
    rig.pit.set_gate(2, True)
    rig.program(2, 0, n)
    rig.to_tick(rig.tick + 1 + k)
    assert rig.latch_read(2) == (n - k) % 65536
    assert rig.pit.output(2) == (k >= n)


@settings(max_examples=60, deadline=None)
@given(half=st.integers(1, 32767), k=st.integers(0, 200000))
def test_mode3_even_count_duty_cycle(half, k):
    n = 2 * half
    rig = Rig()
    rig.pit.set_gate(2, True)
    rig.program(2, 3, n)
    rig.to_tick(rig.tick + 1 + k)
    assert rig.pit.output(2) == (k % n < half)
