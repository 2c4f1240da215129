"""The pcemu-img command line, run as a subprocess, against mtools and
dosfstools; BIOS geometry against worked examples of LBA-assisted translation."""
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import time

import pytest

from conftest import FREEDOS_IMAGES, ROOT, image_path, require_tool
from pcemu import mbr

MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1", MTOOLSRC="/dev/null")


def need(*commands):
    require_tool(*commands)


def img_tool(*args, **kwargs):
    """Run python -m pcemu.img; returns (exit status, stdout bytes, stderr text)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "pcemu.img"] + [str(a) for a in args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, **kwargs)
    return result.returncode, result.stdout, result.stderr.decode()


def referee(*args):
    need(args[0])
    result = subprocess.run(list(map(str, args)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=MTOOLS_ENV)
    return result


def assert_refused(result, pattern, status=1):
    code, out, err = result
    assert code == status, (code, err)
    assert err.count("\n") == 1 and err.startswith("pcemu-img: "), err
    assert "Traceback" not in err
    assert re.search(pattern, err), err


_LINE = re.compile(r"^(.{8}) (.{3}) *(<DIR>|\d+) +\d{4}-\d\d-\d\d +\d+:\d\d")


def parse_listing(text):
    """{name: size or 'DIR'} from mdir's or our ls's directory lines."""
    listing = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if match:
            base, ext = match.group(1).strip(), match.group(2).strip()
            listing[base + "." + ext if ext else base] = \
                "DIR" if match.group(3) == "<DIR>" else int(match.group(3))
    return listing


def mdir(image, path="/"):
    result = referee("mdir", "-a", "-i", image, "::" + path)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("latin-1")


def mdir_free(image):
    text = referee("mdir", "-i", image, "::/").stdout.decode()
    return int(re.search(r"([\d ]+) bytes free", text).group(1).replace(" ", ""))


def fsck_errors(path):
    """fsck.fat -n's exit status and output."""
    result = referee("fsck.fat", "-n", path)
    return result.returncode, result.stdout.decode() + result.stderr.decode()


def sha(path):
    with open(str(path), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def copy_image(tmp_path, name):
    dst = tmp_path / name
    shutil.copyfile(str(image_path(name)), str(dst))
    os.chmod(str(dst), 0o644)
    return dst


# --- create ------------------------------------------------------------------

def test_create_makes_a_sparse_file_of_the_right_size(tmp_path):
    img = tmp_path / "disk.img"
    code, out, err = img_tool("create", img, "32M")
    assert code == 0, err
    st = os.stat(str(img))
    assert st.st_size == 32 * 1024 * 1024
    assert st.st_blocks * 512 < 1024 * 1024, "not sparse"
    floppy = tmp_path / "floppy.img"
    assert img_tool("create", floppy, "1440K")[0] == 0
    assert os.path.getsize(str(floppy)) == 1474560
    plain = tmp_path / "plain.img"
    assert img_tool("create", plain, "1024000")[0] == 0
    assert os.path.getsize(str(plain)) == 1024000


def test_create_refusals(tmp_path):
    img = tmp_path / "disk.img"
    assert img_tool("create", img, "1M")[0] == 0
    assert_refused(img_tool("create", img, "2M"), "already exists")
    assert os.path.getsize(str(img)) == 1 << 20
    assert img_tool("create", img, "2M", "--force")[0] == 0
    assert os.path.getsize(str(img)) == 2 << 20
    assert_refused(img_tool("create", tmp_path / "odd.img", "1000"), "multiple of 512")
    assert_refused(img_tool("create", tmp_path / "huge.img", "129G"), "LBA28")
    assert_refused(img_tool("create", tmp_path / "bad.img", "12Q"), "invalid size", status=2)
    assert not (tmp_path / "odd.img").exists() and not (tmp_path / "huge.img").exists()
    # Exactly 2^28 sectors (128 GiB) is still addressable.
    assert img_tool("create", tmp_path / "max.img", "128G")[0] == 0


# --- BIOS geometry -------------------------------------------------------------

# LBA-assisted translation (Phoenix EDD / T13): 63 sectors per track; heads
# from the size range -- up to 504 MiB 16, 1008 MiB 32, 2016 MiB 64,
# 4032 MiB 128, beyond 255 -- and cylinders = sectors / (heads * 63), at most 1024.
MIB = 2048  # sectors


@pytest.mark.parametrize("sectors, geometry", [
    (32 * MIB, (65, 16, 63)),            # 65536 / 1008 = 65.0
    (504 * MIB, (1024, 16, 63)),         # 1032192 = 1024 * 16 * 63 exactly
    (504 * MIB + 1, (512, 32, 63)),      # one sector more needs 32 heads
    (600 * MIB, (609, 32, 63)),          # 1228800 / 2016 = 609.5
    (1024 * MIB, (520, 64, 63)),         # 2097152 / 4032 = 520.1
    (2048 * MIB, (520, 128, 63)),        # 4194304 / 8064 = 520.1
    (4096 * MIB, (522, 255, 63)),        # 8388608 / 16065 = 522.2
    (8192 * MIB, (1024, 255, 63)),       # 16777216 / 16065 = 1044.3, capped
])
def test_bios_geometry_worked_examples(sectors, geometry):
    assert mbr.bios_geometry(sectors) == geometry


# --- info ------------------------------------------------------------------------

def test_info_of_a_floppy(tmp_path):
    img = image_path("freedos-minimal-1440k.img")
    code, out, err = img_tool("info", img)
    assert code == 0, err
    text = out.decode()
    assert "kind: floppy 1.44M" in text
    assert "80 cylinders, 2 heads, 18 sectors/track" in text
    assert "filesystem: FAT12" in text and "OEM id: 'FreeDOS '" in text
    assert "free space: %d bytes" % mdir_free(img) in text
    label = re.search(r"Volume in drive : is (\S+)", referee("mdir", "-i", img, "::/").stdout.decode()).group(1)
    assert "label: %s" % label in text
    code, out, err = img_tool("info", image_path("freedos-minimal-360k.img"))
    assert "kind: floppy 360K" in out.decode() and "40 cylinders, 2 heads, 9 sectors/track" in out.decode()


def make_partitioned_disk(tmp_path, start=2048):
    """32 MiB image with our MBR and a FAT16 partition formatted by mkfs.fat."""
    need("mkfs.fat")
    img = tmp_path / "disk.img"
    assert img_tool("create", img, "32M")[0] == 0
    count = 65536 - start
    mbr.write_partition_table(str(img), [(0x06, start, count, True)])
    result = referee("mkfs.fat", "-F", "16", "--offset", start, "-h", start, "-g", "16/63",
                     img, count // 2)
    assert result.returncode == 0, result.stderr
    return img, start * 512


def test_info_of_a_partitioned_disk(tmp_path):
    img, offset = make_partitioned_disk(tmp_path)
    code, out, err = img_tool("info", img)
    assert code == 0, err
    text = out.decode()
    assert "kind: hard disk" in text
    assert "65 cylinders, 16 heads, 63 sectors/track" in text
    assert re.search(r"partition 1: type 0x06 \(FAT16\), active, start LBA 2048, 63488 sectors", text)
    assert "CHS 2/0/33 - 65/0/16" in text    # 2048 = 2*1008 + 32; 65535 = 65*1008 + 15
    assert "filesystem: FAT16" in text
    assert "free space: %d bytes" % mdir_free("%s@@%d" % (img, offset)) in text


def test_info_of_a_blank_disk(tmp_path):
    img = tmp_path / "blank.img"
    img_tool("create", img, "600M")
    code, out, err = img_tool("info", img)
    assert code == 0, err
    assert "609 cylinders, 32 heads, 63 sectors/track" in out.decode()
    assert "no FAT volume" in out.decode()


# --- ls / get ---------------------------------------------------------------------

@pytest.mark.parametrize("name, path", [(name, "/") for name in FREEDOS_IMAGES]
                         + [("freedos-full-1440k.img", "/FREEDOS/BIN"),
                            ("freedos-full-1440k.img", "/FREEDOS")])
def test_ls_lists_what_mdir_lists(name, path):
    img = image_path(name)
    expected = parse_listing(mdir(img, path))
    assert expected
    code, out, err = img_tool("ls", img, path.lower())
    assert code == 0, err
    assert parse_listing(out.decode()) == expected


def test_get_yields_the_bytes_mtype_yields(tmp_path):
    img = image_path("freedos-full-1440k.img")
    for path in ["/KERNEL.SYS", "/FREEDOS/BIN/MEM.EXE", "/AUTOEXEC.BAT"]:
        expected = referee("mtype", "-i", img, "::" + path).stdout
        code, out, err = img_tool("get", img, path, "-")
        assert code == 0, err
        assert out == expected, path
    code, _, err = img_tool("get", img, "freedos\\bin\\find.com", tmp_path)
    assert code == 0, err
    referee("mcopy", "-i", img, "::/FREEDOS/BIN/FIND.COM", tmp_path / "ref.com")
    assert (tmp_path / "FIND.COM").read_bytes() == (tmp_path / "ref.com").read_bytes()


# --- put / mkdir / rm ----------------------------------------------------------------

def test_put_mkdir_rm_on_a_floppy(tmp_path):
    img = copy_image(tmp_path, "freedos-minimal-720k.img")
    host = tmp_path / "notes.txt"
    host.write_bytes(b"first line\r\nsecond line\r\n" * 300)
    when = time.mktime((2001, 2, 3, 4, 5, 6, 0, 0, -1))
    os.utime(str(host), (when, when))
    for args in (["mkdir", img, "/tools"], ["put", img, host], ["put", img, host, "tools"],
                 ["put", img, host, "/TOOLS/COPY.TXT"], ["put", img, host, "tools/gone.txt"],
                 ["rm", img, "tools/gone.txt"]):
        code, _, err = img_tool(*args)
        assert code == 0, (args, err)
    root = parse_listing(mdir(img))
    assert root["NOTES.TXT"] == len(host.read_bytes()) and root["TOOLS"] == "DIR"
    assert parse_listing(mdir(img, "/TOOLS")) == {".": "DIR", "..": "DIR", "NOTES.TXT": 7500,
                                                  "COPY.TXT": 7500}
    assert re.search(r"NOTES    TXT +7500 2001-02-03 +4:05", mdir(img))
    assert referee("mtype", "-i", img, "::/TOOLS/COPY.TXT").stdout == host.read_bytes()
    assert fsck_errors(img)[0] == 0
    assert_refused(img_tool("rm", img, "/tools"), "is a directory")
    assert_refused(img_tool("rmdir", img, "/tools"), "not empty")


def test_put_and_get_on_a_partitioned_disk(tmp_path):
    img, offset = make_partitioned_disk(tmp_path)
    host = tmp_path / "data.bin"
    host.write_bytes(bytes(range(256)) * 100)
    assert img_tool("put", img, host)[0] == 0
    assert img_tool("mkdir", "%s@1" % img, "DIR")[0] == 0
    assert img_tool("put", "--partition", "1", img, host, "/DIR/D2.BIN")[0] == 0
    assert img_tool("put", "%s@@%d" % (img, offset), host, "/DIR/D3.BIN")[0] == 0
    mimg = "%s@@%d" % (img, offset)
    assert parse_listing(mdir(mimg, "/DIR")) == {".": "DIR", "..": "DIR", "D2.BIN": 25600, "D3.BIN": 25600}
    assert referee("mtype", "-i", mimg, "::/DATA.BIN").stdout == host.read_bytes()
    # And the reverse: a file mcopy'd in, read back with get.
    assert referee("mcopy", "-i", mimg, ROOT / "pyproject.toml", "::/DIR/PROJECT.TOM").returncode == 0
    code, out, err = img_tool("get", img, "/dir/project.tom", "-")
    assert code == 0 and out == (ROOT / "pyproject.toml").read_bytes(), err
    part = tmp_path / "part.img"
    with open(str(img), "rb") as f:
        f.seek(offset)
        part.write_bytes(f.read())
    assert fsck_errors(part)[0] == 0
    assert_refused(img_tool("ls", "%s@2" % img), "no partition 2")


# --- refusals ----------------------------------------------------------------

def test_long_and_invalid_names_are_refused(tmp_path):
    img = copy_image(tmp_path, "freedos-minimal-360k.img")
    host = tmp_path / "longfilename.txt"
    host.write_bytes(b"x")
    before = sha(img)
    assert_refused(img_tool("put", img, host), "not a valid 8.3 name")
    assert_refused(img_tool("put", img, host, "/A.B.C"), "not a valid 8.3 name")
    assert_refused(img_tool("mkdir", img, "/bad*name"), "not a valid 8.3 name")
    assert_refused(img_tool("get", img, "/NOSUCH.TXT", "-"), "no such file")
    assert sha(img) == before


def test_usage_errors_exit_2(tmp_path):
    assert_refused(img_tool(), "required", status=2)
    assert_refused(img_tool("frobnicate"), "invalid choice", status=2)
    assert_refused(img_tool("ls", image_path("freedos-minimal-360k.img"), "--bogus"), "unrecognized", status=2)
    assert_refused(img_tool("ls", tmp_path / "missing.img"), "no such image")


def test_full_disk_is_refused_and_unchanged(tmp_path):
    img = copy_image(tmp_path, "freedos-minimal-360k.img")
    free = mdir_free(img)
    big = tmp_path / "big.bin"
    big.write_bytes(b"\xAA" * (free + 1))
    before = sha(img)
    assert_refused(img_tool("put", img, big), "not enough space")
    assert sha(img) == before
    # Exactly the free space fits.
    big.write_bytes(b"\xAA" * free)
    assert img_tool("put", img, big)[0] == 0
    assert mdir_free(img) == 0
    assert fsck_errors(img)[0] == 0


# Crafting damage by hand, independently of pcemu.fat.

def bpb(img):
    with open(str(img), "rb") as f:
        boot = f.read(512)
    bps, spc, reserved, fats, root_entries, _, media, fat_sectors = struct.unpack_from("<HBHBHHBH", boot, 11)
    return dict(bps=bps, reserved=reserved, fats=fats, root_entries=root_entries, media=media,
                fat_sectors=fat_sectors)


def start_cluster(img, name11):
    geo = bpb(img)
    root = (geo["reserved"] + geo["fats"] * geo["fat_sectors"]) * geo["bps"]
    with open(str(img), "rb") as f:
        f.seek(root)
        data = f.read(geo["root_entries"] * 32)
    for slot in range(0, len(data), 32):
        if data[slot:slot + 11] == name11:
            return struct.unpack_from("<H", data, slot + 26)[0]
    raise AssertionError("no %r in root" % name11)


def fat12_poke(img, cluster, value):
    """Set a FAT12 entry in every FAT copy."""
    geo = bpb(img)
    with open(str(img), "r+b") as f:
        for copy in range(geo["fats"]):
            at = (geo["reserved"] + copy * geo["fat_sectors"]) * geo["bps"] + cluster * 3 // 2
            f.seek(at)
            pair = struct.unpack("<H", f.read(2))[0]
            if cluster & 1:
                pair = (pair & 0x000F) | (value << 4)
            else:
                pair = (pair & 0xF000) | value
            f.seek(at)
            f.write(struct.pack("<H", pair))


def fat12_peek(img, cluster):
    geo = bpb(img)
    with open(str(img), "rb") as f:
        f.seek(geo["reserved"] * geo["bps"] + cluster * 3 // 2)
        pair = struct.unpack("<H", f.read(2))[0]
    return pair >> 4 if cluster & 1 else pair & 0xFFF


def test_looping_chain_is_refused(tmp_path):
    img = copy_image(tmp_path, "freedos-minimal-360k.img")
    first = start_cluster(img, b"KERNEL  SYS")
    second = fat12_peek(img, first)
    fat12_poke(img, fat12_peek(img, second), first)   # third cluster points back to the first
    assert fsck_errors(img)[0] != 0, "the referee should see damage"
    before = sha(img)
    assert_refused(img_tool("get", img, "KERNEL.SYS", "-"), "looping cluster chain")
    assert_refused(img_tool("rm", img, "KERNEL.SYS"), "looping cluster chain")
    host = tmp_path / "k.sys"
    host.write_bytes(b"replacement")
    assert_refused(img_tool("put", img, host, "KERNEL.SYS"), "looping cluster chain")
    assert sha(img) == before


def test_cross_linked_chain_is_refused(tmp_path):
    img = copy_image(tmp_path, "freedos-minimal-360k.img")
    readme = start_cluster(img, b"README  TXT")     # one cluster, ends its chain
    command = start_cluster(img, b"COMMAND COM")
    fat12_poke(img, readme, fat12_peek(img, command))  # now runs into COMMAND.COM's tail
    assert fsck_errors(img)[0] != 0, "the referee should see damage"
    before = sha(img)
    assert_refused(img_tool("get", img, "README.TXT", "-"), "cross-linked")
    assert_refused(img_tool("get", img, "COMMAND.COM", "-"), "cross-linked")
    assert_refused(img_tool("rm", img, "COMMAND.COM"), "cross-linked")
    assert sha(img) == before
    # Files whose chains are intact still read.
    code, out, _ = img_tool("get", img, "CONFIG.SYS", "-")
    assert code == 0 and out == referee("mtype", "-i", img, "::/CONFIG.SYS").stdout


def test_bad_media_byte_is_refused(tmp_path):
    img = copy_image(tmp_path, "freedos-minimal-720k.img")
    geo = bpb(img)
    with open(str(img), "r+b") as f:
        f.seek(geo["reserved"] * geo["bps"])
        f.write(bytes([0xF0 if geo["media"] != 0xF0 else 0xF9]))
    before = sha(img)
    assert_refused(img_tool("ls", img), "media byte")
    assert_refused(img_tool("mkdir", img, "X"), "media byte")
    assert sha(img) == before


def test_cluster_outside_the_volume_is_refused(tmp_path):
    img = copy_image(tmp_path, "freedos-minimal-360k.img")
    fat12_poke(img, start_cluster(img, b"README  TXT"), 0xFF0)   # 360K has only 354 clusters
    assert fsck_errors(img)[0] != 0, "the referee should see damage"
    assert_refused(img_tool("get", img, "README.TXT", "-"), "outside the volume")


def test_image_open_in_an_emulator_is_not_written_behind_its_back(tmp_path):
    from pcemu.disk import DiskImage

    img = tmp_path / "fd.img"
    shutil.copyfile(image_path("freedos-minimal-1440k.img"), img)
    before = img.read_bytes()
    host = tmp_path / "NOTE.TXT"
    host.write_bytes(b"hello\r\n")
    held = DiskImage.open(str(img))  # what a running pcemu holds on a writable disk
    try:
        assert_refused(img_tool("put", img, host, "NOTE.TXT"), "another program")
        assert img.read_bytes() == before
    finally:
        held.close()
    snap = DiskImage.open(str(img), snapshot=True)  # an emulator that never writes the file
    try:
        code, out, err = img_tool("ls", img)
        assert code == 0 and b"KERNEL" in out, err
    finally:
        snap.close()
    code, out, err = img_tool("put", img, host, "NOTE.TXT")
    assert code == 0, err
    assert referee("mtype", "-i", img, "::/NOTE.TXT").stdout == b"hello\r\n"
