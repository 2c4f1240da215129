"""Shared test configuration: where the referee data lives, and the no-silent-skip policy.

The FreeDOS images and the real-chip CPU tests live beside the project in
``../shared``; ``PCEMU_IMAGES`` and ``PCEMU_CPU_TESTS`` point elsewhere.

No silent skips: a test that cannot run because a referee program (mtools,
fsck.fat, QEMU, NASM, gdb...) or a data set (the FreeDOS images, the CPU
recordings) is missing FAILS in the default run, with the command that fixes
it. Tests say what they need with the helpers here:

    require_tool("mdir")                 # a referee program on PATH
    require_file(path, "how to get it")  # a data file or directory
    require_module("pygame")             # an optional Python package
    image_path(name)                     # a FreeDOS image (a require_file)

or the marker ``@pytest.mark.tools("mdir", "fsck.fat")``. Any other
``pytest.skip`` is turned into a failure as well. To skip instead (a machine
without the referees, on purpose), opt out explicitly:

    PCEMU_ALLOW_SKIP=1 tools/test        or        tools/test --allow-skip

The skip reasons are then listed at the end of the run (``-ra``).

Test modules import these names with ``from conftest import ...``, so this
must stay the only conftest.py in the tree: a second one would shadow it.
"""
import importlib
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

ALLOW_SKIP_ENV = "PCEMU_ALLOW_SKIP"
OPT_OUT = "(or skip such tests on purpose: %s=1 tools/test, or tools/test --allow-skip)" % ALLOW_SKIP_ENV

# Referee program -> the Debian package that provides it.
TOOL_PACKAGES = {
    "mdir": "mtools", "mtype": "mtools", "mcopy": "mtools", "mformat": "mtools", "mlabel": "mtools",
    "mattrib": "mtools", "mmd": "mtools", "minfo": "mtools",
    "fsck.fat": "dosfstools", "mkfs.fat": "dosfstools",
    "qemu-system-i386": "qemu-system-x86", "qemu-img": "qemu-utils",
    "nasm": "nasm", "ndisasm": "nasm", "gdb": "gdb",
}
MODULE_FIXES = {"pygame": "pip install 'pcemu[display]' (tools/setup.sh does)"}



def skips_allowed():
    # The environment is the one switch: a module imported twice (as conftest and as
    # tests.conftest) and subprocesses see the same answer.
    return os.environ.get(ALLOW_SKIP_ENV, "") not in ("", "0")


def pytest_addoption(parser):
    parser.addoption("--allow-skip", action="store_true",
                     help="skip tests whose referee program or data set is missing, instead of failing "
                          "(same as %s=1)" % ALLOW_SKIP_ENV)


def pytest_configure(config):
    if config.getoption("--allow-skip"):
        os.environ[ALLOW_SKIP_ENV] = "1"
    config.addinivalue_line("markers", "tools(*names): referee programs the test runs (missing = failure)")


def missing(what, fix):
    """``what`` is not there: fail with ``fix`` (the default), or skip when the user opted out."""
    if skips_allowed():
        pytest.skip("%s: %s" % (what, fix), allow_module_level=True)
    pytest.fail("%s: %s %s" % (what, fix, OPT_OUT), pytrace=False)


def _which(tool):
    return shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")


def require_tool(*tools):
    """The referee programs ``tools`` must be installed; returns the path of the first."""
    paths = []
    for tool in tools:
        path = _which(tool)
        if path is None:
            package = TOOL_PACKAGES.get(tool, tool)
            missing("referee program %s is not installed" % tool,
                    "apt-get install %s (tools/setup.sh --test installs the referees)" % package)
        paths.append(path)
    return paths[0] if paths else None


def require_file(path, fix):
    path = pathlib.Path(path)
    if not path.exists():
        missing("%s not found" % path, fix)
    return path


def require_module(name):
    try:
        return importlib.import_module(name)
    except ImportError as e:
        missing("Python package %s cannot be imported (%s)" % (name, e),
                MODULE_FIXES.get(name, "pip install %s" % name))


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
    return require_file(IMAGES_DIR / name,
                        "put the FreeDOS images (see ../shared/images/README.md) in %s, or point "
                        "PCEMU_IMAGES at a folder that has them" % IMAGES_DIR)


def pytest_runtest_setup(item):
    for mark in item.iter_markers("tools"):
        require_tool(*mark.args)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not skips_allowed() and not hasattr(report, "wasxfail"):
        # A skip that did not come through missing(): a bare pytest.skip, skipif or importorskip.
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = "skipped, and skips are failures here: %s %s" % (reason, OPT_OUT)


@pytest.fixture
def writable_image(tmp_path):
    """Copy a shared image to a temp file the test may write to."""

    def make(name):
        dst = tmp_path / name
        shutil.copyfile(image_path(name), dst)
        return dst

    return make
