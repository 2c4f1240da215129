"""Shared test configuration: where the referee data lives.

The FreeDOS images and the real-chip CPU tests live beside the project in
``../shared``; ``PCEMU_IMAGES`` and ``PCEMU_CPU_TESTS`` point elsewhere.

Test modules import these names with ``from conftest import ...``, so this
must stay the only conftest.py in the tree: a second one would shadow it.
"""
import os
import pathlib
import shutil

import pytest

# Front-end tests run headless: SDL draws into memory, no window or audio device opens.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
IMAGES_DIR = pathlib.Path(os.environ.get("PCEMU_IMAGES", SHARED / "images"))
CPU_TESTS_DIR = pathlib.Path(os.environ.get("PCEMU_CPU_TESTS", SHARED / "cpu-tests"))

# pcemu's own FreeDOS floppy (pcemu/data/freedos.img.gz), always present: the FreeDOS
# tests run on it from a fresh clone; ../shared/images adds the others.
BUILTIN_IMAGE = "freedos-builtin-1440k.img"

FREEDOS_IMAGES = [
    BUILTIN_IMAGE,
    "freedos-minimal-360k.img",
    "freedos-minimal-720k.img",
    "freedos-minimal-1440k.img",
    "freedos-full-1440k.img",
]


_builtin_copy = []


def builtin_image_path():
    """The built-in floppy unpacked once per test session into a read-only file (tests copy it
    before writing, as they do the shared images)."""
    if not _builtin_copy:
        import atexit
        import tempfile

        from pcemu import freedos

        folder = pathlib.Path(tempfile.mkdtemp(prefix="pcemu-builtin-"))
        atexit.register(shutil.rmtree, str(folder), True)
        path = folder / BUILTIN_IMAGE
        path.write_bytes(freedos.image_bytes())
        path.chmod(0o444)
        _builtin_copy.append(path)
    return _builtin_copy[0]


def image_path(name):
    if name == BUILTIN_IMAGE:
        return builtin_image_path()
    path = IMAGES_DIR / name
    if not path.exists():
        pytest.skip("FreeDOS image %s not found in %s (set PCEMU_IMAGES)" % (name, IMAGES_DIR))
    return path


@pytest.fixture
def writable_image(tmp_path):
    """Copy a shared image to a temp file the test may write to."""

    def make(name):
        dst = tmp_path / name
        shutil.copyfile(image_path(name), dst)
        return dst

    return make
