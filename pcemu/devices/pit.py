"""Intel 8254 programmable interval timer (PC ports 40h-43h).

Three 16-bit down counters clocked at 1.193182 MHz:

* counter 0 - OUT0 drives IRQ0 (the 18.2 Hz BIOS tick);
* counter 1 - DRAM refresh on the original PC; programmable, otherwise unused;
* counter 2 - GATE2 and OUT2 go to system port 61h (speaker, delay loops).

Covered: the control word (counter select, read/write access LSB / MSB /
LSB-then-MSB with the byte flip-flop, modes 0-5, binary or BCD counting),
the counter latch command, the 8254 read-back command (count and status
latches, status byte with OUT and NULL COUNT), and the gate rules of each
mode (0/4: gate low pauses; 2/3: gate low stops and forces OUT high, a
rising gate reloads; 1/5: a rising gate triggers). An initial count of 0
means 65536 (10000 in BCD).

Counters never tick. CLK edges sit at fixed points of emulated time (edge j
at ceil(j * 1e9 / 1193182) ns); a counter remembers the edge on which its
count was loaded and how many edges it has counted since, and computes count
and OUT from ``clock.now()``. For counter 0 one clock timer is armed for the
next rising edge of OUT0. At that edge IRQ0 is dropped and raised (one edge
for the 8259A) and then left high: the emulated CPU runs in bursts, and a
line that fell again in the low half of a square wave would withdraw a tick
the guest had merely not acknowledged yet.
"""

from .. import state
from ..clock import NS_PER_SEC

PIT_HZ = 1193182

# control word
CW_BCD = 0x01
CW_SELECT_READBACK = 3
ACCESS_LATCH = 0
ACCESS_LSB = 1
ACCESS_MSB = 2
ACCESS_WORD = 3

# read-back command bits
RB_NOT_COUNT = 0x20
RB_NOT_STATUS = 0x10

# status byte bits
STATUS_OUT = 0x80
STATUS_NULL_COUNT = 0x40

# A guest may program counter 0 with a tiny count; one timer per 10 us is as
# many IRQ0 edges as any interrupt handler can take anyway.
MIN_IRQ_GAP_NS = 10_000


def tick_at(ns):
    """Index of the last CLK edge at or before ``ns``."""
    return ns * PIT_HZ // NS_PER_SEC


def time_of_tick(tick):
    """Emulated time (ns) of CLK edge ``tick``."""
    return -((-tick * NS_PER_SEC) // PIT_HZ)


def _from_bcd(value):
    return (((value >> 12) & 0xF) * 1000 + ((value >> 8) & 0xF) * 100
            + ((value >> 4) & 0xF) * 10 + (value & 0xF))


def _to_bcd(value):
    return ((value // 1000 % 10) << 12 | (value // 100 % 10) << 8
            | (value // 10 % 10) << 4 | value % 10)


class PitCounter:
    """One of the three counters."""

    STATE = state.Description("8254 counter", fields=[
        state.Bool("gate"), state.Int("control"), state.Int("mode"), state.Int("access"), state.Bool("bcd"),
        state.Int("reload"), state.Int("n"), state.Bool("armed"), state.Bool("triggered"),
        state.Int("start_tick"), state.Int("counted"), state.Int("resume_tick"), state.Bool("halted"),
        state.OptInt("pending_n"), state.Int("pending_tick"), state.Int("trigger_n"), state.Bool("count_fresh"),
        state.Bool("write_msb_next"), state.Int("write_lsb"), state.Bool("read_msb_next"),
        state.IntList("latched"), state.OptInt("status_latched"), state.Int("held_count"),
    ], wiring=["index"])

    def __init__(self, index, gate):
        self.index = index
        self.gate = gate
        self.reset()

    def reset(self):
        self.control = 0          # the last control word's mode/access/BCD bits (status byte 0-5)
        self.mode = 0
        self.access = ACCESS_WORD
        self.bcd = False
        self.reload = 0           # the count register as the guest wrote it
        self.n = 65536            # count being counted (0 decoded)
        self.armed = False        # a count has been written since the control word
        self.triggered = False    # modes 1 and 5: a gate edge has started the count
        self.start_tick = 0       # CLK edge on which n was loaded (count n, nothing counted)
        self.counted = 0          # edges counted up to resume_tick
        self.resume_tick = 0      # counting (re)started after this edge
        self.halted = False       # mode 0 between the LSB and MSB writes
        self.pending_n = None     # modes 2/3: count to load at the end of the period
        self.pending_tick = 0
        self.trigger_n = 65536    # modes 1/5: count the next gate trigger loads
        self.count_fresh = False  # modes 1/5: written but not yet loaded by a trigger
        self.write_msb_next = False
        self.write_lsb = 0
        self.read_msb_next = False
        self.latched = []         # output latch bytes still to be read
        self.status_latched = None
        self.held_count = 0       # what a read shows before a count is loaded

    # -- counting ---------------------------------------------------------------
    def _modulus(self):
        return 10000 if self.bcd else 65536

    def _decode(self, value):
        if self.bcd:
            value = _from_bcd(value)
        return value or self._modulus()

    def _counting(self):
        if self.mode in (1, 5):
            return self.triggered
        return self.gate and not self.halted

    def _promote(self, tick):
        if self.pending_n is not None and tick >= self.pending_tick:
            self.n = self.pending_n
            self.pending_n = None
            self.start_tick = self.resume_tick = self.pending_tick
            self.counted = 0

    def edges_counted(self, tick):
        """Decrementing edges since the load, or None before the count is loaded."""
        if not self.armed or tick < self.start_tick:
            return None
        if self.mode in (1, 5) and not self.triggered:
            return None
        self._promote(tick)
        if self._counting():
            return self.counted + max(0, tick - max(self.resume_tick, self.start_tick))
        return self.counted

    def state(self, tick):
        """(OUT, count) at CLK edge ``tick``."""
        c = self.edges_counted(tick)
        mode = self.mode
        if c is None:
            return mode != 0, self.held_count
        n = self.n
        if self.halted:
            return False, (n - c) % self._modulus()
        if mode in (2, 3) and not self.gate:
            return True, n - c % n
        if mode == 0 or mode == 1:
            return c >= n, (n - c) % self._modulus()
        if mode == 2:
            phase = c % n
            return n == 1 or phase != n - 1, n - phase
        if mode == 3:
            phase = c % n
            high = (n + 1) // 2
            if phase < high:
                return True, (n & ~1) - 2 * phase
            return False, (n & ~1) - 2 * (phase - high)
        return c != n, (n - c) % self._modulus()   # modes 4 and 5

    def next_rise(self, c):
        """Edge count at which OUT next rises after ``c`` edges, or None."""
        mode = self.mode
        n = self.n
        if mode in (0, 1):
            return n if c < n else None
        if mode in (2, 3):
            return (c // n + 1) * n
        return n + 1 if c < n + 1 else None

    def tick_of_count(self, c):
        """The CLK edge on which ``c`` edges will have been counted (while counting)."""
        return max(self.resume_tick, self.start_tick) + (c - self.counted)

    def _restart(self, tick):
        if self.pending_n is not None:
            self.n = self.pending_n
            self.pending_n = None
        self.start_tick = self.resume_tick = tick + 1
        self.counted = 0

    # -- guest side -----------------------------------------------------------------
    def write_control(self, value, tick):
        self.held_count = self.state(tick)[1] if self.armed else self.held_count
        self.control = value & 0x3F
        mode = (value >> 1) & 7
        self.mode = mode - 4 if mode > 5 else mode
        self.access = (value >> 4) & 3
        self.bcd = bool(value & CW_BCD)
        self.armed = False
        self.triggered = False
        self.halted = False
        self.pending_n = None
        self.count_fresh = False
        self.write_msb_next = False
        self.read_msb_next = False
        self.latched = []
        self.status_latched = None

    def write_count(self, value, tick):
        access = self.access
        if access == ACCESS_LSB:
            self._load(value, tick)
        elif access == ACCESS_MSB:
            self._load(value << 8, tick)
        elif not self.write_msb_next:
            self.write_lsb = value
            self.write_msb_next = True
            if self.mode == 0 and self.armed:
                # Writing the first byte stops a mode 0 count and drops OUT.
                self.counted = self.edges_counted(tick) or 0
                self.halted = True
        else:
            self.write_msb_next = False
            self._load(self.write_lsb | (value << 8), tick)

    def _load(self, value, tick):
        self.reload = value
        n = self._decode(value)
        mode = self.mode
        self.halted = False
        if mode in (2, 3) and self.armed and self._counting() and tick >= self.start_tick:
            # A new count takes effect when the current period ends.
            c = self.edges_counted(tick)
            boundary = (c // self.n + 1) * self.n
            self.pending_n = n
            self.pending_tick = self.tick_of_count(boundary)
        elif mode in (1, 5):
            self.trigger_n = n
            self.count_fresh = True
            if not self.armed:
                self.n = n
        else:
            self.n = n
            self.pending_n = None
            self.start_tick = self.resume_tick = tick + 1
            self.counted = 0
        self.armed = True

    def latch_count(self, tick):
        if self.latched:
            return  # a second latch before the first is read is ignored
        count = self.state(tick)[1] & 0xFFFF
        if self.bcd:
            count = _to_bcd(count % 10000)
        if self.access == ACCESS_LSB:
            self.latched = [count & 0xFF]
        elif self.access == ACCESS_MSB:
            self.latched = [count >> 8]
        else:
            self.latched = [count & 0xFF, count >> 8]

    def latch_status(self, tick):
        if self.status_latched is not None:
            return
        out, _ = self.state(tick)
        null = (not self.armed or tick < self.start_tick or self.pending_n is not None
                or self.count_fresh)
        self.status_latched = ((STATUS_OUT if out else 0) | (STATUS_NULL_COUNT if null else 0)
                               | self.control)

    def read(self, tick):
        if self.status_latched is not None:
            value = self.status_latched
            self.status_latched = None
            return value
        if self.latched:
            return self.latched.pop(0)
        count = self.state(tick)[1] & 0xFFFF
        if self.bcd:
            count = _to_bcd(count % 10000)
        if self.access == ACCESS_LSB:
            return count & 0xFF
        if self.access == ACCESS_MSB:
            return count >> 8
        msb = self.read_msb_next
        self.read_msb_next = not msb
        return count >> 8 if msb else count & 0xFF

    def set_gate(self, level, tick):
        level = bool(level)
        if level == self.gate:
            return
        mode = self.mode
        if not level:
            if mode not in (1, 5):
                c = self.edges_counted(tick)
                if c is not None:
                    self.counted = c
            self.gate = False
            return
        self.gate = True
        if mode in (0, 4):
            self.resume_tick = max(tick, self.start_tick)
        elif mode in (2, 3):
            if self.armed:
                self._restart(tick)
        elif self.armed:             # modes 1 and 5: trigger
            self.triggered = True
            self.n = self.trigger_n
            self.count_fresh = False
            self._restart(tick)

    def debug_state(self, tick):
        out, count = self.state(tick)
        return {
            "mode": self.mode, "access": self.access, "bcd": self.bcd,
            "reload": self.reload, "count": count, "out": out, "gate": self.gate,
            "armed": self.armed,
        }


class Pit8254:
    """The PC's 8254 at 40h-43h; counter 0's OUT drives ``irq`` (IRQ0)."""

    STATE = state.Description("8254 PIT", fields=[
        state.Children("counters", PitCounter.STATE), state.Timer("_timer", "_on_rise"),
        state.IrqLevel("irq"), state.Int("irq0_edges"),
    ], wiring=["clock"])

    def __init__(self, io, clock, irq=None):
        self.clock = clock
        self.irq = irq
        self.counters = [PitCounter(0, True), PitCounter(1, True), PitCounter(2, False)]
        self._timer = None
        self.irq0_edges = 0
        io.register(0x40, 4, self._read, self._write, name="8254 PIT")

    # -- ports --------------------------------------------------------------------
    def _read(self, offset):
        if offset == 3:
            return 0xFF  # the control word register is write-only
        return self.counters[offset].read(tick_at(self.clock.now()))

    def _write(self, offset, value):
        tick = tick_at(self.clock.now())
        if offset < 3:
            self.counters[offset].write_count(value, tick)
            if offset == 0:
                self._sync_irq0()
            return
        select = value >> 6
        if select == CW_SELECT_READBACK:
            for i in range(3):
                if value & (2 << i):
                    if not value & RB_NOT_COUNT:
                        self.counters[i].latch_count(tick)
                    if not value & RB_NOT_STATUS:
                        self.counters[i].latch_status(tick)
            return
        counter = self.counters[select]
        if (value >> 4) & 3 == ACCESS_LATCH:
            counter.latch_count(tick)
            return
        counter.write_control(value, tick)
        if select == 0:
            self._sync_irq0()

    # -- system side ------------------------------------------------------------------
    def set_gate(self, index, level):
        self.counters[index].set_gate(level, tick_at(self.clock.now()))
        if index == 0:
            self._sync_irq0()

    def output(self, index):
        return self.counters[index].state(tick_at(self.clock.now()))[0]

    # -- IRQ0 ---------------------------------------------------------------------------
    def _sync_irq0(self):
        """After the guest touched counter 0: OUT0 to the line, then wait for its next rise."""
        now = self.clock.now()
        if self.irq is not None:
            self.irq.set(self.counters[0].state(tick_at(now))[0])
        self._arm_irq0(now)

    def _arm_irq0(self, now):
        self.clock.cancel(self._timer)
        self._timer = None
        if self.irq is None:
            return
        counter = self.counters[0]
        tick = max(tick_at(now), counter.start_tick)   # a fresh count loads on the next edge
        c = counter.edges_counted(tick)
        if c is None or not counter._counting():
            return
        rise = counter.next_rise(c)
        if rise is None:
            return
        when = time_of_tick(counter.tick_of_count(rise))
        if when < now + MIN_IRQ_GAP_NS and counter.mode in (2, 3):
            later = c + tick_at(now + MIN_IRQ_GAP_NS) - tick
            when = time_of_tick(counter.tick_of_count(counter.next_rise(later)))
        if counter.pending_n is not None and counter.pending_tick < counter.tick_of_count(rise):
            when = time_of_tick(counter.pending_tick)
        self._timer = self.clock.schedule(when, self._on_rise)

    def _on_rise(self, now):
        self._timer = None
        self.irq0_edges += 1
        self.irq.set(False)
        self.irq.set(True)
        self._arm_irq0(now)

    def debug_state(self):
        tick = tick_at(self.clock.now())
        return {
            "counters": [c.debug_state(tick) for c in self.counters],
            "irq0_edges": self.irq0_edges,
        }
