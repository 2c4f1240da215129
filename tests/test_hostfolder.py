"""--mount's FAT16 disk built from a host folder, checked by fsck.fat and mtools; what FAT
cannot hold is listed or refused; the interactive `pcemu --mount` writes back at exit."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT, require_tool
from pcemu.hostfolder import PARTITION_START, HostFolder, MountError

def fsck(path):
    return require_tool("fsck.fat")


def test_image_passes_fsck_and_mtools_lists_the_folder(tmp_path):
    require_tool("mdir", "mtype", "minfo", "fsck.fat")
    folder = tmp_path / "f"
    (folder / "sub").mkdir(parents=True)
    (folder / "one.txt").write_bytes(b"1" * 5000)
    (folder / "sub" / "two.bin").write_bytes(bytes(range(256)) * 300)
    (folder / "Mixed.Txt").write_bytes(b"m")
    (folder / "this name is long.txt").write_bytes(b"x")
    (folder / "a.b.c").write_bytes(b"x")
    os.symlink("one.txt", str(folder / "link.txt"))
    image = tmp_path / "m.img"
    notes = HostFolder(folder).build(str(image))
    assert sorted(notes) == sorted([
        "not visible in the guest (not an 8.3 name): this name is long.txt",
        "not visible in the guest (not an 8.3 name): a.b.c",
        "not visible in the guest (a symbolic link): link.txt",
    ])
    part = tmp_path / "part.img"
    with open(str(image), "rb") as f:
        f.seek(PARTITION_START * 512)
        part.write_bytes(f.read())
    r = subprocess.run([fsck(part), "-n", str(part)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    spec = "%s@@%d" % (image, PARTITION_START * 512)
    listing = subprocess.run(["mdir", "-b", "-i", spec, "::/"], check=True, capture_output=True,
                             text=True).stdout.split()
    assert sorted(n.lstrip(":/") for n in listing) == ["MIXED.TXT", "ONE.TXT", "SUB/"]
    got = subprocess.run(["mtype", "-i", spec, "::/SUB/TWO.BIN"], check=True, capture_output=True).stdout
    assert got == bytes(range(256)) * 300
    info = subprocess.run(["minfo", "-i", spec], check=True, capture_output=True, text=True).stdout
    assert "FAT16" in info


def test_same_dos_name_twice_is_listed(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"lower")
    (folder / "A.TXT").write_bytes(b"upper")
    notes = HostFolder(folder).build(str(tmp_path / "m.img"))
    assert len(notes) == 1 and "the same DOS name as" in notes[0], notes


def test_too_big_is_refused(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    with open(str(folder / "big.bin"), "wb") as f:
        f.truncate(3 << 30)  # sparse: costs nothing on the host
    with pytest.raises(MountError, match="too much for a FAT16 drive"):
        HostFolder(folder).build(str(tmp_path / "m.img"))
    assert not (tmp_path / "m.img").exists()
    with pytest.raises(MountError, match="no such folder"):
        HostFolder(tmp_path / "nope")


def test_interactive_mount_writes_back_at_exit(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "in.txt").write_bytes(b"from the host\r\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "pcemu", "--mount=%s" % folder, "--display=none", "--serial=stdio",
                        "--clock=virtual"], input=b"COPY C:\\IN.TXT C:\\OUT.TXT\r", capture_output=True, env=env,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    assert (folder / "OUT.TXT").read_bytes() == b"from the host\r\n"
    assert "pcemu: new: OUT.TXT" in r.stderr.decode().splitlines()
