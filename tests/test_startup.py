"""Start-up cost: a headless run imports only what it uses.

Every module imported costs a fresh process time (under PyPy 5-70 ms each for
the ones below, more when no bytecode cache can be written). The modules
listed here are only needed by features a plain headless boot does not use:
saved states (hashlib, json), the debugger and disassembler, graphics
scan-out and screenshots, the window, calendar arithmetic from the stdlib,
importlib.resources (zipfile, tempfile) and shutil (bz2, lzma, threading), and
the modules an editable install's import hook would load (see tools/setup.sh).
pathlib (with urllib.parse, ipaddress, fnmatch) served two file names and cost
9 ms of each start (pcemu.resources).
"""

import json
import os
import subprocess
import sys

from conftest import ROOT
from test_package import boot_floppy

NOT_FOR_A_HEADLESS_BOOT = [
    "hashlib", "json", "calendar", "datetime", "shutil", "zipfile", "tempfile", "importlib.resources",
    "socket", "pygame", "pcemu.debug.debugger", "pcemu.debug.monitor", "pcemu.debug.gdbstub",
    "pcemu.cpu.disasm", "pcemu.devices.vga_scanout", "pcemu.screenshot", "pcemu.frontends.window",
    "pcemu.frontends.terminal", "pcemu.hostfolder", "pcemu.fat",
    "pathlib", "urllib.parse", "ipaddress",
    # loaded into every start by the import hook of setuptools' default editable install
    # (tools/setup.sh installs pcemu as a plain path entry instead)
    "typing",
]

PROBE = """
import sys
from pcemu import cli
status = cli.main(sys.argv[1:])
modules = sorted(sys.modules)
import json
print(json.dumps([status, modules]))
"""


def run_cli(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", PROBE] + list(args), capture_output=True, timeout=300,
                       env=env, cwd=str(ROOT))
    status, modules = json.loads(r.stdout.decode().splitlines()[-1])
    return status, set(modules), r.stderr.decode()


def test_headless_boot_loads_only_what_it_uses(tmp_path):
    img = boot_floppy(tmp_path / "hello.img")
    status, modules, err = run_cli("--disk=%s" % img, "--display=none", "--serial=none", "--snapshot",
                                   "--clock=virtual", "--timeout=1")
    assert status == 124, err              # the guest waits for ever; the timeout ends it
    assert "pcemu.machine" in modules and "pcemu.cpu.core" in modules   # the probe saw a real run
    loaded = [m for m in NOT_FOR_A_HEADLESS_BOOT if m in modules]
    assert loaded == []


def test_debugger_modules_load_when_asked(tmp_path):
    # the other side: the lazy imports still happen where a feature needs them
    img = boot_floppy(tmp_path / "hello.img")
    status, modules, err = run_cli("--disk=%s" % img, "--display=none", "--serial=none", "--snapshot",
                                   "--clock=virtual", "--timeout=1", "--history=10")
    assert status == 124, err
    assert "pcemu.debug.debugger" in modules and "pcemu.cpu.disasm" in modules


def test_guest_fault_report_loads_the_disassembler_not_the_debugger(tmp_path):
    img = tmp_path / "halt.img"
    img.write_bytes(b"\xfa\xf4" + bytes(508) + b"\x55\xaa" + bytes(1474560 - 512))   # cli; hlt
    status, modules, err = run_cli("--disk=%s" % img, "--display=none", "--serial=none", "--snapshot",
                                   "--clock=virtual", "--timeout=60")
    assert status == 3, err
    assert "at CS:IP:\n  0000:7C02  0000" in err   # the dump, with the disassembly at CS:IP
    assert "pcemu.cpu.disasm" in modules and "pcemu.debug.debugger" not in modules


BENCH_PROBE = """
import sys
import pcemu.bench
modules = sorted(sys.modules)
import json
print(json.dumps(modules))
"""


def test_the_benchmark_children_import_what_a_headless_boot_does():
    """``pcemu.bench`` times boots in children that run ``python -m pcemu.bench --boot-child``:
    the module imports nothing a headless ``python -m pcemu`` boot would not (the parent's
    subprocess, statistics, json... cost the measured boot 75 ms)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", BENCH_PROBE], capture_output=True, timeout=300, env=env,
                       cwd=str(ROOT))
    modules = set(json.loads(r.stdout.decode().splitlines()[-1]))
    assert "pcemu.bench" in modules and "pcemu.cpu.core" in modules
    extra = ["subprocess", "statistics", "decimal", "select", "resource"]
    assert [m for m in NOT_FOR_A_HEADLESS_BOOT + extra if m in modules] == []
