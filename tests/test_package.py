"""The package as a user installs it: build the wheel, pip-install it into a fresh
virtual environment, and boot from a directory that has nothing of the source tree.

This is what catches a data file (BIOS image, font) left out of the wheel or
looked up relative to the source checkout. It is not marked slow: the default
run (and CI) builds and installs the wheel every time.
"""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from pcemu import __version__

MESSAGE = b"HELLO FROM A WHEEL"


def boot_floppy(path, message=MESSAGE + b"\r\n", before=b""):
    """A 1.44 MB floppy whose boot sector runs ``before`` (machine code), prints ``message``
    through INT 10h teletype and waits, halted with interrupts on."""
    message = message + b"\0"
    code = bytearray(before) + bytearray([
        0x31, 0xDB,        # xor bx, bx        (page 0)
        0xBE, 0, 0,        # mov si, message   (patched below)
        0xFC,              # cld
        0xAC,              # next: lodsb
        0x08, 0xC0,        # or al, al
        0x74, 0x06,        # jz halt
        0xB4, 0x0E,        # mov ah, 0Eh       (teletype output)
        0xCD, 0x10,        # int 10h
        0xEB, 0xF5,        # jmp next
        0xFB, 0xF4,        # halt: sti; hlt
        0xEB, 0xFC,        # jmp halt
    ])
    address = 0x7C00 + len(code)
    code[len(before) + 3], code[len(before) + 4] = address & 0xFF, address >> 8
    sector = bytes(code) + message
    sector += bytes(510 - len(sector)) + b"\x55\xaa"
    path.write_bytes(sector + bytes(1474560 - 512))
    return path


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with the wheel of this source tree installed; returns its bin directory."""
    work = tmp_path_factory.mktemp("package")
    # Build from a copy with only what the sdist would hold: the wheel must not depend on
    # anything else in the checkout (bios/, tools/, tests/).
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(str(ROOT / name), str(source / name))
    shutil.copytree(str(ROOT / "pcemu"), str(source / "pcemu"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    wheels = work / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                            str(source)], capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr
    wheel = list(wheels.glob("pcemu-*.whl"))
    assert len(wheel) == 1, wheel
    venv = work / "venv"
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    assert made.returncode == 0, made.stdout + made.stderr
    bin_dir = venv / "bin"
    install = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-deps",
                              "--no-index", str(wheel[0])], capture_output=True, text=True)
    assert install.returncode == 0, install.stdout + install.stderr
    return bin_dir


def clean_env():
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def test_installed_pcemu_boots_from_an_unrelated_folder(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    image = boot_floppy(elsewhere / "hello.img")
    run = subprocess.run([str(installed / "pcemu"), "--disk=hello.img", "--display=none", "--serial=stdio",
                          "--clock=virtual", "--timeout=120"],
                         stdin=subprocess.DEVNULL, capture_output=True, cwd=str(elsewhere), env=clean_env(),
                         timeout=180)
    assert run.returncode == 0, run.stderr.decode()
    assert MESSAGE in run.stdout, run.stdout
    assert image.exists()


def test_installed_python_api_finds_its_data(installed, tmp_path):
    image = boot_floppy(tmp_path / "hello.img")
    script = ("import pcemu, sys\n"
              "assert 'site-packages' in pcemu.__file__, pcemu.__file__\n"
              "from pcemu.frontends.font import load_font\n"
              "assert len(load_font()) == 256\n"
              "with pcemu.Machine(floppies=[sys.argv[1]]) as m:\n"
              "    m.run_until_text('HELLO FROM A WHEEL', timeout=60)\n"
              "    print(m.screen_text())\n")
    run = subprocess.run([str(installed / "python"), "-c", script, str(image)], capture_output=True,
                         cwd=str(tmp_path), env=clean_env(), timeout=180)
    assert run.returncode == 0, run.stderr.decode()
    assert MESSAGE in run.stdout


def test_installed_scripts_and_version(installed, tmp_path):
    for script in ("pcemu", "pcemu-img"):
        assert (installed / script).exists(), script
    run = subprocess.run([str(installed / "pcemu"), "--version"], capture_output=True, text=True,
                         cwd=str(tmp_path), env=clean_env())
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "pcemu %s" % __version__
    info = subprocess.run([str(installed / "pcemu-img"), "--help"], capture_output=True, text=True,
                          cwd=str(tmp_path), env=clean_env())
    assert info.returncode == 0, info.stderr
