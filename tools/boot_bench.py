"""Cold boot seconds to A:\\> per FreeDOS image, and idle cost at the prompt (not a test).

Same as ``python -m pcemu.bench --boot``; see pcemu/bench.py.

    .venv/bin/python tools/boot_bench.py [--runs 3] [--idle 5] [--qemu] [IMAGE ...]
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from pcemu import bench  # noqa: E402

if __name__ == "__main__":
    sys.exit(bench.main(["--boot"] + sys.argv[1:]))
