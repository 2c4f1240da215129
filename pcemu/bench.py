"""CPU benchmark: run the bench.bin guest on a bare CPU and report MIPS.

    python -m pcemu.bench [--runs N] [--cpu 8086|80186]

The guest (tools/bench.asm) sieves primes, checksums the sieve, copies it
with REP MOVSW and compares the copy, then halts. Each run starts from a
fresh load; the results it leaves in memory are checked against values
computed here in plain Python, so a broken CPU cannot post a fast number.
The last line printed is ``<median> MIPS``.
"""
import argparse
import os
import statistics
import sys
import time

from pcemu.bus import IoPorts, Memory
from pcemu.cpu import CPU, MODELS

LOAD_SEGMENT = 0x1000
RESULTS = 0x3F00
SIEVE_SIZE = 8192
PASSES = 32
MAX_INSNS = 50_000_000


def bench_path():
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench.bin")


def expected_results():
    """What the guest must compute, worked out independently of the CPU."""
    flags = [1] * SIEVE_SIZE
    flags[0] = flags[1] = 0
    for i in range(2, SIEVE_SIZE):
        if flags[i]:
            for j in range(2 * i, SIEVE_SIZE, i):
                flags[j] = 0
    primes = sum(flags)
    checksum = 0
    for i in range(0, SIEVE_SIZE, 2):
        word = flags[i] | (flags[i + 1] << 8)
        checksum = ((checksum << 1) | (checksum >> 15)) & 0xFFFF
        checksum = (checksum + word) & 0xFFFF
    return {"primes": (primes * PASSES) & 0xFFFF, "checksum": checksum, "mismatches": 0, "done": 0xBEEF}


def run_once(program, model):
    """Load and run the guest to its HLT. Returns (instructions, seconds, results)."""
    mem = Memory()
    io = IoPorts()
    cpu = CPU(mem, io, model=model)
    base = LOAD_SEGMENT << 4
    mem.data[base:base + len(program)] = program
    cpu.sregs[:] = [LOAD_SEGMENT] * 4
    cpu.ip = 0
    t0 = time.process_time()  # CPU time: the shared build machine makes wall time noisy
    executed = 0
    while not cpu.halted and executed < MAX_INSNS:
        executed += cpu.run(MAX_INSNS - executed)
    elapsed = time.process_time() - t0

    def word(off):
        return mem.data[base + off] | (mem.data[base + off + 1] << 8)

    results = {"primes": word(RESULTS), "checksum": word(RESULTS + 2),
               "mismatches": word(RESULTS + 4), "done": word(RESULTS + 6)}
    if not cpu.halted:
        raise RuntimeError("benchmark guest did not halt within %d instructions" % MAX_INSNS)
    return executed, elapsed, results


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pcemu.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--cpu", choices=MODELS, default="80186", help="CPU model (default 80186)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    try:
        with open(bench_path(), "rb") as f:
            program = f.read()
    except OSError as exc:
        print("error: cannot read benchmark program: %s" % exc, file=sys.stderr)
        return 2
    want = expected_results()
    impl = sys.implementation.name
    print("pcemu CPU benchmark: %s model, %s %s" % (args.cpu, impl, sys.version.split()[0]))
    run_once(program, args.cpu)  # warm-up (lets PyPy's JIT compile the loop)
    rates = []
    for i in range(args.runs):
        n, secs, results = run_once(program, args.cpu)
        if results != want:
            print("error: the guest computed %r, expected %r - the CPU is broken" % (results, want),
                  file=sys.stderr)
            return 1
        mips = n / secs / 1e6
        rates.append(mips)
        print("run %d: %d instructions in %.3f s = %.1f MIPS" % (i + 1, n, secs, mips))
    print("%.1f MIPS" % statistics.median(rates))
    return 0


if __name__ == "__main__":
    sys.exit(main())
