"""Emulated time and one-shot timers.

Time is counted in nanoseconds since power-on. Two sources:

* ``virtual``: time is derived from the CPU's instruction count
  (``NS_PER_INSN`` each), so a run with the same inputs repeats exactly;
  while the guest halts, the machine skips time forward to the next timer.
* ``realtime``: time follows the host's monotonic clock, so the guest's
  18.2 Hz tick and RTC keep pace with the wall.

Devices never tick. They remember when they were programmed, derive their
state from ``now()`` when the guest looks, and arm one timer for the next
edge the guest can observe (an IRQ). The machine runs the CPU up to
``next_deadline()`` and then calls ``run_due()``. A timer armed while the CPU
runs (a port write schedules an answer) may be due before the slice would
end: ``run_slice_until`` tells the clock where the running slice ends, and
arming an earlier timer calls ``cut_slice`` (the machine: end the slice after
this instruction), so the timer fires on time instead of at the slice's end.
"""

import heapq
import time

NS_PER_INSN = 100  # virtual mode: a 10 MIPS machine
NS_PER_SEC = 1_000_000_000


class Timer:
    __slots__ = ("deadline", "seq", "callback", "cancelled")

    def __init__(self, deadline, seq, callback):
        self.deadline = deadline
        self.seq = seq
        self.callback = callback
        self.cancelled = False

    def __lt__(self, other):
        return (self.deadline, self.seq) < (other.deadline, other.seq)


class Clock:
    def __init__(self, mode="virtual", insn_count=None):
        if mode not in ("virtual", "realtime"):
            raise ValueError("clock mode must be 'virtual' or 'realtime'")
        self.mode = mode
        self.virtual = mode == "virtual"
        self._insn_count = insn_count or (lambda: 0)
        self._offset = 0
        self._host_start = time.monotonic_ns()
        self._timers = []
        self._seq = 0
        self._slice_end = None  # ns: where the CPU slice now running ends (None: no slice)
        self.cut_slice = None   # callable(): end the running slice early

    def now(self):
        if self.virtual:
            return self._offset + self._insn_count() * NS_PER_INSN
        return time.monotonic_ns() - self._host_start + self._offset

    def skip_to(self, t):
        """Jump forward to ``t`` (virtual mode: the guest is halted until then)."""
        delta = t - self.now()
        if delta > 0:
            self._offset += delta

    # -- saved states -----------------------------------------------------------
    def set_now(self, t):
        """Make now() read ``t`` (loading a saved state; virtual mode keeps counting from
        the CPU's restored instruction count)."""
        self._offset += t - self.now()

    def clear_timers(self):
        self._timers = []

    def restore_timer(self, deadline, seq, callback):
        """Re-arm a saved timer with its original place in the queue (ties fire in order)."""
        timer = Timer(deadline, seq, callback)
        heapq.heappush(self._timers, timer)
        self._seq = max(self._seq, seq)
        return timer

    def live_timers(self):
        return [t for t in self._timers if not t.cancelled]

    # -- timers ---------------------------------------------------------------
    def schedule(self, deadline, callback):
        """Call ``callback(now)`` once ``now() >= deadline``. Returns a handle for cancel()."""
        self._seq += 1
        timer = Timer(deadline, self._seq, callback)
        heapq.heappush(self._timers, timer)
        if self._slice_end is not None and deadline < self._slice_end:
            self._slice_end = None
            if self.cut_slice is not None:
                self.cut_slice()
        return timer

    def run_slice_until(self, end):
        """The CPU is about to run until ``end`` (ns; None once the slice is over)."""
        self._slice_end = end

    def schedule_in(self, delay, callback):
        return self.schedule(self.now() + delay, callback)

    def cancel(self, timer):
        if timer is not None:
            timer.cancelled = True

    def next_deadline(self):
        """Deadline of the earliest live timer, or None."""
        timers = self._timers
        while timers and timers[0].cancelled:
            heapq.heappop(timers)
        return timers[0].deadline if timers else None

    def armed(self):
        """(deadline, callback) of every live timer, earliest first."""
        return sorted((t.deadline, t.seq, t.callback) for t in self._timers if not t.cancelled)

    def run_due(self):
        """Fire every timer whose deadline has passed; returns how many fired."""
        fired = 0
        timers = self._timers
        now = self.now()
        while timers and (timers[0].cancelled or timers[0].deadline <= now):
            timer = heapq.heappop(timers)
            if timer.cancelled:
                continue
            timer.cancelled = True
            timer.callback(now)
            fired += 1
            now = self.now()
        return fired
