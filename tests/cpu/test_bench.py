"""The benchmarks: committed guest binaries match their sources, the guest computes the right
answers on a bare CPU and booted through the BIOS, and a wrong answer is reported as an error."""
import shutil
import subprocess
import sys

import pytest

from pcemu import bench
from conftest import ROOT, require_tool


def nasm_build(tmp_path, source):
    require_tool("nasm")
    out = tmp_path / "out.bin"
    subprocess.run(["nasm", "-f", "bin", "-o", str(out), str(ROOT / "tools" / source)], check=True)
    return out.read_bytes()


def test_committed_bench_bin_matches_fresh_nasm_build(tmp_path):
    with open(bench.bench_path(), "rb") as f:
        assert f.read() == nasm_build(tmp_path, "bench.asm"), "pcemu/bench.bin is stale: rebuild it"


def test_committed_boot_sector_matches_fresh_nasm_build(tmp_path):
    with open(bench.boot_sector_path(), "rb") as f:
        assert f.read() == nasm_build(tmp_path, "bench_boot.asm"), "pcemu/bench_boot.bin is stale: rebuild it"


def test_bench_asm_keeps_the_lines_the_race_script_patches():
    src = (ROOT / "tools" / "bench.asm").read_text()
    assert "PASSES     equ 32" in src
    assert "        mov word [RESULTS+6], 0xBEEF\n        cli\n        hlt" in src


def test_expected_results_are_the_known_prime_count():
    # 1028 primes below 8192 (a published figure, pi(8192) = 1028)
    assert bench.expected_results()["primes"] == (1028 * bench.PASSES) & 0xFFFF
    assert bench.expected_results(3)["primes"] == 1028 * 3


def test_passes_patch_changes_only_the_round_count():
    with open(bench.bench_path(), "rb") as f:
        program = f.read()
    patched = bench.with_passes(program, 3)
    diff = [i for i in range(len(program)) if program[i] != patched[i]]
    assert len(diff) == 1 and patched[diff[0]] == 3 and program[diff[0] - 1] == 0xBD


@pytest.mark.parametrize("model", ["8086", "80186"])
def test_guest_computes_expected_results_on_a_bare_cpu(model):
    with open(bench.bench_path(), "rb") as f:
        program = bench.with_passes(f.read(), 2)
    executed, _, results = bench.run_once(program, model)
    assert results == bench.expected_results(2)
    assert executed > 300_000


def test_bare_prints_mips_last(capsys):
    assert bench.main(["--bare", "--runs", "1", "--passes", "1"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    number, unit = last.split()
    assert unit == "MIPS" and float(number) > 0


def test_whole_machine_boots_the_guest_and_checks_it(capsys):
    # 2 passes: about 440,000 guest instructions after the BIOS boot, in a fresh process
    assert bench.main(["--runs", "1", "--passes", "2"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert "booted from a floppy through our BIOS" in out[0]
    run = out[1]
    # the guest's own count: 2 passes of the bare-CPU run, started at the OUT to port 80h
    with open(bench.bench_path(), "rb") as f:
        bare, _, _ = bench.run_once(bench.with_passes(f.read(), 2), "80186")
    assert "guest %d instructions" % bare in run
    assert "whole process" in run
    number, unit = out[-1].split()
    assert unit == "MIPS" and float(number) > 0


def test_whole_machine_reports_a_guest_that_computes_the_wrong_answer(tmp_path, capsys):
    with open(bench.bench_path(), "rb") as f:
        program = bytearray(f.read())
    at = program.find(bytes([0xEF, 0xBE]))  # the 0xBEEF "ran to its end" marker
    assert at > 0
    program[at] = 0xAD
    broken = tmp_path / "broken.bin"
    broken.write_bytes(program)
    assert bench.main(["--runs", "1", "--passes", "1", "--guest", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "expected" in err and "the CPU is broken" in err


def test_whole_machine_reports_a_guest_that_never_halts(tmp_path, capsys):
    # a guest whose first instruction jumps to itself with interrupts on: the run is bounded
    broken = tmp_path / "spin.bin"
    with open(bench.bench_path(), "rb") as f:
        program = bytearray(f.read())
    program[0:2] = b"\xEB\xFE"  # jmp $
    broken.write_bytes(program)
    assert bench.main(["--runs", "1", "--passes", "1", "--guest", str(broken)]) == 1


def test_bad_runs_argument_is_a_clean_error(capsys):
    with pytest.raises(SystemExit) as exc:
        bench.main(["--runs", "0"])
    assert exc.value.code == 2
    assert "--runs" in capsys.readouterr().err


def test_command_line_runs_as_a_module():
    p = subprocess.run([sys.executable, "-m", "pcemu.bench", "--bare", "--runs", "1", "--passes", "1"],
                       cwd=str(ROOT), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1].endswith("MIPS")
