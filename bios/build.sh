#!/bin/sh
# Build the pcemu BIOS: a 64 KiB image for F000:0000-FFFF.
#   bios/build.sh                      -> pcemu/data/pcemu-bios.bin (committed, shipped in the package)
#   bios/build.sh OUT [NASM ARGS...]   -> OUT, e.g. for the QEMU test build:
#   bios/build.sh /tmp/bios-serial.bin -DFORCE_SERIAL_CONSOLE
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../pcemu/data/pcemu-bios.bin}"
[ $# -gt 0 ] && shift
cd "$here"
nasm -f bin -w+all -I"$here/" "$@" -o "$out" bios.asm
size=$(wc -c < "$out")
if [ "$size" -ne 65536 ]; then
    echo "build.sh: $out is $size bytes, expected 65536" >&2
    exit 1
fi
