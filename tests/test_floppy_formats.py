"""The floppy format table (pcemu/floppy.py) as each user of it sees it."""

import pytest

from pcemu import mbr
from pcemu.disk import DiskImage
from pcemu.machine import Machine

# The IBM PC/AT CMOS drive types (register 10h), geometries and names, written out here
# from the PC/AT technical reference rather than read from pcemu.
STANDARD = [
    (160, 1, (40, 1, 8), "160K"), (180, 1, (40, 1, 9), "180K"), (320, 1, (40, 2, 8), "320K"),
    (360, 1, (40, 2, 9), "360K"), (720, 3, (80, 2, 9), "720K"), (1200, 2, (80, 2, 15), "1.2M"),
    (1440, 4, (80, 2, 18), "1.44M"), (2880, 5, (80, 2, 36), "2.88M"),
]


@pytest.mark.parametrize("kib,cmos_type,geometry,name", STANDARD, ids=[s[3] for s in STANDARD])
def test_every_user_agrees_on_the_format(tmp_path, kib, cmos_type, geometry, name):
    image = tmp_path / "f.img"
    image.write_bytes(bytes(kib * 1024))
    with DiskImage.open(image) as disk:
        assert disk.kind == "floppy" and disk.geometry == geometry
    assert mbr.floppy_geometry(kib * 1024) == geometry
    assert mbr.FLOPPY_NAMES[kib * 1024] == name
    with Machine(floppies=[image]) as m:
        assert m.rtc.cmos[0x10] >> 4 == cmos_type
    short = tmp_path / "short.img"
    short.write_bytes(bytes(kib * 1024 - 512))
    with pytest.raises(Exception, match="just short of a %s floppy" % name.replace(".", r"\.")):
        DiskImage.open(short)


def test_cmos_setup_bytes_and_checksum(tmp_path):
    a = tmp_path / "a.img"
    a.write_bytes(bytes(1440 * 1024))
    c = tmp_path / "c.img"
    c.write_bytes(bytes(4 << 20))
    with Machine(floppies=[a], hdds=[c]) as m:
        cmos = m.rtc.cmos
        assert cmos[0x10] == 0x40  # A: 1.44M, no B:
        assert cmos[0x12] >> 4 == 0xF and cmos[0x19] == 47  # C: user-defined type
        assert cmos[0x14] & 0x01 and (cmos[0x14] >> 6) == 0  # one floppy drive
        assert cmos[0x15] | cmos[0x16] << 8 == 640
        # The AT checksum: the sum of 10h-2Dh, high byte first at 2Eh.
        assert cmos[0x2E] << 8 | cmos[0x2F] == sum(cmos[0x10:0x2E]) & 0xFFFF
