"""IBM VGA display memory and the graphics controller's data path (the A0000h window).

The VGA's 256 KiB are four 64 KiB bit planes. Here they are one bytearray,
``vram``, with the four planes interleaved: plane ``p`` at offset ``o`` is
``vram[4 * o + p]``. Interleaving makes the latches one 32-bit int (plane
``p`` in bits ``8p .. 8p+7``) and makes a chain-4 (mode 13h) byte address
index ``vram`` directly, so a 256-colour scan line is one slice.

Only A0000h-AFFFFh is memory-mapped (16 pages): plain RAM elsewhere keeps the
CPU's fast path. Colour text and the CGA graphics modes live at B8000h as
plain RAM (see ``vga.py``), so the text screen costs nothing extra.

What a CPU access does, by register (IBM VGA Technical Reference names):

  Sequencer 02h map mask: the planes a write may change.
  Sequencer 04h bit 3 chain-4: byte address bits 0-1 pick the plane
      (the plane offset is the address shifted right by 2, as QEMU models it).
  Graphics 00h set/reset, 01h enable set/reset, 03h data rotate (bits 0-2)
      and logical function (bits 3-4: replace, AND, OR, XOR with the
      latches), 05h write mode (bits 0-1) and read mode (bit 3), 04h read map
      select, 02h colour compare, 07h colour don't care, 08h bit mask.
  Graphics 06h bits 2-3 memory map: A0000h is decoded for maps 0 and 1 only.

Write modes: 0 rotated CPU byte (or set/reset for enabled planes), 1 the
latches, 2 CPU bits 0-3 as a colour, 3 set/reset colour under the rotated
CPU byte ANDed with the bit mask. Modes 0, 2 and 3 go through the logical
function and the bit mask (masked-out bits keep the latch). Every read loads
the latches; read mode 0 returns the selected plane, read mode 1 the colour
compare result.
"""

from .. import state

WINDOW_BASE = 0xA0000
WINDOW_SIZE = 0x10000
PLANE_SIZE = 0x10000
VRAM_SIZE = 4 * PLANE_SIZE

SEQ_MAP_MASK = 0x02
SEQ_MEMORY_MODE = 0x04
SEQ_CHAIN4 = 0x08

GC_SET_RESET = 0x00
GC_ENABLE_SET_RESET = 0x01
GC_COLOUR_COMPARE = 0x02
GC_DATA_ROTATE = 0x03
GC_READ_MAP = 0x04
GC_MODE = 0x05
GC_MISC = 0x06
GC_COLOUR_DONT_CARE = 0x07
GC_BIT_MASK = 0x08
GC_READ_MODE_1 = 0x08

ALL_PLANES = 0xFFFFFFFF

# Bit p of a 4-bit value -> 0xFF in byte p of a 32-bit latch-shaped int.
EXPAND = [sum(0xFF << (8 * p) for p in range(4) if n & (1 << p)) for n in range(16)]


class VgaMemory:
    """The planes, the latches and the graphics controller's read/write logic.

    ``regs`` is the adapter whose ``seq`` and ``gc`` register files steer the
    data path; this object only holds the memory and the latches.
    """

    STATE = state.Description("VGA memory", fields=[
        state.Bytes("vram", VRAM_SIZE), state.Int("latch"), state.Int("writes"),
    ], wiring=["regs"])

    def __init__(self, regs):
        self.regs = regs
        self.vram = bytearray(VRAM_SIZE)
        self.latch = 0
        self.writes = 0  # grows with every CPU write: front ends redraw when it moves

    def reset(self):
        self.vram[:] = bytes(VRAM_SIZE)
        self.latch = 0
        self.writes += 1

    # -- the CPU's side (Memory routes A0000h-AFFFFh here) ----------------------------
    def mem_read8(self, addr):
        regs = self.regs
        gc = regs.gc
        if gc[GC_MISC] & 0x08:  # memory map 2 or 3: A0000h not decoded
            return 0xFF
        off = (addr - WINDOW_BASE) & 0xFFFF
        vram = self.vram
        if regs.seq[SEQ_MEMORY_MODE] & SEQ_CHAIN4:
            return vram[off]
        base = off << 2
        latch = self.latch = vram[base] | (vram[base + 1] << 8) | (vram[base + 2] << 16) | (vram[base + 3] << 24)
        if gc[GC_MODE] & GC_READ_MODE_1:
            x = (latch ^ EXPAND[gc[GC_COLOUR_COMPARE] & 15]) & EXPAND[gc[GC_COLOUR_DONT_CARE] & 15]
            x |= x >> 16
            x |= x >> 8
            return ~x & 0xFF
        return (latch >> ((gc[GC_READ_MAP] & 3) << 3)) & 0xFF

    def mem_write8(self, addr, value):
        regs = self.regs
        gc = regs.gc
        if gc[GC_MISC] & 0x08:
            return
        off = (addr - WINDOW_BASE) & 0xFFFF
        seq = regs.seq
        vram = self.vram
        self.writes += 1
        if seq[SEQ_MEMORY_MODE] & SEQ_CHAIN4:
            if seq[SEQ_MAP_MASK] & (1 << (off & 3)):
                vram[off] = value
            return
        latch = self.latch
        mode = gc[GC_MODE] & 3
        if mode == 1:
            result = latch
        else:
            if mode == 2:
                data = EXPAND[value & 15]
                mask = gc[GC_BIT_MASK]
            else:
                rotate = gc[GC_DATA_ROTATE] & 7
                if rotate:
                    value = ((value >> rotate) | (value << (8 - rotate))) & 0xFF
                if mode == 0:
                    enable = EXPAND[gc[GC_ENABLE_SET_RESET] & 15]
                    data = (value * 0x01010101 & ~enable) | (EXPAND[gc[GC_SET_RESET] & 15] & enable)
                    mask = gc[GC_BIT_MASK]
                else:
                    data = EXPAND[gc[GC_SET_RESET] & 15]
                    mask = gc[GC_BIT_MASK] & value
            function = (gc[GC_DATA_ROTATE] >> 3) & 3
            if function == 1:
                data &= latch
            elif function == 2:
                data |= latch
            elif function == 3:
                data ^= latch
            mask *= 0x01010101
            result = (data & mask) | (latch & ~mask)
        planes = seq[SEQ_MAP_MASK] & 15
        base = off << 2
        if planes == 15:
            vram[base] = result & 0xFF
            vram[base + 1] = (result >> 8) & 0xFF
            vram[base + 2] = (result >> 16) & 0xFF
            vram[base + 3] = result >> 24
        else:
            for p in range(4):
                if planes & (1 << p):
                    vram[base + p] = (result >> (8 * p)) & 0xFF
