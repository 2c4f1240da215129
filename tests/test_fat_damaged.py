"""pcemu-img on a FAT volume that was damaged before it came: a file's cluster
chain runs into a cluster the FAT marks free. The image is made by mkfs.fat and
mcopy, damaged by hand, judged by fsck.fat and mtools."""
import re
import struct

from test_img import fsck_errors, img_tool, need, referee

CLUSTER = 512


def fat12_set(image, boot, cluster, value):
    """Write FAT12 entry ``cluster`` in every FAT copy."""
    reserved, fats, fat_sectors = boot["reserved"], boot["fats"], boot["fat_sectors"]
    with open(str(image), "r+b") as f:
        for copy in range(fats):
            base = (reserved + copy * fat_sectors) * 512 + cluster * 3 // 2
            f.seek(base)
            pair = bytearray(f.read(2))
            word = pair[0] | (pair[1] << 8)
            if cluster & 1:
                word = (word & 0x000F) | (value << 4)
            else:
                word = (word & 0xF000) | value
            f.seek(base)
            f.write(bytes([word & 0xFF, word >> 8]))


def layout(image):
    data = open(str(image), "rb").read(512)
    bps, spc, reserved, fats, root_entries, _, _, fat_sectors = struct.unpack_from("<HBHBHHBH", data, 11)
    assert bps == 512 and spc == 1
    root = reserved + fats * fat_sectors
    return {"reserved": reserved, "fats": fats, "fat_sectors": fat_sectors, "root": root,
            "data": root + root_entries * 32 // 512}


def first_cluster(image, boot, raw_name):
    with open(str(image), "rb") as f:
        f.seek(boot["root"] * 512)
        root = f.read((boot["data"] - boot["root"]) * 512)
    for at in range(0, len(root), 32):
        if root[at:at + 11] == raw_name:
            return struct.unpack_from("<H", root, at + 26)[0]
    raise AssertionError("%r not in the root directory" % raw_name)


def test_put_never_takes_a_cluster_a_damaged_chain_still_uses(tmp_path):
    need("mkfs.fat", "mcopy", "mtype", "fsck.fat")
    image = tmp_path / "damaged.img"
    r = referee("mkfs.fat", "-C", "-s", "1", "-n", "DAMAGED", image, "1440")
    assert r.returncode == 0, r.stderr
    old = b"".join(("OLD-CLUSTER-%d " % n).encode().ljust(CLUSTER, b".") for n in range(3))
    (tmp_path / "OLD.TXT").write_bytes(old)
    r = referee("mcopy", "-i", image, tmp_path / "OLD.TXT", "::/OLD.TXT")
    assert r.returncode == 0, r.stderr
    boot = layout(image)
    first = first_cluster(image, boot, b"OLD     TXT")
    # OLD.TXT's chain is first -> first+1 -> first+2; mark its second cluster free.
    fat12_set(image, boot, first + 1, 0)
    status, report = fsck_errors(image)
    assert status != 0, report  # fsck.fat agrees the volume is damaged

    new = bytes(range(256)) * (4 * CLUSTER // 256)
    (tmp_path / "NEW.BIN").write_bytes(new)
    status, _, err = img_tool("put", image, tmp_path / "NEW.BIN", "/NEW.BIN")
    assert "Traceback" not in err
    if status == 0:
        got = referee("mtype", "-i", image, "::/NEW.BIN")
        assert got.returncode == 0 and got.stdout == new
    else:
        assert err.startswith("pcemu-img: ") and "fsck.fat" in err, err
    # Whatever happened, OLD.TXT's second cluster still holds its data.
    with open(str(image), "rb") as f:
        f.seek((boot["data"] + first + 1 - 2) * 512)
        assert f.read(CLUSTER) == old[CLUSTER:2 * CLUSTER]
    # And fsck.fat finds no new damage: only the chain it knew about.
    status, report = fsck_errors(image)
    assert "NEW.BIN" not in report, report
    assert "cross-linked" not in report.lower() and "shares" not in report.lower(), report


def test_put_on_a_damaged_volume_with_no_other_room_is_refused_naming_fsck(tmp_path):
    need("mkfs.fat", "mcopy", "fsck.fat")
    image = tmp_path / "full.img"
    r = referee("mkfs.fat", "-C", "-s", "1", image, "160")
    assert r.returncode == 0, r.stderr
    boot = layout(image)
    # Fill the volume with one file, then free its second cluster in the FAT only.
    text = referee("mdir", "-i", image, "::/").stdout.decode()
    size = int(re.search(r"([\d ]+) bytes free", text).group(1).replace(" ", ""))
    assert size > 3 * CLUSTER, text
    (tmp_path / "BIG.BIN").write_bytes(b"B" * size)
    r = referee("mcopy", "-i", image, tmp_path / "BIG.BIN", "::/BIG.BIN")
    assert r.returncode == 0, r.stderr
    first = first_cluster(image, boot, b"BIG     BIN")
    fat12_set(image, boot, first + 1, 0)
    before = open(str(image), "rb").read()
    (tmp_path / "ONE.TXT").write_bytes(b"x" * 10)
    status, _, err = img_tool("put", image, tmp_path / "ONE.TXT", "/ONE.TXT")
    assert status == 1, err
    assert "Traceback" not in err and err.count("\n") == 1 and "fsck.fat" in err, err
    assert open(str(image), "rb").read() == before
