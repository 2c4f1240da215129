"""The benchmark guest: the committed binary matches its source, and it computes the right answers."""
import shutil
import subprocess

import pytest

from pcemu import bench
from conftest import ROOT, require_tool


def test_committed_bench_bin_matches_fresh_nasm_build(tmp_path):
    require_tool("nasm")
    out = tmp_path / "bench.bin"
    subprocess.run(["nasm", "-f", "bin", "-o", str(out), str(ROOT / "tools" / "bench.asm")], check=True)
    with open(bench.bench_path(), "rb") as f:
        committed = f.read()
    assert committed == out.read_bytes(), "pcemu/bench.bin is stale: rebuild it from tools/bench.asm"


def test_expected_results_are_the_known_prime_count():
    # 1028 primes below 8192 (a published figure, pi(8192) = 1028)
    assert bench.expected_results()["primes"] == (1028 * bench.PASSES) & 0xFFFF


@pytest.mark.parametrize("model", ["8086", "80186"])
def test_guest_computes_expected_results(model):
    with open(bench.bench_path(), "rb") as f:
        program = f.read()
    executed, _, results = bench.run_once(program, model)
    assert results == bench.expected_results()
    assert executed > 1_000_000


def test_main_prints_mips_last(capsys):
    assert bench.main(["--runs", "1"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    number, unit = last.split()
    assert unit == "MIPS" and float(number) > 0


def test_bad_runs_argument_is_a_clean_error(capsys):
    with pytest.raises(SystemExit) as exc:
        bench.main(["--runs", "0"])
    assert exc.value.code == 2
    assert "--runs" in capsys.readouterr().err
