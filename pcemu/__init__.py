"""pcemu: an IBM PC-compatible emulator (8086/80186, real mode) in Python."""

__version__ = "0.1.0"
