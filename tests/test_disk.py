"""Host disk images: classification, geometry, sector I/O, locking, snapshots.

Referees: the FreeDOS images (geometry documented in their README and BPB),
images made by mtools' mformat and qemu-img, and the raw file bytes.
"""
import hashlib
import os
import shutil
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from pcemu.disk import DiskError, DiskImage
from conftest import image_path, require_tool


def make_file(path, size, fill=b"\0"):
    with open(path, "wb") as f:
        if size:
            f.truncate(size)
    return path


@pytest.mark.parametrize("name,geometry", [
    ("freedos-minimal-360k.img", (40, 2, 9)),
    ("freedos-minimal-720k.img", (80, 2, 9)),
    ("freedos-minimal-1440k.img", (80, 2, 18)),
])
def test_freedos_images_are_floppies_with_documented_geometry(name, geometry):
    path = image_path(name)
    with DiskImage.open(path, snapshot=True) as disk:
        assert disk.kind == "floppy"
        assert disk.geometry == geometry
        assert disk.sectors == os.path.getsize(path) // 512
        with open(path, "rb") as f:
            raw = f.read()
        assert disk.read(0, 1) == raw[:512]
        assert disk.read(disk.sectors - 3, 3) == raw[-1536:]


def test_shared_image_without_write_bits_opens_read_only_even_as_root():
    path = image_path("freedos-minimal-360k.img")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with DiskImage.open(path) as disk:
        assert disk.read_only
        with pytest.raises(DiskError, match="read-only"):
            disk.write(0, bytes(512))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("fmt,geometry", [
    ("160", (40, 1, 8)), ("180", (40, 1, 9)), ("320", (40, 2, 8)), ("360", (40, 2, 9)),
    ("720", (80, 2, 9)), ("1200", (80, 2, 15)), ("1440", (80, 2, 18)), ("2880", (80, 2, 36)),
])
def test_mformat_floppies_classify_with_table_and_bpb(tmp_path, fmt, geometry):
    require_tool("mformat")
    img = tmp_path / "f.img"
    subprocess.run(["mformat", "-C", "-i", str(img), "-f", fmt, "::"], check=True,
                   env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    with DiskImage.open(img) as disk:
        assert disk.kind == "floppy"
        assert disk.geometry == geometry
        assert not disk.read_only


def test_bpb_wins_over_table_when_it_matches_the_size(tmp_path):
    require_tool("mformat")
    # 80 cylinders x 1 head x 9 sectors is 360K, the same size as 40x2x9.
    img = tmp_path / "ss.img"
    subprocess.run(["mformat", "-C", "-i", str(img), "-t", "80", "-h", "1", "-s", "9", "::"], check=True,
                   env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    assert os.path.getsize(img) == 368640
    with DiskImage.open(img) as disk:
        assert disk.geometry == (80, 1, 9)


def test_qemu_img_hard_disk_gets_ata_default_geometry(tmp_path):
    require_tool("qemu-img")
    img = tmp_path / "hd.img"
    subprocess.run(["qemu-img", "create", "-q", "-f", "raw", str(img), "20M"], check=True)
    with DiskImage.open(img) as disk:
        assert disk.kind == "hdd"
        assert disk.sectors == 40960
        assert disk.geometry == (40960 // (16 * 63), 16, 63)


def test_huge_disk_caps_cylinders_at_16383(tmp_path):
    img = make_file(tmp_path / "big.img", 16 * 1024 * 1024 * 1024)
    with DiskImage.open(img) as disk:
        assert disk.geometry == (16383, 16, 63)


def test_small_image_with_partition_table_is_a_hard_disk(tmp_path):
    img = tmp_path / "mbr.img"
    mbr = bytearray(368640)  # a floppy-table size, but sector 0 is an MBR
    mbr[446] = 0x80
    mbr[446 + 4] = 0x01  # FAT12 partition
    mbr[510:512] = b"\x55\xAA"
    img.write_bytes(bytes(mbr))
    with DiskImage.open(img) as disk:
        assert disk.kind == "hdd"


def test_forced_kind(tmp_path):
    img = make_file(tmp_path / "x.img", 4 * 1024 * 1024)
    with DiskImage.open(img, kind="hdd") as disk:
        assert disk.kind == "hdd"
    with pytest.raises(DiskError, match="fits no floppy geometry"):
        DiskImage.open(img, kind="floppy")
    img2 = make_file(tmp_path / "y.img", 1474560)
    with DiskImage.open(img2, kind="hdd") as disk:
        assert disk.kind == "hdd" and disk.geometry[1:] == (16, 63)


@pytest.mark.parametrize("size,message", [
    (0, "empty"),
    (1474559, "truncated"),
    (368640 - 512, "truncated"),
    (1474560 - 1024, "truncated"),
    (1000, "not a disk image"),  # not whole sectors, no boot sector: a text file, say
    (512 * 100, "too small for a hard disk"),
])
def test_bad_sizes_give_one_line_errors(tmp_path, size, message):
    img = make_file(tmp_path / "bad.img", size)
    with pytest.raises(DiskError, match=message) as info:
        DiskImage.open(img)
    assert "\n" not in str(info.value)
    assert str(img) in str(info.value)


def test_directory_is_refused(tmp_path):
    with pytest.raises(DiskError, match="not a regular file"):
        DiskImage.open(tmp_path)


def test_missing_file(tmp_path):
    with pytest.raises(DiskError, match="no such disk image"):
        DiskImage.open(tmp_path / "nope.img")


def test_write_reaches_file_and_counters(tmp_path):
    img = make_file(tmp_path / "w.img", 737280)
    payload = bytes(range(256)) * 4  # two sectors
    with DiskImage.open(img) as disk:
        disk.write(10, payload)
        assert disk.read(10, 2) == payload
        disk.flush()
        assert disk.sectors_written == 2 and disk.sectors_read == 2
    raw = img.read_bytes()
    assert raw[10 * 512:12 * 512] == payload
    assert len(raw) == 737280


def test_out_of_range_access(tmp_path):
    img = make_file(tmp_path / "r.img", 368640)
    with DiskImage.open(img) as disk:
        with pytest.raises(DiskError, match="outside"):
            disk.read(720, 1)
        with pytest.raises(DiskError, match="outside"):
            disk.write(719, bytes(1024))
        with pytest.raises(DiskError, match="whole sectors"):
            disk.write(0, bytes(100))


def test_snapshot_leaves_file_byte_for_byte_untouched(writable_image):
    img = writable_image("freedos-minimal-720k.img")
    before = img.read_bytes()
    with DiskImage.open(img, snapshot=True) as disk:
        assert not disk.read_only
        disk.write(0, b"\xAA" * 512)
        disk.write(5, b"\xBB" * 1024)
        assert disk.read(0, 1) == b"\xAA" * 512
        assert disk.read(4, 3) == before[4 * 512:5 * 512] + b"\xBB" * 1024
        disk.flush()
    assert img.read_bytes() == before
    # fsck.fat as referee that nothing was written behind our back
    if shutil.which("fsck.fat"):
        assert subprocess.run(["fsck.fat", "-n", str(img)], capture_output=True).returncode == 0


def test_exclusive_lock_between_two_writers(tmp_path):
    img = make_file(tmp_path / "l.img", 1474560)
    first = DiskImage.open(img)
    try:
        with pytest.raises(DiskError, match="in use") as info:
            DiskImage.open(img)
        assert str(img) in str(info.value)
        with pytest.raises(DiskError, match="in use"):
            DiskImage.open(img, snapshot=True)
    finally:
        first.close()
    DiskImage.open(img).close()  # lock released at close


def test_lock_seen_by_another_process(tmp_path):
    img = make_file(tmp_path / "p.img", 1474560)
    with DiskImage.open(img):
        code = ("import sys\nfrom pcemu.disk import DiskImage, DiskError\n"
                "try:\n DiskImage.open(sys.argv[1])\nexcept DiskError as e:\n print(e); sys.exit(3)\n")
        proc = subprocess.run([sys.executable, "-c", code, str(img)], capture_output=True, text=True,
                              cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        assert proc.returncode == 3, proc.stderr
        assert "in use" in proc.stdout


def test_two_snapshots_may_share_an_image(tmp_path):
    img = make_file(tmp_path / "s.img", 1474560)
    a = DiskImage.open(img, snapshot=True)
    b = DiskImage.open(img, snapshot=True)
    a.close()
    b.close()


def test_writes_do_not_fill_sparse_holes(tmp_path):
    img = make_file(tmp_path / "sparse.img", 64 * 1024 * 1024)
    with DiskImage.open(img) as disk:
        disk.write(1000, b"\x11" * 512)
    assert os.stat(img).st_blocks * 512 < 1024 * 1024


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 719), st.integers(1, 8), st.integers(0, 255)), max_size=12))
def test_snapshot_reads_equal_a_plain_file_model(tmp_path_factory, writes):
    img = make_file(tmp_path_factory.mktemp("h") / "m.img", 368640)
    model = bytearray(368640)
    with DiskImage.open(img, snapshot=True) as snap:
        for lba, count, byte in writes:
            count = min(count, 720 - lba)
            snap.write(lba, bytes([byte]) * 512 * count)
            model[lba * 512:(lba + count) * 512] = bytes([byte]) * 512 * count
        assert snap.read(0, 720) == bytes(model)
    assert img.read_bytes() == bytes(368640)
