#!/usr/bin/env bash
# Sets up pcemu on a Debian machine: Debian's PyPy, NASM, a PyPy venv in .venv
# with the package and its extras. Idempotent and quiet when nothing is missing.
# Usage: tools/setup.sh [--test]   (--test also installs the test referees: mtools,
#        dosfstools, QEMU's i386 system emulator for the chip comparisons, qemu-img,
#        the font sources, gdb for the GDB stub)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

pkgs=()
command -v pypy3 >/dev/null 2>&1 || pkgs+=(pypy3)
# pypy3-venv provides ensurepip for PyPy; without it `pypy3 -m venv` fails.
if command -v pypy3 >/dev/null 2>&1; then
    pypy3 -c 'import ensurepip' >/dev/null 2>&1 || pkgs+=(pypy3-venv)
else
    pkgs+=(pypy3-venv)
fi
command -v nasm >/dev/null 2>&1 || pkgs+=(nasm)
if [ "$want_test" = 1 ]; then
    command -v mdir >/dev/null 2>&1 || pkgs+=(mtools)
    command -v fsck.fat >/dev/null 2>&1 || [ -x /sbin/fsck.fat ] || pkgs+=(dosfstools)
    command -v qemu-system-i386 >/dev/null 2>&1 || pkgs+=(qemu-system-x86)
    command -v qemu-img >/dev/null 2>&1 || pkgs+=(qemu-utils)
    command -v gdb >/dev/null 2>&1 || pkgs+=(gdb)
    [ -f /usr/share/consolefonts/default8x16.psf.gz ] || pkgs+=(console-data)
fi

if [ "${#pkgs[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "pcemu setup: installing ${pkgs[*]} with apt-get" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
    else
        echo "pcemu setup: missing Debian packages. Run as root:" >&2
        echo "    sudo apt-get install ${pkgs[*]}" >&2
        exit 1
    fi
fi

stamp=".venv/.pcemu-setup"
if [ ! -x .venv/bin/python ]; then
    echo "pcemu setup: creating the PyPy venv in .venv" >&2
    rm -rf .venv
    pypy3 -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ tools/setup.sh -nt "$stamp" ]; then
    echo "pcemu setup: installing pcemu and its extras into .venv" >&2
    # compat: the editable install is a plain path entry; the default mode's import hook
    # loads pathlib, typing, urllib... into every start (0.035 s of CPU under PyPy, more than
    # PyPy's own start-up).
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[display,test]" \
        --config-settings editable_mode=compat
    touch "$stamp"
    echo "pcemu setup: pcemu and pcemu-img are in .venv/bin; to call them bare:" >&2
    echo "    export PATH=\"$root/.venv/bin:\$PATH\"" >&2
fi
