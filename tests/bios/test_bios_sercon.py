"""The BIOS's serial console turns an ESC with nothing after it for two timer ticks into the Esc
key (scan code 01h, ASCII 1Bh, as INT 16h gives it on a PC keyboard); an ESC followed by the rest
of a terminal's sequence at once is that sequence's key instead."""
from pcemu.machine import Machine

# boot sector: sti / mov ah,00h / int 16h / mov [0500h],ax / hlt / jmp $-1
READ_ONE_KEY = bytes.fromhex("fbb400cd16a30005f4ebfd")


def key_read_after(tmp_path, data):
    sector = bytearray(512)
    sector[:len(READ_ONE_KEY)] = READ_ONE_KEY
    sector[510:] = b"\x55\xaa"
    floppy = tmp_path / "key.img"
    floppy.write_bytes(bytes(sector) + bytes(360 * 1024 - 512))
    with Machine(floppies=[str(floppy)], clock="virtual", serial_console=True) as m:
        m.run(seconds=0.5)
        m.send_serial(data)
        m.run(seconds=0.5)
        return m.mem.data[0x500] | (m.mem.data[0x501] << 8)


def test_a_lone_esc_is_the_esc_key(tmp_path):
    assert key_read_after(tmp_path, b"\x1b") == 0x011B


def test_esc_with_its_sequence_is_that_key(tmp_path):
    assert key_read_after(tmp_path, b"\x1b[A") == 0x4800  # cursor up
