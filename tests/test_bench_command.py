"""``python -m pcemu.bench --command``: a DOS command timed as a user at the keyboard meets it,
in pcemu and, with --qemu, in qemu-system-i386 (the referee that the line typed through its
monitor is the line we asked for: the run waits for exactly that line on its screen)."""
import subprocess
import sys

from pcemu import bench
from conftest import ROOT, image_path, require_tool

LINE = 'ECHO a:\\b/c.d "x" = y_z'


def run_bench(*args):
    return subprocess.run([sys.executable, "-m", "pcemu.bench"] + list(args), cwd=str(ROOT),
                          capture_output=True, text=True, timeout=600)


def test_a_command_is_timed_in_pcemu_and_qemu():
    require_tool("qemu-system-i386")
    image = str(image_path("freedos-minimal-1440k.img"))
    p = run_bench("--command", LINE, "--runs", "1", "--qemu", image)
    assert p.returncode == 0, p.stderr
    last = p.stdout.strip().splitlines()[-1]
    assert last.startswith("pcemu ") and " s CPU (" in last
    assert "qemu " in last and "no prompt" not in last and "ratio" in last


def test_a_command_that_never_gets_back_to_the_prompt_is_an_error_line(monkeypatch, capsys):
    image = str(image_path("freedos-minimal-1440k.img"))
    monkeypatch.setattr(bench, "run_child", lambda cmd: ("", 1.0, 1.0, 1, "PAUSE: no prompt within 600 s"))
    assert bench.main(["--command", "PAUSE", "--runs", "1", image]) == 1
    assert "no prompt" in capsys.readouterr().err


def test_bad_command_lines_are_clean_errors(capsys):
    assert bench.main(["--command", "DIR \u00e9"]) == 2
    assert "printable ASCII" in capsys.readouterr().err
    assert bench.main(["--command", "DIR", "a.img", "b.img"]) == 2
    assert "one image" in capsys.readouterr().err
