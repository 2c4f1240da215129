"""Boot-time and idle-cost benchmark for the FreeDOS images (not a test).

For each image: seconds of host time from starting a fresh interpreter to
the A:\\> prompt, as a user running ``pcemu`` waits for it (median of N
runs, each in a new process so the JIT starts cold; realtime clock), then
the host CPU share spent while the guest sits at an idle prompt.

    .venv/bin/python tools/boot_bench.py [--runs 5] [--idle 5] [IMAGE ...]

Images default to the four FreeDOS floppies in $PCEMU_IMAGES or ../shared/images.
"""

import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pcemu.machine import Machine  # noqa: E402

DEFAULT_DIR = pathlib.Path(os.environ.get("PCEMU_IMAGES", ROOT.parent / "shared" / "images"))
DEFAULT_IMAGES = ["freedos-minimal-360k.img", "freedos-minimal-720k.img",
                  "freedos-minimal-1440k.img", "freedos-full-1440k.img"]


def boot_once(image, clock):
    """In this process: boot and print the instruction count at the prompt."""
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / image.name
        shutil.copyfile(image, path)
        m = Machine(floppies=[path], clock=clock)
        try:
            if not m.run_until_text("A:\\>", timeout=300):
                raise SystemExit("%s: no prompt within 300 s" % image.name)
            print(m.cpu.icount)
        finally:
            m.close()


def boot_seconds(image, clock):
    """Wall time of a fresh process from exec to the prompt."""
    start = time.monotonic()
    out = subprocess.run([sys.executable, __file__, "--one", str(image), "--clock", clock],
                         check=True, capture_output=True, text=True).stdout
    return time.monotonic() - start, int(out.split()[-1])


def idle_cpu_share(image, seconds):
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / image.name
        shutil.copyfile(image, path)
        m = Machine(floppies=[path], clock="realtime")
        try:
            m.run_until_text("A:\\>", timeout=300)
            m.run_until_idle(timeout=60)
            wall0, cpu0 = time.monotonic(), time.process_time()
            while time.monotonic() - wall0 < seconds:
                m.step_quantum()
            return (time.process_time() - cpu0) / (time.monotonic() - wall0)
        finally:
            m.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--idle", type=float, default=5.0, help="seconds at the idle prompt")
    ap.add_argument("--clock", default="realtime", choices=["realtime", "virtual"])
    ap.add_argument("--one", metavar="IMAGE", help=argparse.SUPPRESS)
    ap.add_argument("images", nargs="*")
    args = ap.parse_args()
    if args.one:
        boot_once(pathlib.Path(args.one), args.clock)
        return
    images = [pathlib.Path(p) for p in args.images] or [DEFAULT_DIR / n for n in DEFAULT_IMAGES]
    for image in images:
        times = []
        insns = 0
        for _ in range(args.runs):
            t, insns = boot_seconds(image, args.clock)
            times.append(t)
        share = idle_cpu_share(image, args.idle) if args.idle > 0 else float("nan")
        print("%-28s boot %6.2f s (median of %d, %s clock, %.1fM instructions)  idle host CPU %4.1f%%"
              % (image.name, statistics.median(times), args.runs, args.clock, insns / 1e6, share * 100))


if __name__ == "__main__":
    main()
