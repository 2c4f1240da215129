"""pcemu.fat and pcemu.mbr against outside referees: mtools (mdir, mtype,
mcopy, mmd) and dosfstools (mkfs.fat, fsck.fat)."""
import hashlib
import os
import re
import shutil
import struct
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FREEDOS_IMAGES, image_path, require_tool
from pcemu import fat, mbr

MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1", MTOOLSRC="/dev/null")


def need(*commands):
    require_tool(*commands)


def run(args, **kwargs):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=MTOOLS_ENV, **kwargs)


def mtools_image(img, offset=0):
    return "%s@@%d" % (img, offset) if offset else str(img)


_MDIR_LINE = re.compile(r"^(.{8}) (.{3}) +(<DIR>|\d+) +\d{4}-\d\d-\d\d +\d+:\d\d")


def mdir_listing(img, path="/", offset=0):
    """{name: size or 'DIR'} of a directory as mdir -a (hidden files too) shows it."""
    need("mdir")
    result = run(["mdir", "-a", "-i", mtools_image(img, offset), "::" + path])
    assert result.returncode == 0, result.stderr
    listing = {}
    for line in result.stdout.decode("latin-1").splitlines():
        match = _MDIR_LINE.match(line)
        if match:
            base, ext = match.group(1).strip(), match.group(2).strip()
            name = base + "." + ext if ext else base
            listing[name] = "DIR" if match.group(3) == "<DIR>" else int(match.group(3))
    return listing


def our_listing(volume, path="/"):
    return {entry.name: "DIR" if entry.is_dir else entry.size for entry in volume.listdir(path)}


def mtype(img, path, offset=0):
    need("mtype")
    result = run(["mtype", "-i", mtools_image(img, offset), "::" + path])
    assert result.returncode == 0, result.stderr
    return result.stdout


def fsck_clean(img, offset=0, length=None):
    """Assert fsck.fat -n finds nothing wrong (for a partition: on a copy of it)."""
    need("fsck.fat")
    target = str(img)
    if offset:
        target = str(img) + ".part"
        with open(str(img), "rb") as src, open(target, "wb") as dst:
            src.seek(offset)
            dst.write(src.read(length))
    result = run(["fsck.fat", "-n", target])
    output = result.stdout.decode() + result.stderr.decode()
    assert result.returncode == 0, output
    # Only the banner and the summary line: no warnings either.
    assert len([line for line in output.splitlines() if line.strip()]) == 2, output
    return output


def mkfs(path, kib, *options):
    need("mkfs.fat")
    result = run(["mkfs.fat", "-C", "-i", "12345678"] + list(options) + [str(path), str(kib)])
    assert result.returncode == 0, result.stderr
    return path


def walk_referee(img, offset=0, path="/"):
    """Every directory's mdir listing, recursively: {path: listing}."""
    listing = mdir_listing(img, path, offset)
    found = {path: listing}
    for name, size in listing.items():
        if size == "DIR" and name not in (".", ".."):
            found.update(walk_referee(img, offset, path.rstrip("/") + "/" + name))
    return found


def sha(path):
    with open(str(path), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# --- reading real FreeDOS floppies ---------------------------------------

@pytest.mark.parametrize("name", FREEDOS_IMAGES)
def test_every_directory_lists_like_mdir(name):
    img = image_path(name)
    with fat.open_volume(img) as volume:
        assert volume.fat_type == 12
        for path, listing in walk_referee(img).items():
            assert our_listing(volume, path) == listing, path


@pytest.mark.parametrize("name", FREEDOS_IMAGES)
def test_root_files_read_like_mtype(name):
    img = image_path(name)
    with fat.open_volume(img) as volume:
        for entry in volume.listdir("/"):
            if not entry.is_dir:
                assert volume.read_file("/" + entry.name) == mtype(img, "/" + entry.name), entry.name


def test_freedos_bin_files_read_like_mtype():
    img = image_path("freedos-full-1440k.img")
    with fat.open_volume(img) as volume:
        files = [e for e in volume.listdir("FREEDOS/BIN") if not e.is_dir]
        assert len(files) > 50
        for entry in files:
            assert volume.read_file("freedos/bin/" + entry.name.lower()) == \
                mtype(img, "/FREEDOS/BIN/" + entry.name), entry.name


def test_free_space_matches_mdir():
    img = image_path("freedos-full-1440k.img")
    out = run(["mdir", "-i", str(img), "::/"]).stdout.decode()
    free = int(re.search(r"([\d ]+) bytes free", out).group(1).replace(" ", ""))
    with fat.open_volume(img) as volume:
        assert volume.free_bytes == free


# --- writing: what we write, the referees read ---------------------------

def payload(size, seed):
    return bytes((i * 7 + seed * 13 + (i >> 8)) & 0xFF for i in range(size))


def check_against_referees(img, files, offset=0, length=None):
    """files: {path: bytes} that must read back identically through mtype and
    appear in mdir's listing; then fsck.fat must be clean."""
    for path, data in files.items():
        directory, _, name = path.rpartition("/")
        assert mdir_listing(img, directory or "/", offset)[name] == len(data), path
        assert mtype(img, path, offset) == data, path
    fsck_clean(img, offset, length)


def write_sequence(volume, cluster):
    """Files of awkward sizes: empty, tiny, exactly one and two clusters,
    one byte over, many clusters; in the root and in subdirectories."""
    files = {
        "/EMPTY.DAT": b"",
        "/TINY.TXT": b"hello, world\r\n",
        "/ONE.BIN": payload(cluster, 1),
        "/TWO.BIN": payload(2 * cluster, 2),
        "/OVER.BIN": payload(cluster + 1, 3),
        "/MANY.BIN": payload(37 * cluster + 5, 4),
    }
    volume.mkdir("/SUB")
    volume.mkdir("sub/deeper")
    files["/SUB/IN.TXT"] = payload(300, 5)
    files["/SUB/DEEPER/X"] = payload(3 * cluster - 1, 6)
    for path, data in files.items():
        volume.write_file(path, data, timestamp=1000000000)
    # Replacing: larger, then smaller, then empty.
    files["/TINY.TXT"] = payload(5 * cluster, 7)
    volume.write_file("tiny.txt", files["/TINY.TXT"])
    files["/MANY.BIN"] = payload(10, 8)
    volume.write_file("/many.bin", files["/MANY.BIN"])
    files["/SUB/IN.TXT"] = b""
    volume.write_file("/sub/in.txt", b"")
    return files


def test_writes_on_freedos_floppy_read_back_with_mtools(writable_image):
    img = writable_image("freedos-minimal-1440k.img")
    with fat.open_volume(img) as volume:
        before = volume.free_bytes
        files = write_sequence(volume, volume.cluster_bytes)
        for path, data in files.items():
            assert volume.read_file(path) == data
        assert volume.free_bytes < before
    check_against_referees(img, files)
    assert mtype(img, "/AUTOEXEC.BAT") == mtype(image_path("freedos-minimal-1440k.img"), "/AUTOEXEC.BAT")


def test_writes_on_fat16_volume_read_back_with_mtools(tmp_path):
    img = mkfs(tmp_path / "fat16.img", 16 * 1024, "-F", "16", "-s", "4")
    with fat.open_volume(img) as volume:
        assert volume.fat_type == 16
        files = write_sequence(volume, volume.cluster_bytes)
    check_against_referees(img, files)


def test_subdirectory_grows_when_full(tmp_path):
    img = mkfs(tmp_path / "small.img", 360, "-F", "12", "-s", "1")
    with fat.open_volume(img) as volume:
        volume.mkdir("/GROW")
        files = {}
        # 512-byte clusters hold 16 entries: 70 files need 5 clusters.
        for number in range(70):
            path = "/GROW/F%d.TXT" % number
            files[path] = payload(number * 11, number)
            volume.write_file(path, files[path])
        assert len(volume.chain(volume.stat("/GROW").cluster)) == 5
    listing = mdir_listing(img, "/GROW")
    assert len(listing) == 72
    check_against_referees(img, files)


def test_removing_files_and_directories(tmp_path):
    img = mkfs(tmp_path / "rm.img", 720, "-F", "12")
    with fat.open_volume(img) as volume:
        free = volume.free_bytes
        volume.mkdir("/D")
        volume.write_file("/D/A.TXT", payload(5000, 1))
        volume.write_file("/KEEP.TXT", payload(700, 2))
        with pytest.raises(fat.FatError, match="not empty"):
            volume.rmdir("/D")
        with pytest.raises(fat.FatError, match="is a directory"):
            volume.remove("/D")
        volume.remove("/D/A.TXT")
        volume.rmdir("/D")
        with pytest.raises(fat.FatError, match="no such file"):
            volume.remove("/D/A.TXT")
        assert volume.free_bytes == free - volume.cluster_bytes * -(-700 // volume.cluster_bytes)
    assert set(mdir_listing(img)) == {"KEEP.TXT"}
    check_against_referees(img, {"/KEEP.TXT": payload(700, 2)})


def test_files_copied_in_by_mtools_read_back(tmp_path):
    need("mcopy", "mmd")
    img = mkfs(tmp_path / "in.img", 1440, "-F", "12")
    host = tmp_path / "host.bin"
    data = payload(12345, 9)
    host.write_bytes(data)
    assert run(["mmd", "-i", str(img), "::/DIR"]).returncode == 0
    assert run(["mcopy", "-i", str(img), str(host), "::/DIR/HOST.BIN"]).returncode == 0
    assert run(["mcopy", "-i", str(img), str(host), "::/Long file name.data"]).returncode == 0
    with fat.open_volume(img) as volume:
        assert volume.read_file("/dir/host.bin") == data
        names = our_listing(volume)
        assert names == mdir_listing(img)
        short = [name for name in names if name.startswith("LONGFI")][0]
        assert volume.read_file(short) == data
        # Removing a long-named file retires its long-name entries too.
        volume.remove(short)
    fsck_clean(img)
    assert mdir_listing(img) == {"DIR": "DIR"}


def make_partitioned_disk(path, size=32 << 20, start=2048):
    """An MBR disk with one FAT16 partition formatted by mkfs.fat in place."""
    need("mkfs.fat")
    total = size // 512
    with open(str(path), "wb") as f:
        f.truncate(size)
    count = total - start
    mbr.write_partition_table(str(path), [(0x06, start, count, True)])
    # The BPB's heads/sectors must agree with the MBR's CHS fields (the BIOS
    # geometry of a 32 MiB disk is 16 heads x 63 sectors) or mtools rejects the table.
    result = run(["mkfs.fat", "-F", "16", "-i", "12345678", "--offset", str(start), "-h", str(start),
                  "-g", "16/63", str(path), str(count // 2)])
    assert result.returncode == 0, result.stderr
    return start * 512, count * 512


def test_partitioned_disk_is_read_by_mtools_through_our_mbr(tmp_path):
    img = tmp_path / "disk.img"
    offset, length = make_partitioned_disk(img)
    assert mbr.partition_offset(str(img), 1) == offset
    with fat.open_volume(img) as volume:
        assert volume.offset == offset and volume.fat_type == 16
        files = write_sequence(volume, volume.cluster_bytes)
    check_against_referees(img, files, offset, length)
    # mtools finding the partition through the MBR itself (partition=1) sees the same.
    rc = tmp_path / "mtoolsrc"
    rc.write_text('drive x: file="%s" partition=1\n' % img)
    result = subprocess.run(["mtype", "x:/SUB/DEEPER/X"], stdout=subprocess.PIPE,
                            env=dict(MTOOLS_ENV, MTOOLSRC=str(rc)))
    assert result.returncode == 0 and result.stdout == files["/SUB/DEEPER/X"]
    with fat.open_volume(img, partition=1) as volume:
        assert volume.read_file("/ONE.BIN") == files["/ONE.BIN"]


# --- refusals --------------------------------------------------------------

def test_full_volume_refuses_and_is_unchanged(tmp_path):
    img = mkfs(tmp_path / "full.img", 160, "-F", "12")
    with fat.open_volume(img) as volume:
        volume.write_file("/FILL.BIN", payload(volume.free_bytes - 1000, 1))
        before = sha(img)
        with pytest.raises(fat.FatError, match="not enough space"):
            volume.write_file("/MORE.BIN", payload(volume.cluster_bytes * 3, 2))
        with pytest.raises(fat.FatError, match="not enough space"):
            volume.write_file("/FILL.BIN", payload(volume.total_bytes + 1, 3))
    assert sha(img) == before
    fsck_clean(img)


def test_root_directory_full_is_refused(tmp_path):
    img = mkfs(tmp_path / "root.img", 360, "-F", "12", "-r", "16")
    with fat.open_volume(img) as volume:
        for number in range(16):
            volume.write_file("/R%d" % number, b"x")
        before = sha(img)
        with pytest.raises(fat.FatError, match="root directory is full"):
            volume.write_file("/ONEMORE", b"x")
        with pytest.raises(fat.FatError, match="root directory is full"):
            volume.mkdir("/DIR")
    assert sha(img) == before
    fsck_clean(img)


@pytest.mark.parametrize("name", ["LONGFILENAME.TXT", "A.TEXT", "A.B.C", "BAD*.TXT", "SP CE", ".X", ""])
def test_invalid_names_are_refused(name):
    with pytest.raises(fat.FatError, match="not a valid 8.3 name"):
        fat.short_name(name)


def test_short_names_are_upper_cased():
    assert fat.short_name("readme.txt") == b"README  TXT"
    assert fat.short_name("a") == b"A          "


# --- partition tables --------------------------------------------------------

def test_mbr_round_trip_and_chs():
    sector = mbr.build_mbr([(0x06, 63, 1000000, True), (0x83, 1000063, 500000, False)], 2000000)
    parts = mbr.parse_partition_table(sector, 2000000)
    assert [(p.number, p.bootable, p.type, p.start_lba, p.sectors) for p in parts] == \
        [(1, True, 0x06, 63, 1000000), (2, False, 0x83, 1000063, 500000)]
    # 2000000 sectors: 1984 cylinders at 16 heads, too many; 992 at 32 heads.
    assert mbr.bios_geometry(2000000) == (992, 32, 63)
    assert parts[0].chs_start == (0, 1, 1)
    last = 63 + 1000000 - 1
    assert parts[0].chs_end == (last // (32 * 63), last % (32 * 63) // 63, last % 63 + 1)


def test_mbr_refusals():
    with pytest.raises(mbr.MbrError, match="55AA"):
        mbr.parse_partition_table(bytes(512))
    with pytest.raises(mbr.MbrError, match="does not fit"):
        mbr.build_mbr([(0x06, 63, 100, False)], 100)
    with pytest.raises(mbr.MbrError, match="overlaps"):
        mbr.build_mbr([(0x06, 63, 100, False), (0x06, 100, 100, False)], 1000)


def test_floppy_is_not_mistaken_for_a_partition_table():
    assert mbr.read_partition_table(str(image_path("freedos-minimal-720k.img"))) is None


# --- random sequences of operations ---------------------------------------

_TEMPLATE = {}
NAMES = ["A", "B.TXT", "DATA.BIN", "X1"]
DIRS = ["", "/A", "/B.TXT", "/A/X1"]

operations = st.lists(
    st.tuples(st.sampled_from(["put", "put", "put", "rm", "mkdir", "rmdir"]),
              st.sampled_from(DIRS), st.sampled_from(NAMES),
              st.sampled_from([0, 1, 511, 512, 513, 1500, 4096])),
    min_size=1, max_size=14)


def apply_to_model(model, op, directory, name, size, seed):
    """The expected outcome: model maps path -> bytes, or None for a directory.
    Returns False when the operation must be refused."""
    path = directory + "/" + name
    if directory and model.get(directory, b"") is not None:
        return False
    if op == "put":
        if model.get(path, b"") is None:
            return False
        model[path] = payload(size, seed)
    elif op == "rm":
        if path not in model or model[path] is None:
            return False
        del model[path]
    elif op == "mkdir":
        if path in model:
            return False
        model[path] = None
    else:
        if model.get(path, b"") is not None or any(p.startswith(path + "/") for p in model):
            return False
        del model[path]
    return True


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_random_operations_stay_consistent(tmp_path, ops):
    need("mkfs.fat", "fsck.fat", "mdir", "mtype")
    if "img" not in _TEMPLATE:
        template = tmp_path / "template.img"
        mkfs(template, 360, "-F", "12", "-s", "1", "-r", "32")
        _TEMPLATE["img"] = template.read_bytes()
    img = tmp_path / "work.img"
    img.write_bytes(_TEMPLATE["img"])
    model = {}
    with fat.open_volume(img) as volume:
        for seed, (op, directory, name, size) in enumerate(ops):
            expected = dict(model)
            allowed = apply_to_model(expected, op, directory, name, size, seed)
            path = directory + "/" + name
            try:
                if op == "put":
                    volume.write_file(path, payload(size, seed))
                elif op == "rm":
                    volume.remove(path)
                elif op == "mkdir":
                    volume.mkdir(path)
                else:
                    volume.rmdir(path)
            except fat.FatError:
                assert not allowed, (op, path)
            else:
                assert allowed, (op, path)
                model = expected
    referee = walk_referee(img)
    with fat.open_volume(img) as volume:
        for directory, listing in referee.items():
            assert our_listing(volume, directory) == listing
    expected_paths = {path for path in model}
    seen = set()
    for directory, listing in referee.items():
        for name, size in listing.items():
            if name in (".", ".."):
                continue
            path = directory.rstrip("/") + "/" + name
            seen.add(path)
            if size == "DIR":
                assert model[path] is None
            else:
                assert mtype(img, path) == model[path]
    assert seen == expected_paths
    fsck_clean(img)
