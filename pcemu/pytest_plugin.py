"""pytest plugin: a ``dos`` fixture, a booted DOS machine for each test (registered as the
``pytest11`` entry point ``pcemu``, so installing pcemu is enough).

The machine is booted once per session (or taken from the cache ``pcemu run``
uses) and saved at its prompt; every test gets a fresh machine restored from
that state in a fraction of a second, so tests cannot leak into each other::

    def test_dir(dos):
        assert "COMMAND  COM" in dos.run("DIR")

    def test_tool(dos):
        dos.write_file("IN.TXT", b"hello\\r\\n")          # onto C:, a blank FAT16 disk
        assert dos.run("TYPE C:\\\\IN.TXT") == "hello\\n"
        assert dos.errorlevel() == 0

``dos.run(line, stdin=b"")`` types a command line and returns what it printed
(the console as our BIOS mirrors it to COM1, so long output is whole);
``dos.errorlevel()`` the last program's exit code; ``dos.type(text)`` types
keys and runs until the guest waits again; ``dos.screen_text()`` the text
screen; ``dos.read_file(name)`` / ``dos.write_file(name, data)`` files on
C:; ``dos.screenshot(path)`` a PNG of the screen (needs pygame);
``dos.machine`` the ``pcemu.Machine``. When a test that used ``dos`` fails,
the report shows the last screen.

``dos_factory(image)`` gives the same from another floppy image (booted once
per session and image, restored for each call), for tests that need more than
one DOS: ``full = dos_factory("freedos-full.img"); full.run("MEM")``.

Speed: the machines of one process share their translated code
(``pcemu.cpu.regioncache``), so from the second test on DOS runs from code
compiled, and warmed up by PyPy's JIT, in the tests before; command lines are
typed at the serial console, which takes a whole line at once; ``run`` returns
as soon as the prompt is back and DOS waits for keys. While a test has a ``dos`` or
``dos_factory`` fixture, PyPy's JIT is tuned for cold code
(``pcemu.hostjit.tune_for_commands``: the project's 20 one-command tests take 40%
less CPU so); the session's other tests run with PyPy's defaults.

Options: ``--dos-image=IMAGE`` boots that floppy image (writes kept in
memory) instead of the built-in FreeDOS, ``--dos-cpu=8086|80186``,
``--dos-clock=virtual|realtime`` (virtual, the default, makes every run
repeat exactly).

Host writes to C: are made behind DOS's back, and DOS keeps disk sectors in
its buffers (some from the boot). So every C: carries PCEMURST.COM, which
asks DOS to write out and drop its buffers (INT 21h AH=0Dh) and to read C:'s
drive information again (INT 21h AH=32h), free space included: ``write_file``
runs it first when the guest has used C: since, and ``run``/``type`` run it
before the guest's next command after a host write.

The boot state has C:'s free space counted already (``BOOT_COMMANDS``): DOS
counts it at the first DIR of C:, 5 M guest instructions for the 8 K clusters,
once per session instead of in every test. After a host write DOS counts again.
"""

import hashlib
import os
import shutil

import pytest

from . import hostjit

C_DRIVE_BYTES = 32 << 20
# 4 KiB clusters: 8 K of them. DOS counts the free ones at the first DIR of C: (and after
# host writes), some 570 guest instructions a cluster.
C_CLUSTER_BYTES = 4096
# On every C:, a program that has DOS write out and drop its disk buffers (INT 21h AH=0Dh,
# disk reset) and read C:'s drive information again, its count of free clusters included
# (INT 21h AH=32h, get the drive parameter block, makes FreeDOS mark the drive changed):
# run after the host wrote files behind DOS's back, so DOS reads them afresh.
RESET_NAME = "PCEMURST.COM"
RESET_COM = bytes([0xB4, 0x0D, 0xCD, 0x21,    # mov ah, 0Dh / int 21h
                   0xB4, 0x32, 0xB2, 0x03,    # mov ah, 32h / mov dl, 3 (C:)
                   0xCD, 0x21,                # int 21h (DS:BX = the DPB)
                   0x0E, 0x1F, 0xC3])         # push cs / pop ds / ret
FIXED_TIME = 946684800  # 2000-01-01: the same C: image, byte for byte, in every session
# Typed at the prompt before the boot state is saved. DOS counts C:'s free clusters the first
# time a program asks (DIR does): 8 K FAT entries, some 5 M guest instructions, kept by DOS
# from then on. Counted once here, not in every test that lists C:. Then a clear screen.
BOOT_COMMANDS = ("DIR C:\\ >NUL", "CLS")


def pytest_addoption(parser):
    group = parser.getgroup("pcemu", "pcemu DOS machine (the dos fixture)")
    group.addoption("--dos-image", default=None, metavar="IMAGE",
                    help="boot this floppy image for the dos fixture (default: pcemu's built-in FreeDOS)")
    group.addoption("--dos-cpu", default="80186", choices=["8086", "80186"], help="CPU model for the dos fixture")
    group.addoption("--dos-clock", default="virtual", choices=["virtual", "realtime"],
                    help="clock for the dos fixture (default virtual: runs repeat exactly)")


class _BootState:
    def __init__(self, state_path, c_image, floppy, cpu, clock):
        self.state_path = state_path
        self.c_image = c_image
        self.floppy = floppy  # None: the built-in FreeDOS
        self.cpu = cpu
        self.clock = clock

    def open_disks(self):
        from . import freedos
        from .disk import DiskImage

        a = freedos.open_disk() if self.floppy is None else DiskImage.open(self.floppy, kind="floppy",
                                                                          snapshot=True)
        return [a, DiskImage.open(self.c_image, kind="hdd", snapshot=True)]


def _make_boot_state(folder, floppy, cpu, clock):
    """The machine at its prompt with a blank C:, saved; kept in pcemu's cache when the
    built-in FreeDOS and the virtual clock make it the same for every session."""
    from . import __version__, freedos, run, state
    from .hostfolder import format_fat16
    from .machine import Machine

    c_image = os.path.join(folder, "c.img")
    offset = format_fat16(c_image, C_DRIVE_BYTES, C_CLUSTER_BYTES)
    from . import fat

    with fat.Volume(c_image, offset) as volume:
        volume.write_file(RESET_NAME, RESET_COM, timestamp=FIXED_TIME)
    os.chmod(c_image, 0o444)
    boot = _BootState(os.path.join(folder, "boot.state"), c_image, floppy, cpu, clock)
    # DiskImage hashes a snapshot's file once per process: the same digest then serves the
    # state's disk check at every restore (32 MiB, some 70 ms a hash).
    c_disk = boot.open_disks()[1]
    c_digest = c_disk.content_digest()
    c_disk.close()
    cached = None
    if floppy is None and clock == "virtual":
        probe = Machine(cpu=cpu, clock=clock)
        bios = probe._bios_digest()
        probe.close()
        key = hashlib.sha256("|".join([__version__, str(state.FORMAT_VERSION), bios, freedos.image_digest(), cpu,
                                       c_digest, run.PROMPT_MARK, "pytest"] + list(BOOT_COMMANDS)).encode()
                         ).hexdigest()[:20]
        cached = os.path.join(run.cache_dir(), "pytest-boot-%s.state" % key)
        if os.path.exists(cached):
            shutil.copyfile(cached, boot.state_path)
            try:
                Machine.from_state(boot.state_path, disks=boot.open_disks(), clock=clock).close()
                return boot
            except state.StateError:
                pass  # another BIOS: boot again
    disks = boot.open_disks()
    machine = Machine(floppies=disks[:1], hdds=disks[1:], cpu=cpu, clock=clock, serial_console=True)
    try:
        deadline = run.Deadline(600)
        run.wait_for_prompt(machine, deadline)
        session = run.Session(machine, deadline)
        session.set_prompt()
        for line in BOOT_COMMANDS:
            session.line(line)
        machine.save_state(boot.state_path)
    finally:
        machine.close()
    if cached is not None:
        try:
            os.makedirs(os.path.dirname(cached), exist_ok=True)
            shutil.copyfile(boot.state_path, cached + ".tmp")
            os.replace(cached + ".tmp", cached)
        except OSError:
            pass
    return boot


def _boot_state_for(config, tmp_path_factory, floppy):
    """The session's boot state for ``floppy`` (None: ``--dos-image`` or the built-in FreeDOS),
    made at the first request."""
    if floppy is None:
        floppy = config.getoption("--dos-image")
    if floppy is not None:
        floppy = os.path.abspath(os.fspath(floppy))
    cpu, clock = config.getoption("--dos-cpu"), config.getoption("--dos-clock")
    states = config.__dict__.setdefault("_pcemu_boot_states", {})
    key = (floppy, cpu, clock)
    if key not in states:
        states[key] = _make_boot_state(str(tmp_path_factory.mktemp("pcemu-dos")), floppy, cpu, clock)
    return states[key]


def _restore(boot):
    from .machine import Machine

    return Dos(Machine.from_state(boot.state_path, disks=boot.open_disks(), clock=boot.clock))


@pytest.fixture(scope="session")
def dos_boot_state(request, tmp_path_factory):
    """The saved state every ``dos`` fixture starts from (made once per session)."""
    return _boot_state_for(request.config, tmp_path_factory, None)


class Dos:
    """A DOS machine at its prompt, for one test."""

    def __init__(self, machine, timeout=120.0):
        from . import run

        self.machine = machine
        self.timeout = timeout
        self._run = run
        self._c_seen = self._guest_c_activity()
        self._host_wrote = False

    def _session(self):
        return self._run.Session(self.machine, self._run.Deadline(self.timeout))

    def run(self, line, stdin=b""):
        """Type ``line`` at the prompt; what DOS printed until the next prompt, as text."""
        self._before_guest()
        body = self._session().line(line, stdin)
        return self._run._clean(body)

    def errorlevel(self):
        """The exit code of the last program (INT 21h AH=4Ch), as COMMAND.COM reports it."""
        return self._session().errorlevel()

    def type(self, text):
        """Type keys (US layout, "\\r" is Enter) and run until the guest waits for more."""
        self._before_guest()
        self.machine.type_text(text)
        if not self.machine.run_until_idle(timeout=self.timeout, check=False):
            raise AssertionError("the guest is still busy after typing %r" % (text,))

    def screen_text(self):
        return self.machine.screen_text()

    def _c_disk(self):
        return self.machine.hdd_drives[0]

    def _guest_c_activity(self):
        drive = self.machine.ata_primary.drives[0]  # what the guest did through the ATA drive, not the host
        return drive.sectors_read + drive.sectors_written

    def _reset_dos_buffers(self):
        body = self._session().line("C:\\" + RESET_NAME[:-4])
        if body.strip():
            raise RuntimeError("C:\\%s failed: %s" % (RESET_NAME, body.strip()))
        self._c_seen = self._guest_c_activity()
        self._host_wrote = False

    def _before_guest(self):
        if self._host_wrote:
            self._reset_dos_buffers()
    def _volume(self):
        return _DiskVolume(self._c_disk())

    def read_file(self, name):
        """The bytes of file ``name`` on C:, with what DOS still held in its buffers written out."""
        if self._guest_c_activity() != self._c_seen:
            self._reset_dos_buffers()
        return self._volume().read_file(_c_path(name))

    def write_file(self, name, data):
        """Create or replace file ``name`` on C: (DOS's buffers are dealt with, see above)."""
        if self._guest_c_activity() != self._c_seen:
            self._reset_dos_buffers()  # the guest's own writes reach the disk first
        self._volume().write_file(_c_path(name), bytes(data))
        self._host_wrote = True

    def screenshot(self, path):
        """A PNG of what the display shows; returns ``path``."""
        machine = self.machine
        if hasattr(machine, "screenshot"):
            machine.screenshot(os.fspath(path))
            return path
        from .frontends.font import load_font
        from .frontends.window import TextRenderer, import_pygame

        pg = import_pygame()
        screen = machine.vga.text_screen()
        probe = TextRenderer(pg, pg.Surface((1, 1)), load_font())
        surface = pg.Surface(probe.pixel_size(screen.cols, screen.rows))
        TextRenderer(pg, surface, load_font()).draw(screen, 0)
        pg.image.save(surface, os.fspath(path))
        return path


def _c_path(name):
    name = name.replace("\\", "/")
    if name[:2].upper() == "C:":
        name = name[2:]
    return name


class _DiskVolume:
    """pcemu.fat's view of a DiskImage, overlay included (the C: of a test is a snapshot)."""

    def __new__(cls, disk):
        from . import fat
        from .hostfolder import PARTITION_START, SECTOR

        base = PARTITION_START * SECTOR

        class Volume(fat.Volume):
            def __init__(self):
                self.path = "C:"
                self.offset = base
                self._load(disk.size - base)

            def _lock(self, mode, why):
                pass

            def close(self):
                pass

            def _read(self, offset, length):
                start = self.offset + offset
                first, last = start // SECTOR, (start + length - 1) // SECTOR
                data = disk.read(first, last - first + 1)
                return data[start - first * SECTOR:start - first * SECTOR + length]

            def _commit(self, plan):
                writes = list(plan.data_writes) + sorted(plan.dir_writes.items())
                new_raw = bytearray(self.fat_raw)
                for cluster, value in plan.fat_changes.items():
                    self._encode_fat_entry(new_raw, cluster, value)
                for copy in range(self.boot.fat_count):
                    writes.append((self.fat_offset + copy * self.fat_bytes, bytes(new_raw)))
                for offset, data in writes:
                    _write_bytes(disk, self.offset + offset, data)
                self.fat_raw = new_raw
                self.fat = self._decode_fat(new_raw)
                self._scan_fat()

        return Volume()


def _write_bytes(disk, start, data):
    """Bytes at any offset of a DiskImage, by read-modify-write of whole sectors."""
    from .hostfolder import SECTOR

    first = start // SECTOR
    last = (start + len(data) - 1) // SECTOR
    buf = bytearray(disk.read(first, last - first + 1))
    buf[start - first * SECTOR:start - first * SECTOR + len(data)] = data
    disk.write(first, bytes(buf))


_jit_users = 0


def _jit_for_commands_enter():
    """PyPy's JIT tuned for DOS commands while a test has a DOS machine
    (``pcemu.hostjit.tune_for_commands``), its defaults again for the session's other tests."""
    global _jit_users
    if _jit_users == 0:
        hostjit.tune_for_commands()
    _jit_users += 1


def _jit_for_commands_exit():
    global _jit_users
    _jit_users -= 1
    if _jit_users == 0:
        hostjit.defaults_for_commands_again()


@pytest.fixture
def dos(request, dos_boot_state):
    """A DOS machine at its prompt (restored from the session's boot state), a blank C:."""
    _jit_for_commands_enter()
    try:
        d = _restore(dos_boot_state)
        request.node.__dict__.setdefault("_pcemu_dos", []).append(d)
        yield d
        d.machine.close()
    finally:
        _jit_for_commands_exit()


@pytest.fixture
def dos_factory(request, tmp_path_factory):
    """``dos_factory(image=None)``: a Dos like ``dos``'s, booted from the floppy ``image``
    (writes kept in memory; booted once per session and image, each call restores a fresh
    machine). ``None``: the session's own image."""
    made = request.node.__dict__.setdefault("_pcemu_dos", [])
    mine = []

    def make(image=None):
        d = _restore(_boot_state_for(request.config, tmp_path_factory, image))
        made.append(d)
        mine.append(d)
        return d

    _jit_for_commands_enter()
    try:
        yield make
        for d in mine:
            d.machine.close()
    finally:
        _jit_for_commands_exit()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        made = item.__dict__.get("_pcemu_dos") or []
        d = made[-1] if made else None   # the machine the test made last
        if isinstance(d, Dos):
            try:
                screen = "\n".join(line.rstrip() for line in d.screen_text().splitlines()).rstrip("\n")
            except Exception as e:  # a broken machine must not hide the test's own failure
                screen = "(no screen: %s)" % e
            report.sections.append(("DOS screen (last)", screen))
