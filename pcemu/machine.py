"""The PC: wires the CPU, memory, ports and chips into one machine, and runs it.

This module is the schematic. Reading ``Machine._build`` top to bottom gives
the hardware: 640 KiB RAM, the 64 KiB BIOS ROM at F0000h, the 8259A pair on
the CPU's INTR pin, the 8254 on IRQ0, the 8042 on IRQ1, COM1 on IRQ4, the
MC146818 on IRQ8, the primary ATA channel (hard disks) on IRQ14 and the
secondary channel (floppy images, which the BIOS presents as A:/B:) on IRQ15.

It also owns the run loop: the CPU runs in quanta bounded by the next timer
deadline; between quanta the clock fires due timers and host input is
delivered. When the guest halts with interrupts enabled, time skips to the
next timer (virtual clock) or the host sleeps until it (realtime clock).

The Python API (``Machine``) is what the tests and the front ends use: run
for a number of instructions or until text shows, type keys, read the screen
and the serial output. Keys go in as scancodes through the 8042 and bytes
through the UART, exactly as hardware would deliver them. It reads guest
memory in two places only, both BIOS data area bytes every PC BIOS keeps: the
keyboard ring's pointers to pace typed input (see ``_deliver_input``) and the
mode number INT 10h last set, for ``video_mode()``.

Front ends own their loop (TinyEMU's shape): call ``step_quantum(sleep=False)``,
then wait on their own input for at most ``sleep_duration(limit)`` seconds,
and read what to show through ``text_screen()``, ``cursor()``,
``keyboard_leds()``, ``halted``, ``icount``, ``video_mode()``,
``in_graphics_mode()``, ``graphics_frame()`` and ``picture_key()``; nothing else of the machine.
"""

import os
import stat
import time
import weakref
from collections import namedtuple

from . import floppy, hostjit
from .bus import IoPorts, Memory
from .clock import NS_PER_INSN, NS_PER_SEC, Clock
from .cpu import CPU
from .cpu.ops import PrefixLockup
from .devices.ata import AtaChannel
from .devices.kbc import Kbc8042
from .devices.keymap import tap, text_to_scancodes
from .devices.pic import PicPair
from .devices.pit import Pit8254
from .devices.rtc import Rtc146818
from .devices.sysports import SystemPorts
from .devices.uart import BufferSerial, Uart16550
from .devices.vga import Vga
from .disk import DiskError, DiskImage
from .errors import GuestFault, Timeout
from .irq import IrqLine
from . import state
from .resources import BIOS_IMAGE_NAME, data_file

# The BIOS ROM built from bios/ by bios/build.sh, shipped inside the package.
BIOS_IMAGE = data_file(BIOS_IMAGE_NAME)
BIOS_BASE = 0xF0000

# CMOS byte 50h is pcemu's own configuration byte, read by our BIOS at POST.
CMOS_PCEMU_CONFIG = 0x50
CONFIG_SERIAL_CONSOLE = 0x01

# BIOS data area (segment 40h), at the addresses every PC BIOS keeps (ours: bios/bda.inc,
# checked by tests/test_machine_api.py): the keyboard ring buffer's head/tail and bounds,
# read to pace typed input (Machine._deliver_input), and the current video mode.
BDA_KBD_HEAD = 0x41A
BDA_KBD_TAIL = 0x41C
BDA_KBD_START = 0x480
BDA_KBD_END = 0x482
BDA_VIDEO_MODE = 0x449

POST_CODE_FIRST = 0x01  # our BIOS's first and last POST codes (bios/post.asm)
POST_CODE_BOOT = 0x0F
QUANTUM_INSNS = 20000  # realtime mode: instructions between looks at the host clock

# The IRQ lines host input can raise: a key through the 8042, a byte into COM1.
HOST_INPUT_IRQS = {"keyboard": 1, "serial": 4}
BIOS_SIZE = 0x10000
DEBUG_LINE_SHOWN = 80  # characters of the BIOS's last debug line quoted in a fault message


def printable(text, limit=DEBUG_LINE_SHOWN):
    """``text`` safe to print on one line: control and non-ASCII characters as \\xNN, at most
    ``limit`` characters of the original (guest bytes end up in our messages)."""
    shown = "".join(ch if " " <= ch <= "~" and ch != "\\" else
                    ("\\\\" if ch == "\\" else "\\x%02x" % (ord(ch) & 0xFF)) for ch in text[:limit])
    return shown + ("..." if len(text) > limit else "")


CPU_TIERS = ("interp", "auto")


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _disk_list(idents):
    return ", ".join("%s %s" % (d.get("kind"), d.get("name")) for d in idents) or "no disks"


class VideoMode(namedtuple("VideoMode", "number graphics width height colours")):
    """``width`` x ``height`` are pixels in graphics modes, columns x rows in text modes."""


class Machine:
    """An IBM PC/AT-compatible machine in real mode.

    Disks: ``floppies`` and ``hdds`` are lists of image paths (or DiskImage
    objects); ``disks`` are classified by size and boot sector. ``serial`` is a
    back end object with ``write(bytes)``; by default a BufferSerial whose
    bytes ``serial_output()`` returns. ``serial_console`` tells our BIOS to
    mirror the console to COM1 and take COM1 input as keystrokes.
    ``translate`` picks the CPU tier: "interp" (or False) interprets every
    instruction; "auto" (or True) translates hot code into Python functions
    (``pcemu.cpu.translate``); both give the same results and instruction
    counts. ``dump_blocks`` names a folder to write the translated source to.
    """

    def __init__(self, disks=(), floppies=(), hdds=(), cpu="80186", clock="virtual",
                 serial=None, serial_console=False, snapshot=False, bios=None,
                 rtc_epoch=None, translate="auto", dump_blocks=None):
        if cpu not in ("8086", "80186"):
            raise ValueError("unknown CPU model %r (use 8086 or 80186)" % (cpu,))
        if translate in (True, False):
            translate = "auto" if translate else "interp"
        if translate not in CPU_TIERS:
            raise ValueError("unknown CPU tier %r (use interp or auto)" % (translate,))
        self.cpu_tier = translate
        self._dump_blocks = dump_blocks
        self.cpu_model = cpu
        self.serial_backend = serial if serial is not None else BufferSerial()
        self.serial_console = serial_console
        self.disk_images = []
        self.floppy_drives = []
        self.hdd_drives = []
        self.reset_requested = False
        self._typed = []  # pending host keystrokes: list of scancode byte strings
        self._serial_in = bytearray()  # pending host serial input
        self._host_start = time.monotonic()
        self._host_cpu_start = time.process_time()
        self._trace_files = []
        self._insn_trace = None
        self.debugger = None  # a pcemu.debug.Debugger once one is attached
        self._debug_run = None  # its run method while debugging is active (see pcemu.debug)
        self.debug_sink = None  # callable(line) for the BIOS debug console (port E9h)
        # Kinds of host input ("keyboard", "serial") that may still arrive: a halted guest
        # that only such input could wake is waiting, not dead. The Python API can type at
        # any time; a front end narrows this to what it can deliver.
        self.host_inputs = set(HOST_INPUT_IRQS)
        self.waiting_for_input = False
        self._jit_token = object()
        self._jit_hold_until = None
        weakref.finalize(self, hostjit.release, self._jit_token)
        try:
            self._attach_disks(disks, floppies, hdds, snapshot)
            self._build(clock, bios, rtc_epoch)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ wiring
    def _attach_disks(self, disks, floppies, hdds, snapshot):
        seen = {}
        for spec, kind in ([(d, None) for d in disks] + [(d, "floppy") for d in floppies]
                           + [(d, "hdd") for d in hdds]):
            if not isinstance(spec, DiskImage):
                try:
                    st = os.stat(spec)
                    key = (st.st_dev, st.st_ino)
                except OSError:
                    key = None  # DiskImage.open says what is wrong with it
                if key is not None and key in seen:
                    raise DiskError("%s: the same image is attached twice (also as %s); each drive needs "
                                    "its own image file" % (spec, seen[key]))
                seen[key] = spec
            image = spec if isinstance(spec, DiskImage) else DiskImage.open(spec, kind=kind, snapshot=snapshot)
            self.disk_images.append(image)
            (self.floppy_drives if image.kind == "floppy" else self.hdd_drives).append(image)
        if len(self.floppy_drives) > 2:
            raise DiskError("at most two floppy images (A: and B:) can be attached")
        if len(self.hdd_drives) > 2:
            raise DiskError("at most two hard disk images (C: and D:) can be attached")

    def _build(self, clock_mode, bios, rtc_epoch):
        self.mem = Memory()
        self.io = IoPorts()
        bios_path = os.fspath(bios) if bios else BIOS_IMAGE
        rom = read_bios_image(bios_path)
        self.mem.load_rom(BIOS_BASE, rom)

        self.cpu = CPU(self.mem, self.io, model=self.cpu_model)
        if self.cpu_tier == "auto":
            self.cpu.enable_translation(dump_dir=self._dump_blocks)
        self.clock = Clock(clock_mode, insn_count=lambda: self.cpu.icount)
        self.clock.cut_slice = self.cpu.request_stop   # a timer armed mid-slice ends it
        self._host_ns_per_insn = 1000.0  # realtime clock: host ns per guest instruction, as last measured

        self.pic = PicPair(self.io, cpu_intr=self.cpu.set_intr)
        self.cpu.intc = self.pic

        def irq(n):
            return IrqLine(self.pic, n)

        self.pit = Pit8254(self.io, self.clock, irq=irq(0))
        self.kbc = Kbc8042(self.io, irq=irq(1), on_reset=self._request_reset, clock=self.clock)
        self.sysports = SystemPorts(self.io, pit=self.pit, on_reset=self._request_reset,
                                    on_debug_line=self._on_debug_line, on_post_code=self._on_post_code)
        self.rtc = Rtc146818(self.io, self.clock, irq=irq(8), epoch=rtc_epoch)
        self.uart = Uart16550(self.io, base=0x3F8, irq=irq(4), backend=self.serial_backend, name="COM1",
                              clock=self.clock)
        self.vga = Vga(self.io, self.mem, clock=self.clock)
        hdds = self.hdd_drives + [None] * (2 - len(self.hdd_drives))
        fdds = self.floppy_drives + [None] * (2 - len(self.floppy_drives))
        self.ata_primary = AtaChannel(self.io, base=0x1F0, ctrl=0x3F6, irq=irq(14), drives=hdds,
                                      name="ATA primary (hard disks)")
        self.ata_secondary = AtaChannel(self.io, base=0x170, ctrl=0x376, irq=irq(15), drives=fdds,
                                        name="ATA secondary (floppy images)")
        # Which IRQ line each device's clock timers can raise (for a halted CPU: can it wake?).
        self._timer_irq = {self.pit: 0, self.kbc: 1, self.uart: 4, self.rtc: 8,
                           self.ata_primary: 14, self.ata_secondary: 15, self.vga: None}
        self._fill_cmos()
        self.cpu.reset()

    def _fill_cmos(self):
        # The PC/AT CMOS setup bytes, through the RTC module's layout (devices/rtc.py).
        rtc = self.rtc
        types = [floppy.BY_SIZE[d.sectors * 512].cmos_type if d.sectors * 512 in floppy.BY_SIZE else 4
                 for d in self.floppy_drives] + [0, 0]
        rtc.set_floppy_types(types[0], types[1])
        # Hard disks as type 47, the AT BIOSes' user-defined type (geometry from the drive itself).
        rtc.set_hard_disk_types(*[47 if i < len(self.hdd_drives) else 0 for i in range(2)])
        nfloppy = len(self.floppy_drives)
        equipment = 0x20  # 80x25 colour
        if nfloppy:
            equipment |= 0x01 | ((nfloppy - 1) << 6)
        rtc.set_equipment(equipment)
        rtc.set_base_memory(640)
        rtc.set_extended_memory(0)
        rtc.cmos[CMOS_PCEMU_CONFIG] = CONFIG_SERIAL_CONSOLE if self.serial_console else 0

    def _on_post_code(self, code):
        # POST runs once: PyPy's JIT would spend more tracing it than it saves (see hostjit).
        if code == POST_CODE_FIRST:
            hostjit.hold(self._jit_token)
            self.cpu.dispatch_for_jit(False)
            self._jit_hold_until = self.cpu.icount + hostjit.HOLD_LIMIT_INSNS
        elif code == POST_CODE_BOOT:
            self._release_jit()

    def _release_jit(self):
        self._jit_hold_until = None
        hostjit.release(self._jit_token)
        cpu = getattr(self, "cpu", None)
        if cpu is not None:
            cpu.dispatch_for_jit(True)

    def _on_debug_line(self, line):
        if self.debug_sink is not None:
            self.debug_sink(line)

    def _request_reset(self):
        self.reset_requested = True
        self.cpu.request_stop()

    def _do_reset(self):
        """The 8042's or port 92h's reset line: the CPU restarts, RAM and chips keep their state
        as on a warm reset (the BIOS reads the warm-boot flag in the BDA)."""
        self.reset_requested = False
        self.cpu.reset()

    # ------------------------------------------------------------------ running
    @property
    def icount(self):
        return self.cpu.icount

    def step_quantum(self, max_insns=QUANTUM_INSNS, sleep=True):
        """Run the CPU for at most ``max_insns`` instructions, bounded by the next timer,
        then fire due timers and deliver pending host input. Returns instructions executed.

        While the guest halts under the realtime clock, ``sleep=True`` sleeps the host until
        the next timer (at most 50 ms); front ends with input of their own pass ``sleep=False``
        and wait on their input for ``sleep_duration()`` instead."""
        cpu = self.cpu
        clock = self.clock
        self._deliver_input()
        if self.reset_requested:
            self._do_reset()
        executed = 0
        self.waiting_for_input = False
        if_set = cpu.get_flags() & 0x200
        if cpu.halted and not (cpu.nmi_latched or (cpu.intr and if_set)):
            if not if_set:
                self._fault_halted()
            deadline = self._wake_deadline()
            if deadline is None:
                if not self._input_could_wake():
                    self._fault_halted()
                # Only host input can wake the guest: nothing to run, no time to skip.
                self.waiting_for_input = True
                if sleep:
                    time.sleep(0.05)
            elif clock.virtual:
                clock.skip_to(deadline)
            else:
                delay = (deadline - clock.now()) / NS_PER_SEC
                if delay > 0 and sleep:
                    time.sleep(min(delay, 0.05))
        else:
            # The slice ends at the next timer: exactly under the virtual clock; under the
            # realtime clock by the host time an instruction has been taking, so a device
            # answering within a millisecond (the keyboard's self test) is not left for the
            # rest of a 20,000-instruction slice. A timer armed during the slice and due
            # before its end ends it too (Clock.schedule).
            budget = max_insns
            now = clock.now()
            deadline = clock.next_deadline()
            ns_per_insn = NS_PER_INSN if clock.virtual else self._host_ns_per_insn
            if deadline is not None:
                until = int((deadline - now) // ns_per_insn) + 1
                if until < budget:
                    budget = max(1, until)
            clock.run_slice_until(now + budget * ns_per_insn)
            try:
                if self._debug_run is not None:
                    executed = self._debug_run(budget)
                elif self._insn_trace is None:
                    executed = cpu.run(budget)
                else:
                    executed = cpu.run_traced(budget, self._insn_trace)
            except PrefixLockup as e:
                from .debug.listing import guest_report

                raise GuestFault("%s, at %04X:%04X" % (e, cpu.sregs[1], cpu.ip), guest_report(self))
            finally:
                clock.run_slice_until(None)
            if not clock.virtual and executed >= 64:
                self._host_ns_per_insn = max(1.0, (self._host_ns_per_insn + (clock.now() - now) / executed) / 2)
        clock.run_due()
        if self.reset_requested:
            self._do_reset()
        if self._jit_hold_until is not None and cpu.icount >= self._jit_hold_until:
            self._release_jit()
        if self.debugger is not None:
            self.debugger.after_quantum()
        return executed

    def sleep_duration(self, max_seconds):
        """How long (host seconds, at most ``max_seconds``) the host may wait before the next
        ``step_quantum``: 0 while the CPU has work or input is queued; while the guest halts
        under the realtime clock, the time to its next timer. A front end waits that long on
        its own input (select on stdin, window events), like TinyEMU's get_sleep_duration."""
        cpu = self.cpu
        if (not cpu.halted or self._typed or self._serial_in or self.reset_requested
                or cpu.nmi_latched or (cpu.intr and cpu.get_flags() & 0x200)):
            return 0.0
        if self.waiting_for_input:  # only the front end's input can wake the guest
            return max(0.0, max_seconds)
        if self.clock.virtual:
            return 0.0
        deadline = self._wake_deadline()
        if deadline is None:
            return max(0.0, max_seconds)
        return max(0.0, min(max_seconds, (deadline - self.clock.now()) / NS_PER_SEC))

    def _wake_deadline(self):
        """When the next clock timer that could wake the halted CPU is due, or None.
        A timer whose device's IRQ line is masked (or blocked by a level in service)
        still runs when due, but cannot end the halt."""
        pic = self.pic
        timer_irq = self._timer_irq
        for deadline, _, callback in self.clock.armed():
            owner = getattr(callback, "__self__", None)
            if owner not in timer_irq:
                return deadline  # not a device we know: assume it can wake the CPU
            line = timer_irq[owner]
            if line is not None and pic.could_interrupt(line):
                return deadline
        return None

    def _input_could_wake(self):
        """Could host input, queued or still to come, end the halt?"""
        pic = self.pic
        if pic.could_interrupt(HOST_INPUT_IRQS["keyboard"]) and (
                "keyboard" in self.host_inputs or self._typed or self.kbc.pending_input()):
            return True
        return pic.could_interrupt(HOST_INPUT_IRQS["serial"]) and bool(
            "serial" in self.host_inputs or self._serial_in or self.uart.rx_pending())

    def _fault_halted(self):
        last = self.sysports.last_debug_line()
        where = "%04X:%04X" % (self.cpu.sregs[1], self.cpu.ip)
        if self.cpu.get_flags() & 0x200:
            msg = ("guest halted at %s with interrupts enabled, but nothing can interrupt it "
                   "(its IRQ lines masked or blocked, no timer, no input)" % where)
        else:
            msg = "guest halted with interrupts disabled at %s" % where
        if last:
            msg += " (BIOS: %s)" % printable(last)
        from .debug.listing import guest_report

        raise GuestFault(msg, guest_report(self))

    def run(self, insns=None, seconds=None):
        """Run for ``insns`` guest instructions or ``seconds`` of emulated time (whichever given).

        Returns early when the guest halts waiting for host input (``waiting_for_input``:
        a key or serial byte is all that can wake it); raises GuestFault when nothing
        at all can wake it."""
        if insns is not None:
            target = self.cpu.icount + insns
            while self.cpu.icount < target:
                self.step_quantum(min(QUANTUM_INSNS, target - self.cpu.icount))
                if self.waiting_for_input:
                    return
        elif seconds is not None:
            end = self.clock.now() + int(seconds * NS_PER_SEC)
            while self.clock.now() < end:
                self.step_quantum()
                if self.waiting_for_input:
                    return
        else:
            raise ValueError("run() needs insns= or seconds=")

    def run_until(self, predicate, timeout=60.0, max_insns=None, check=True, what=None):
        """Run until ``predicate(machine)`` is true, and return True. If ``timeout`` host
        seconds (or ``max_insns`` instructions) pass first, raise ``pcemu.Timeout`` (its
        message holds the screen), or with ``check=False`` return False."""
        end = time.monotonic() + timeout
        limit = None if max_insns is None else self.cpu.icount + max_insns
        while not predicate(self):
            if time.monotonic() > end or (limit is not None and self.cpu.icount >= limit):
                return self._timed_out(what or "the condition %r" % (predicate,), timeout, check)
            self.step_quantum()
        return True

    def _timed_out(self, what, timeout, check):
        if check:
            raise Timeout(what, timeout, self.screen_text())
        return False

    def run_until_text(self, text, timeout=60.0, max_insns=None, check=True):
        """Run until ``text`` shows anywhere on the text screen (True), else raise
        ``pcemu.Timeout`` (``check=False``: return False)."""
        return self.run_until(lambda m: text in m.screen_text(), timeout, max_insns, check,
                              what="the text %r on the screen" % (text,))

    def run_until_idle(self, timeout=60.0, settle_insns=200000, check=True):
        """Run until the guest waits for input with nothing left to deliver: all typed keys
        and serial bytes consumed, the keyboard buffer empty, the CPU halted (True). Else
        raise ``pcemu.Timeout`` after ``timeout`` host seconds (``check=False``: return False)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.is_idle():
                # Stay idle across a few timer ticks: DOS may still be between steps.
                start = self.cpu.icount
                ok = True
                for _ in range(4):
                    self.step_quantum()
                    if not self.is_idle():
                        ok = False
                        break
                if ok and self.cpu.icount - start < settle_insns:
                    return True
            else:
                self.step_quantum()
        return self._timed_out("an idle guest (all input taken, CPU halted)", timeout, check)

    def is_idle(self):
        return (self.cpu.halted and not self._typed and not self._serial_in
                and self.kbc.pending_input() == 0 and self.uart.rx_pending() == 0
                and self.keyboard_buffer_count() == 0)

    # ------------------------------------------------------------------ input
    def keyboard_buffer_count(self):
        """Keystrokes waiting in the BIOS keyboard buffer (the ring at 40:1Ah-40:83h)."""
        data = self.mem.data
        head = data[BDA_KBD_HEAD] | (data[BDA_KBD_HEAD + 1] << 8)
        tail = data[BDA_KBD_TAIL] | (data[BDA_KBD_TAIL + 1] << 8)
        start = data[BDA_KBD_START] | (data[BDA_KBD_START + 1] << 8)
        end = data[BDA_KBD_END] | (data[BDA_KBD_END + 1] << 8)
        size = (end - start) if end > start else 32
        return ((tail - head) % size) // 2

    def _deliver_input(self):
        # Like a typist who waits when the guest falls behind: the next key goes to
        # the 8042 only when the guest has taken the previous one and its buffer has room.
        # This is the one place the machine reads guest memory, on purpose: the 8042
        # holds one byte, so the hardware cannot tell whether the BIOS's 16-key ring
        # behind it is full, and typed-ahead text (a pasted command, a test script)
        # would be dropped with a beep. The ring's pointers sit at addresses fixed
        # since the IBM PC (40:1Ah/1Ch/80h/82h), kept by every BIOS and by DOS
        # programs that stuff keys; the alternatives (a fixed delay per key, waiting
        # for HLT) either lose keys under load or stall programs that poll INT 16h.
        if self._typed and self.kbc.pending_input() == 0 and self.keyboard_buffer_count() < 8:
            self.kbc.key_scancodes(self._typed.pop(0))
        if self._serial_in and self.uart.rx_pending() == 0 and self.keyboard_buffer_count() < 8:
            self.uart.receive(bytes(self._serial_in[:1]))
            del self._serial_in[:1]

    def type_text(self, text):
        """Type US-layout text through the keyboard (scancodes via the 8042). "\\r"/"\\n" press Enter."""
        for ch in text:
            self.queue_keystroke(text_to_scancodes(ch))

    def press_key(self, name):
        """Press and release a key by name (see pcemu.devices.keymap.KEY_NAMES), e.g. "f1", "up"."""
        self.queue_keystroke(tap(name))

    def queue_keystroke(self, data):
        """One keystroke's set-1 bytes (press and release), delivered at the guest's pace
        like type_text(): for front ends that cannot send key-up events (terminals)."""
        self._typed.append(bytes(data))

    def send_scancodes(self, data):
        """Raw set-1 bytes, delivered in order (front ends with a real keyboard use this)."""
        self.kbc.key_scancodes(bytes(data))

    def send_serial(self, data):
        """Bytes arriving on COM1 from the host side."""
        self._serial_in += data

    def input_pending(self):
        """True while typed keys or serial bytes still wait to be delivered."""
        return bool(self._typed or self._serial_in)

    # ------------------------------------------------------------------ output
    def screen_lines(self):
        return self.vga.text_lines()

    def screen_text(self):
        return "\n".join(self.vga.text_lines())

    def text_screen(self):
        """The VGA text screen now: ``cols``, ``rows``, ``cells`` (bytes: code, attribute per
        cell), ``cursor_row``/``cursor_col``/``cursor_visible``/``cursor_start``/``cursor_end``
        (CRTC scanlines), ``blink_enabled``, ``palette`` (16 RGB triples). What front ends draw."""
        return self.vga.text_screen()

    def cursor(self):
        """(row, column) of the CRTC cursor."""
        s = self.vga.text_screen()
        return s.cursor_row, s.cursor_col

    def video_mode(self):
        """The video mode on screen: a VideoMode with the BIOS mode number (BDA 40:49h, what
        the guest last set through INT 10h), whether the VGA is in a graphics mode, and its
        size (pixels, or text columns and rows) and colours, as the VGA's registers say."""
        vga = self.vga
        number = self.mem.data[BDA_VIDEO_MODE]
        if vga.graphics:
            return VideoMode(number, True, *vga.graphics_geometry())
        s = vga.text_screen()
        return VideoMode(number, False, s.cols, s.rows, 2 if s.mono else 16)

    def screenshot(self, path):
        """Save what the display shows as a PNG (any mode; no pygame needed)."""
        from .screenshot import picture, write_png

        width, height, rows = picture(self.vga)
        write_png(path, width, height, rows)
        return width, height

    def in_graphics_mode(self):
        """True while the VGA shows a graphics mode (text front ends cannot show it)."""
        return self.vga.graphics

    def graphics_frame(self):
        """In a graphics mode, the picture (a pcemu.devices.vga_scanout.GraphicsFrame:
        DAC indices at the monitor's raster, the DAC as RGB); None in text modes."""
        return self.vga.graphics_frame() if self.vga.graphics else None

    def picture_key(self):
        """A value that changes whenever the graphics picture may have: front ends redraw
        when it does (the CGA modes' memory is plain RAM, so its bytes are part of it)."""
        vga = self.vga
        if (vga.gc[0x06] >> 2) & 3 == 3:
            return vga.picture_changes(), bytes(self.mem.data[0xB8000:0xBC000])
        return vga.picture_changes(), None

    def keyboard_leds(self):
        """The lock LEDs the guest last set on the keyboard: bit 0 Scroll, 1 Num, 2 Caps Lock."""
        return self.kbc.leds

    @property
    def halted(self):
        """True while the CPU sits in HLT (the guest is waiting for an interrupt)."""
        return self.cpu.halted

    def guest_ns(self):
        """Emulated time since power-on, in nanoseconds."""
        return self.clock.now()

    def drives(self):
        """The attached images: a list of (drive, path), e.g. [("A:", "freedos.img")]."""
        return ([(letter + ":", str(img.path)) for letter, img in zip("AB", self.floppy_drives)]
                + [(letter + ":", str(img.path)) for letter, img in zip("CD", self.hdd_drives)])

    def serial_bytes_out(self):
        """Bytes the guest has sent out of COM1 so far."""
        return self.uart.bytes_out

    def serial_output(self):
        data = getattr(self.serial_backend, "data", None)
        return bytes(data) if data is not None else b""

    # ------------------------------------------------------------------ saved states
    # What the Machine itself holds between quanta: host input not yet delivered.
    STATE = state.Description("machine", fields=[
        state.ByteStrings("_typed"), state.Bytes("_serial_in"), state.Bool("reset_requested"),
    ])

    def state_devices(self):
        """(key, object) for every part with a ``STATE`` description, in load order:
        the CPU and RAM first (the virtual clock counts the CPU's instructions)."""
        return [("cpu", self.cpu), ("memory", self.mem), ("pic", self.pic), ("pit", self.pit),
                ("rtc", self.rtc), ("kbc", self.kbc), ("sysports", self.sysports), ("uart", self.uart),
                ("vga", self.vga), ("ata_primary", self.ata_primary), ("ata_secondary", self.ata_secondary),
                ("machine", self)]

    def _bios_digest(self):
        import hashlib

        return hashlib.sha256(bytes(self.mem.data[BIOS_BASE:BIOS_BASE + 0x10000])).hexdigest()

    def _disk_identity(self, disk):
        if disk.builtin:
            from . import freedos

            digest = freedos.image_digest()
        else:
            disk.flush()
            digest = disk.content_digest()
        return {"name": str(disk.path), "builtin": disk.builtin, "kind": disk.kind, "sectors": disk.sectors,
                "sha256": digest, "snapshot": disk.snapshot}

    def save_state(self, path):
        """Write everything the guest can observe to ``path`` (call between run steps).
        Refused (StateError) for a machine whose disks cannot be identified."""
        from . import __version__

        ctx = state.SaveContext(self.clock)
        devices = {}
        for key, obj in self.state_devices():
            devices[key] = obj.STATE.save(obj, ctx)
        live = self.clock.live_timers()
        if len(live) != len(ctx.timers) or set(map(id, live)) != set(map(id, ctx.timers)):
            raise state.StateError("a timer is armed that no device's state description holds "
                                   "(a device is missing a state.Timer field)")
        disks = []
        for disk in self.disk_images:
            ident = self._disk_identity(disk)
            overlay = disk._overlay or {}
            lbas = sorted(overlay)
            ident["overlay_lbas"] = lbas
            ident["overlay"] = ctx.blob(b"".join(overlay[lba] for lba in lbas))
            ident["sectors_read"] = disk.sectors_read
            ident["sectors_written"] = disk.sectors_written
            disks.append(ident)
        header = {
            "pcemu": __version__, "cpu_model": self.cpu_model, "bios_sha256": self._bios_digest(),
            "serial_console": self.serial_console,
            "floppies": [self.disk_images.index(d) for d in self.floppy_drives],
            "hdds": [self.disk_images.index(d) for d in self.hdd_drives],
            "disks": disks, "clock_ns": self.clock.now(), "clock_seq": self.clock._seq,
            "devices": devices,
        }
        state.write_file(path, header, ctx.blobs)

    def load_state(self, path):
        """Replace this machine's state with the one saved in ``path``. The file is read and
        checked whole (format, every field, the same BIOS, CPU model and disks) before
        anything changes: a refusal (StateError, one line) leaves the machine as it was."""
        header, blobs = state.read_file(path)
        self._apply_state(path, header, blobs)

    @classmethod
    def from_state(cls, path, disks=None, **options):
        """A new machine built as the state in ``path`` was saved (same CPU model, the same
        disk images reopened by name, snapshot as they were) and loaded from it.
        ``disks``: DiskImage objects or paths to use instead, in the saved order."""
        header, blobs = state.read_file(path)
        saved = header.get("disks")
        force_snapshot = bool(options.pop("snapshot", False))
        if not isinstance(saved, list) or not all(isinstance(d, dict) for d in saved):
            raise state.StateError("%s: state file is damaged (no disk list)" % path)
        if disks is None:
            from . import freedos

            disks = []
            try:
                for d in saved:
                    if d.get("builtin"):
                        disks.append(freedos.open_disk())
                    else:
                        disks.append(DiskImage.open(d.get("name"), kind=d.get("kind"),
                                                    snapshot=bool(d.get("snapshot")) or force_snapshot))
            except DiskError as e:
                for img in disks:
                    img.close()
                raise state.StateError("%s: the state's disk cannot be opened: %s" % (path, e))
        kinds = [d.get("kind") for d in saved]
        floppies = [img for img, kind in zip(disks, kinds) if kind == "floppy"]
        hdds = [img for img, kind in zip(disks, kinds) if kind != "floppy"]
        if options.get("cpu") is None:
            options["cpu"] = header.get("cpu_model", "80186")
        if options.get("serial_console") is None:
            options["serial_console"] = bool(header.get("serial_console"))
        machine = cls(floppies=floppies, hdds=hdds, **options)
        try:
            machine._apply_state(path, header, blobs)
        except BaseException:
            machine.close()
            raise
        return machine

    def _apply_state(self, path, header, blobs):
        where = os.fspath(path)
        if header.get("cpu_model") != self.cpu_model:
            raise state.StateError("%s: state of an %s machine; this one is an %s"
                                   % (where, header.get("cpu_model"), self.cpu_model))
        if header.get("bios_sha256") != self._bios_digest():
            raise state.StateError("%s: state saved with another BIOS image" % where)
        saved = header.get("disks")
        order = [self.disk_images.index(d) for d in self.floppy_drives + self.hdd_drives]
        if not isinstance(saved, list) or not isinstance(header.get("floppies"), list) \
                or not isinstance(header.get("hdds"), list):
            raise state.StateError("%s: state file is damaged (no disk list)" % where)
        try:
            saved_order = [saved[i] for i in header["floppies"] + header["hdds"]]
        except (IndexError, TypeError):
            raise state.StateError("%s: state file is damaged (disk list)" % where)
        mine = [self.disk_images[i] for i in order]
        if len(saved_order) != len(mine) or len(header["floppies"]) != len(self.floppy_drives):
            raise state.StateError("%s: state saved with other disks (%s); this machine has %s" % (
                where, _disk_list(saved_order), _disk_list([self._disk_identity(d) for d in mine])))
        for want, disk in zip(saved_order, mine):
            have = self._disk_identity(disk)
            for key in ("kind", "sectors", "sha256"):
                if want.get(key) != have[key]:
                    raise state.StateError("%s: state saved with other disks: %s is not the %s it was saved "
                                           "with (%s differs)" % (where, have["name"], want.get("name"), key))
            if want.get("snapshot") and not disk.snapshot:
                raise state.StateError("%s: %s was saved with unwritten changes kept in memory (--snapshot); "
                                       "load it with --snapshot too" % (where, have["name"]))
        ctx = state.LoadContext(self.clock, blobs)
        devices = header.get("devices")
        if not isinstance(devices, dict) or not _is_int(header.get("clock_ns")) \
                or not _is_int(header.get("clock_seq")):
            raise state.StateError("%s: state file is damaged (no devices)" % where)
        overlays = []
        for want, disk in zip(saved_order, mine):
            lbas = want.get("overlay_lbas")
            data = ctx.blob(want.get("overlay"), "disk overlay")
            if not isinstance(lbas, list) or not all(_is_int(x) and 0 <= x < disk.sectors for x in lbas) \
                    or len(data) != 512 * len(lbas):
                raise state.StateError("%s: state file is damaged (disk overlay)" % where)
            overlays.append((disk, want, lbas, data))
        try:
            for key, obj in self.state_devices():
                obj.STATE.check(devices.get(key), ctx, key)
                obj.STATE.check_against(obj, devices[key], key)
        except state.StateError as e:
            raise state.StateError("%s: %s" % (where, e))
        # Everything checked: from here on nothing refuses.
        self.clock.clear_timers()
        for key, obj in self.state_devices():
            obj.STATE.load(obj, devices[key], ctx)
            if key == "cpu":
                self.clock.set_now(header["clock_ns"])
        self.clock._seq = max(self.clock._seq, header["clock_seq"])
        translator = getattr(self.cpu, "translator", None)
        if translator is not None:
            # Code compiled from the old RAM is stale: start the translating tier afresh.
            self.mem.codemap = None
            self.cpu.translator = None
            self.cpu.enable_translation(dump_dir=getattr(translator, "dump_dir", None))
        for disk, want, lbas, data in overlays:
            if disk.snapshot:
                disk._overlay = {lba: bytes(data[512 * i:512 * (i + 1)]) for i, lba in enumerate(lbas)}
            disk.sectors_read = want.get("sectors_read", 0)
            disk.sectors_written = want.get("sectors_written", 0)

    # ------------------------------------------------------------------ debugging
    def _trace_failed(self, out, error, path):
        """A trace write failed: stop tracing into it, drop what is buffered, report it once."""
        self._trace_files.remove(out)
        try:
            out.close()
        except OSError:
            pass
        raise OSError(error.errno, error.strerror, "trace file %s" % path)

    def _open_trace(self, path):
        try:
            out = open(path, "w")
        except OSError as e:
            raise OSError(e.errno, e.strerror, "trace file %s" % path)
        self._trace_files.append(out)
        return out

    def trace_ports(self, path):
        """Log every port access (with the device that owns the port) to ``path``.
        A trace that cannot be written raises OSError naming the file."""
        out = self._open_trace(path)
        io = self.io
        cpu = self.cpu

        def trace(kind, port, value):
            width = 4 if kind.endswith("16") else 2
            try:
                out.write("%10d %04X:%04X %-5s %04X %0*X  %s\n" % (
                    cpu.icount, cpu.sregs[1], cpu.ip, kind, port, width, value, io.name_of(port) or "unclaimed"))
            except OSError as e:
                io.trace = None
                self._trace_failed(out, e, path)

        io.trace = trace

    def trace_instructions(self, path):
        """Write every executed instruction, disassembled, with registers, to ``path``."""
        from .cpu.disasm import disassemble_at, format_trace_line

        out = self._open_trace(path)
        mem = self.mem
        model = self.cpu_model

        def trace(cpu):
            cs, ip = cpu.sregs[1], cpu.ip
            length, text = disassemble_at(mem.read8, cs, ip, model)
            code = bytes(mem.read8((cs << 4) + ((ip + i) & 0xFFFF)) for i in range(length))
            r = cpu.regs
            try:
                write("%s  AX=%04X BX=%04X CX=%04X DX=%04X SP=%04X BP=%04X SI=%04X DI=%04X "
                      "DS=%04X ES=%04X SS=%04X F=%04X\n" % (
                          format_trace_line(cs, ip, code, text), r[0], r[3], r[1], r[2], r[4], r[5], r[6],
                          r[7], cpu.sregs[3], cpu.sregs[0], cpu.sregs[2], cpu.get_flags()))
            except OSError as e:
                self._insn_trace = None
                self._trace_failed(out, e, path)

        write = out.write
        self._insn_trace = trace

    def debug_pause(self, around=None):
        """Stop the guest at the next instruction and open the debugger's monitor: the one
        configured (--monitor, --gdb), else one on this process's terminal (pcemu.debug).
        ``around``: (before, after) callables for a front end that shares the terminal."""
        from .debug.session import pause_into_monitor

        pause_into_monitor(self, around=around)

    # ------------------------------------------------------------------ stats
    def stats(self):
        host = time.monotonic() - self._host_start
        icount = self.cpu.icount
        drives = []
        for letter, img in zip("AB", self.floppy_drives):
            drives.append((letter + ":", img))
        for letter, img in zip("CD", self.hdd_drives):
            drives.append((letter + ":", img))
        return {
            "instructions": icount,
            "host_seconds": host,
            "host_cpu_seconds": time.process_time() - self._host_cpu_start,
            "mips": icount / host / 1e6 if host > 0 else 0.0,
            "irqs": list(getattr(self.pic, "irq_counts", [])),
            "disks": [(name, os.path.basename(str(img.path)), img.sectors_read, img.sectors_written)
                      for name, img in drives],
            "serial_in": getattr(self.uart, "bytes_in", 0),
            "serial_out": getattr(self.uart, "bytes_out", 0),
            "cpu_tier": self.cpu_tier,
            "translator": self.cpu.translator.stats() if self.cpu.translator is not None else None,
        }

    def format_stats(self):
        s = self.stats()
        lines = [
            "instructions  %d" % s["instructions"],
            "host time     %.2f s (CPU %.2f s)" % (s["host_seconds"], s["host_cpu_seconds"]),
            "speed         %.2f MIPS" % s["mips"],
            "interrupts    " + (" ".join("IRQ%d=%d" % (n, c) for n, c in enumerate(s["irqs"]) if c) or "none"),
        ]
        for name, fname, rd, wr in s["disks"]:
            lines.append("disk %s        %s: %d sectors read, %d written" % (name, fname, rd, wr))
        lines.append("serial COM1   %d bytes in, %d bytes out" % (s["serial_in"], s["serial_out"]))
        t = s["translator"]
        if t is None:
            lines.append("cpu tier      interp")
        else:
            share = 100.0 * t["translated_insns"] / s["instructions"] if s["instructions"] else 0.0
            lines.append("cpu tier      auto: %d blocks translated, compile %.3f s, %.1f%% of instructions "
                         "translated, %d invalidations, %d dropped (short runs)"
                         % (t["regions"], t["compile_seconds"], share, t["invalidations"], t["dropped"]))
        return "\n".join(lines)

    # ------------------------------------------------------------------ shutdown
    def flush(self):
        """Disk writes onto the image files (errors ignored: see DiskImage), then the
        trace files; OSError naming the trace file if one cannot be written."""
        for img in self.disk_images:
            try:
                img.flush()
            except OSError:
                pass
        for out in self._trace_files:
            if not out.closed:
                try:
                    out.flush()
                except OSError as e:
                    raise OSError(e.errno, e.strerror, "trace file %s" % out.name)

    def close(self):
        self._release_jit()
        for out in self._trace_files:
            try:
                out.close()
            except OSError:
                pass  # already reported by flush(), or the run is ending on another error
        self._trace_files = []
        for img in self.disk_images:
            try:
                img.close()
            except OSError:
                pass
        self.disk_images = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_bios_image(path):
    """The 64 KiB ROM image at ``path``; DiskError unless it is a regular file of that size
    (so a device or FIFO given by mistake is never read until memory runs out, or for ever)."""
    try:
        st = os.stat(str(path))
    except OSError as e:
        raise DiskError("cannot read BIOS image %s: %s" % (path, e.strerror))
    if not stat.S_ISREG(st.st_mode):
        raise DiskError("BIOS image %s is not a regular file" % (path,))
    if st.st_size != BIOS_SIZE:
        raise DiskError("BIOS image %s is %d bytes, expected %d" % (path, st.st_size, BIOS_SIZE))
    try:
        with open(str(path), "rb") as f:
            rom = f.read(BIOS_SIZE + 1)
    except OSError as e:
        raise DiskError("cannot read BIOS image %s: %s" % (path, e.strerror))
    if len(rom) != BIOS_SIZE:
        raise DiskError("BIOS image %s changed size while being read" % (path,))
    return rom
