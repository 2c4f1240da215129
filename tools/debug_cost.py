"""What the debugger costs (not a test): CPU seconds of fresh pcemu processes, side by side.

Variants, alternated round by round so machine noise hits them alike:
  off         no debugging option (the CPU's own run loop)
  breakpoint  a breakpoint that never hits (--monitor-script: b 1234:5678, c), so the
              machine runs the debugger's loop: history, breakpoint checks
  base        the same "off" run from another checkout (--base DIR, e.g. a `git archive`
              of the commit before the debugger), to show "off" costs nothing

Workloads: the race image (../shared/race/race --keep DIR builds DIR/race-std.img; the
guest ends with CLI;HLT) or a FreeDOS floppy booted to the prompt, VER typed through
--serial=stdio. Guest instruction counts are the same in every variant (virtual clock).

    .venv/bin/python tools/debug_cost.py --race DIR/race-std.img [--base DIR] [--rounds 5]
    .venv/bin/python tools/debug_cost.py --boot ../shared/images/freedos-minimal-1440k.img
"""

import argparse
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--race", metavar="IMAGE")
    ap.add_argument("--boot", metavar="IMAGE")
    ap.add_argument("--base", metavar="DIR", help="another checkout to run as 'base'")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    if not (a.race or a.boot):
        ap.error("give --race IMAGE or --boot IMAGE")
    script = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
    script.write("b 1234:5678\nc\n")
    script.close()
    variants = [("off", str(ROOT), [])]
    variants.append(("breakpoint", str(ROOT), ["--monitor-script=" + script.name]))
    if a.base:
        variants.insert(0, ("base", os.path.abspath(a.base), []))
    image = os.path.abspath(a.race or a.boot)
    cmd = [sys.executable, "-m", "pcemu", "--disk=" + image, "--snapshot", "--display=none", "--clock=virtual",
           "--stats"]
    stdin = None
    if a.boot:
        cmd.append("--serial=stdio")
        stdin = b"VER\r"
    results = {name: [] for name, _, _ in variants}
    counts = {}
    for _ in range(a.rounds):
        for name, cwd, extra in variants:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            p = subprocess.run(cmd + extra, cwd=cwd, input=stdin, capture_output=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            err = p.stderr.decode("latin-1")
            ok = (b"FreeCom version" in p.stdout) if a.boot else ("halted with interrupts disabled" in err)
            if not ok:
                sys.exit("debug_cost: %s run did not finish as expected:\n%s" % (name, err[-800:]))
            counts[name] = [l for l in err.splitlines() if l.startswith("instructions")][0].split()[1]
            results[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    os.unlink(script.name)
    for name, values in results.items():
        print("%-11s median CPU %6.2f s  (%s)  %s instructions" % (
            name, statistics.median(values), " ".join("%.2f" % v for v in values), counts[name]))


if __name__ == "__main__":
    main()
