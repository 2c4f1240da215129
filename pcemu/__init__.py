"""pcemu: an IBM PC-compatible emulator (8086/80186, real mode) in Python."""

__version__ = "0.1.0"


def __getattr__(name):
    # Imported on first use so `import pcemu` stays cheap for the tools that don't run a machine.
    if name == "Machine":
        from .machine import Machine

        return Machine
    if name == "Timeout":
        from .errors import Timeout

        return Timeout
    raise AttributeError("module 'pcemu' has no attribute %r" % name)
