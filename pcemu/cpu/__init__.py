"""The Intel 8086 / 80186 CPU core (real mode). See core.py and the ops package."""

from pcemu.cpu.core import CPU, MODELS

__all__ = ["CPU", "MODELS"]
