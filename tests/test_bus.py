from pcemu.bus import IoPorts, Memory


def test_memory_wraps_at_1mib():
    mem = Memory()
    mem.write16(0xFFFFF, 0x1234)
    assert mem.data[0xFFFFF] == 0x34
    assert mem.data[0] == 0x12
    assert mem.read16(0xFFFFF) == 0x1234


def test_rom_ignores_writes():
    mem = Memory()
    mem.load_rom(0xF0000, bytes(range(256)) * 256)
    mem.write8(0xF0010, 0xAA)
    assert mem.read8(0xF0010) == 0x10
    mem.write8(0xEFFFF, 0xAA)
    assert mem.read8(0xEFFFF) == 0xAA


def test_mmio_device_sees_accesses():
    class Dev:
        def __init__(self):
            self.writes = []

        def mem_read8(self, addr):
            return addr & 0xFF

        def mem_write8(self, addr, value):
            self.writes.append((addr, value))

    mem = Memory()
    dev = Dev()
    mem.map_device(0xA0000, 0x1000, dev)
    mem.write8(0xA0005, 7)
    assert dev.writes == [(0xA0005, 7)]
    assert mem.read8(0xA0042) == 0x42
    assert mem.data[0xA0005] == 0


def test_unmapped_ports_read_ff_and_drop_writes():
    io = IoPorts()
    assert io.in8(0x1234) == 0xFF
    assert io.in16(0x1234) == 0xFFFF
    io.out8(0x1234, 5)
    assert io.unclaimed_reads == 3 and io.unclaimed_writes == 1


def test_word_access_split_into_bytes_with_offsets():
    io = IoPorts()
    seen = []
    io.register(0x300, 4, read8=lambda off: 0x10 + off, write8=lambda off, v: seen.append((off, v)), name="dev")
    assert io.in16(0x301) == 0x1211
    io.out16(0x302, 0xBEEF)
    assert seen == [(2, 0xEF), (3, 0xBE)]
    assert io.name_of(0x303) == "dev"


def test_overlapping_claims_are_refused():
    io = IoPorts()
    io.register(0x60, 1, name="a")
    try:
        io.register(0x60, 1, name="b")
    except ValueError as e:
        assert "0060" in str(e)
    else:
        raise AssertionError("overlap accepted")
