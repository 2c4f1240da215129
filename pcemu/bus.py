"""The two address spaces the CPU sees: 1 MiB of physical memory and 64 K ports.

Memory is one ``bytearray`` covering 0x00000-0xFFFFF. Every 4 KiB page has a
kind in ``Memory.kind``:

* ``RAM``  - plain memory; the CPU reads and writes ``Memory.data`` directly.
* ``ROM``  - readable from ``data``; writes are dropped.
* ``MMIO`` - reads and writes go to the device registered for the page.
* ``CODE`` - RAM holding code the CPU's translating tier has translated
  (``pcemu.cpu.translate``). Reads are plain. ``codemap`` counts, per byte,
  the translations holding it: a write to a CODE page stores the byte and,
  only if it changed a byte of translated code, calls ``code_written(addr)``,
  which drops those translations. The tier turns the page back into RAM when its
  last translation goes.

The CPU's fast path is ``if kind[addr >> 12] == RAM: data[addr] = v``, and on a
CODE page a byte whose ``codemap`` count is 0 (data beside translated code) is
stored the same way; only the rest goes through ``write8``/``read8`` here, so
devices cost plain RAM nothing. Reads need a check only for MMIO
(``kind[...] == MMIO``), because ROM contents live in ``data`` too.

Ports: ``IoPorts`` holds two 65,536-entry tables of handlers. A device
registers a range with byte handlers (and optionally word handlers); a word
access to a device without word handlers is split into two byte accesses at
port and port+1, as the ISA bus does. Unclaimed ports read 0xFF and drop
writes, counting both so a debugger can see what the guest probed. A device
with a FIFO-like word port (the ATA data register) may also register block
handlers, which REP INSW / REP OUTSW use to move many words in one call.
"""

from . import state

MEM_SIZE = 1 << 20
ADDR_MASK = MEM_SIZE - 1
PAGE_SHIFT = 12
PAGE_COUNT = MEM_SIZE >> PAGE_SHIFT

RAM = 0
ROM = 1
MMIO = 2
CODE = 3


class Memory:
    """1 MiB physical address space, wrapping at 0xFFFFF like the 8086's A20-less bus."""

    # Page kinds and devices are wiring (fixed when the machine is built); contents are state.
    # codemap/code_written belong to the translating tier (rebuilt on load, see Machine).
    STATE = state.Description("memory", fields=[state.Bytes("data", MEM_SIZE)],
                              wiring=["kind", "devices", "codemap", "code_written"])

    def __init__(self):
        self.data = bytearray(MEM_SIZE)
        self.kind = [RAM] * PAGE_COUNT
        self.devices = [None] * PAGE_COUNT
        self.codemap = None       # set by the translating tier: bytearray(MEM_SIZE)
        self.code_written = None  # set by the translating tier: callable(addr) -> bool

    # -- configuration -------------------------------------------------------
    def load_rom(self, address, image):
        """Copy ``image`` to ``address`` and make the pages it covers read-only."""
        end = address + len(image)
        if address & 0xFFF or end & 0xFFF or end > MEM_SIZE:
            raise ValueError("ROM must cover whole 4 KiB pages inside 1 MiB")
        self.data[address:end] = image
        for page in range(address >> PAGE_SHIFT, end >> PAGE_SHIFT):
            self.kind[page] = ROM
            self.devices[page] = None

    def map_device(self, address, size, device):
        """Route a page-aligned range to ``device.mem_read8(addr)`` / ``device.mem_write8(addr, v)``."""
        if address & 0xFFF or size & 0xFFF:
            raise ValueError("memory-mapped devices must cover whole 4 KiB pages")
        for page in range(address >> PAGE_SHIFT, (address + size) >> PAGE_SHIFT):
            self.kind[page] = MMIO
            self.devices[page] = device

    # -- slow-path accessors (the CPU inlines the RAM case) ---------------------
    def read8(self, addr):
        addr &= ADDR_MASK
        page = addr >> PAGE_SHIFT
        if self.kind[page] == MMIO:
            return self.devices[page].mem_read8(addr)
        return self.data[addr]

    def write8(self, addr, value):
        """Store a byte; True when it overwrote translated code (see CODE)."""
        addr &= ADDR_MASK
        page = addr >> PAGE_SHIFT
        kind = self.kind[page]
        if kind == RAM:
            self.data[addr] = value & 0xFF
        elif kind == MMIO:
            self.devices[page].mem_write8(addr, value & 0xFF)
        elif kind == CODE:
            # data beside translated code is the common case here: one path for it, whatever
            # the value (PyPy compiles every path of this method into each caller's trace)
            value &= 0xFF
            if self.codemap[addr] and self.data[addr] != value:
                self.data[addr] = value
                return self.code_written(addr)
            self.data[addr] = value
        return False

    def read16(self, addr):
        return self.read8(addr) | (self.read8(addr + 1) << 8)

    def write16(self, addr, value):
        self.write8(addr, value)
        self.write8(addr + 1, value >> 8)

    def read_block(self, addr, length):
        """Bytes for debuggers, loaders and front ends (wraps at 1 MiB)."""
        return bytes(self.read8(addr + i) for i in range(length))

    def write_block(self, addr, payload):
        for i, b in enumerate(payload):
            self.write8(addr + i, b)


class IoPorts:
    """64 K port space: per-port handler tables, byte and word width."""

    def __init__(self):
        self.unclaimed_reads = 0
        self.unclaimed_writes = 0
        self._read8 = [None] * 65536
        self._write8 = [None] * 65536
        self._read16 = [None] * 65536
        self._write16 = [None] * 65536
        self._read16_block = [None] * 65536
        self._write16_block = [None] * 65536
        self._names = [None] * 65536
        self.ranges = []  # (base, count, name) for describe()
        self.trace = None  # callable(kind, port, value) while tracing

    def register(self, base, count, read8=None, write8=None, name="", read16=None, write16=None,
                 read16_block=None, write16_block=None):
        """Claim ports ``base .. base+count-1``.

        Handlers receive the offset from ``base``: ``read8(offset) -> int`` and
        ``write8(offset, value)``. A missing read handler reads 0xFF; a missing
        write handler drops the write. Block handlers are optional:
        ``read16_block(offset, words) -> bytes`` returns what that many word
        reads would (little-endian), or fewer bytes - even none - when the
        rest must be read word by word; ``write16_block(offset, payload) ->
        int`` takes as many bytes (an even number, maybe 0) as word writes
        would, and says how many it took.
        """
        for port in range(base, base + count):
            if self._names[port] is not None:
                raise ValueError("port %04Xh claimed by both %s and %s" % (port, self._names[port], name))
            self._names[port] = name or "?"
            off = port - base
            self._read8[port] = _bind_read(read8, off)
            self._write8[port] = _bind_write(write8, off)
            if read16 is not None:
                self._read16[port] = _bind_read(read16, off)
            if write16 is not None:
                self._write16[port] = _bind_write(write16, off)
            if read16_block is not None:
                self._read16_block[port] = _bind_write(read16_block, off)
            if write16_block is not None:
                self._write16_block[port] = _bind_write(write16_block, off)
        self.ranges.append((base, count, name))

    def name_of(self, port):
        return self._names[port & 0xFFFF]

    def describe(self):
        return ["%04X-%04X  %s" % (b, b + c - 1, n) for b, c, n in sorted(self.ranges)]

    def in8(self, port):
        port &= 0xFFFF
        handler = self._read8[port]
        if handler is None:
            self.unclaimed_reads += 1
            value = 0xFF
        else:
            value = handler() & 0xFF
        if self.trace is not None:
            self.trace("in8", port, value)
        return value

    def out8(self, port, value):
        port &= 0xFFFF
        value &= 0xFF
        if self.trace is not None:
            self.trace("out8", port, value)
        handler = self._write8[port]
        if handler is None:
            self.unclaimed_writes += 1
        else:
            handler(value)

    def in16(self, port):
        port &= 0xFFFF
        handler = self._read16[port]
        if handler is None:
            trace, self.trace = self.trace, None
            try:
                value = self.in8(port) | (self.in8(port + 1) << 8)
            finally:
                self.trace = trace
        else:
            value = handler() & 0xFFFF
        if self.trace is not None:
            self.trace("in16", port, value)
        return value

    def out16(self, port, value):
        port &= 0xFFFF
        value &= 0xFFFF
        if self.trace is not None:
            self.trace("out16", port, value)
        handler = self._write16[port]
        if handler is None:
            trace, self.trace = self.trace, None
            try:
                self.out8(port, value)
                self.out8(port + 1, value >> 8)
            finally:
                self.trace = trace
        else:
            handler(value)


    def in16_block(self, port, words):
        """Up to ``words`` word reads from ``port`` as bytes, if its device reads in blocks
        (b"" otherwise: the caller reads word by word). Not for tracing: callers check ``trace``."""
        handler = self._read16_block[port & 0xFFFF]
        if handler is None:
            return b""
        return handler(words)

    def out16_block(self, port, payload):
        """Word writes of ``payload`` to ``port`` in one call if its device takes blocks; returns the
        bytes taken (0: the caller writes word by word)."""
        handler = self._write16_block[port & 0xFFFF]
        if handler is None:
            return 0
        return handler(payload)


def _bind_read(fn, off):
    if fn is None:
        return lambda: 0xFF
    return lambda: fn(off)


def _bind_write(fn, off):
    if fn is None:
        return lambda value: None
    return lambda value: fn(off, value)
