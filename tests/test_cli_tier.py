"""--cpu-tier, --dump-blocks and the tier's --stats line, through the CLI in a subprocess."""

import os
import re
import subprocess
import sys

from conftest import ROOT

ENV = dict(os.environ, PYTHONPATH=str(ROOT))

# A boot sector: a hot loop (30000 rounds), then CLI; HLT, which ends the run
# with status 3 and a register dump.
LOOP = bytes([
    0xB9, 0x30, 0x75,        # mov cx, 30000
    0x31, 0xC0,              # xor ax, ax
    0x05, 0x03, 0x00,        # l: add ax, 3
    0xE2, 0xFB,              # loop l
    0xFA, 0xF4,              # cli; hlt
])


def pcemu(*args):
    return subprocess.run([sys.executable, "-m", "pcemu"] + list(args), capture_output=True, timeout=300,
                          env=ENV, cwd=str(ROOT))


def floppy(tmp_path):
    sector = bytearray(512)
    sector[:len(LOOP)] = LOOP
    sector[510:512] = b"\x55\xaa"
    p = tmp_path / "loop.img"
    p.write_bytes(bytes(sector) + bytes(368640 - 512))
    return p


def test_tiers_agree_and_report(tmp_path):
    img = floppy(tmp_path)
    blocks = tmp_path / "blocks"
    common = ["--disk=%s" % img, "--display=none", "--clock=virtual", "--timeout=120", "--stats"]
    interp = pcemu(*common, "--cpu-tier=interp")
    auto = pcemu(*common, "--cpu-tier=auto", "--dump-blocks=%s" % blocks)
    for r in (interp, auto):
        assert r.returncode == 3, r.stderr.decode()
        assert "Traceback" not in r.stderr.decode()
    ierr, aerr = interp.stderr.decode(), auto.stderr.decode()
    assert "cpu tier      interp" in ierr
    m = re.search(r"cpu tier      auto: (\d+) blocks translated, compile [\d.]+ s, ([\d.]+)% of instructions "
                  r"translated, (\d+) invalidations, (\d+) dropped \(short runs\)", aerr)
    assert m, aerr
    assert int(m.group(1)) >= 1 and float(m.group(2)) > 10 and m.group(4) == "0"
    # same final registers (30000 * 3 = 0x5F90 in AX) and the same instruction count
    assert "AX=5F90" in aerr
    dump = lambda err: [l for l in err.splitlines() if "=" in l and "host" not in l and "MIPS" not in l
                        and "tier" not in l]
    assert dump(aerr) == dump(ierr)
    sources = sorted(blocks.iterdir())
    assert sources and all(p.name.startswith("block_") for p in sources)
    assert "def block_" in sources[0].read_text()


def test_unknown_tier_is_one_line():
    r = pcemu("--disk=x.img", "--cpu-tier=fast")
    err = r.stderr.decode()
    assert r.returncode == 2 and len(err.strip().splitlines()) == 1 and "cpu-tier" in err, err
