"""The real-mode debugger: breakpoints, watchpoints, stepping, history, monitor, GDB stub.

* ``debugger``  - ``Debugger``: the state (breakpoints, watchpoints, the
  instruction history) and the debug run path the machine switches to while
  debugging is active. ``CPU.run()`` never sees any of it.
* ``expr``      - addresses (``seg:off``, linear), numbers and register conditions.
* ``monitor``   - the command monitor (stdio, TCP, script file) and its views
  (registers, memory, disassembly, IVT, BIOS data area, devices, screen).
* ``gdbstub``   - the GDB remote serial protocol on 127.0.0.1, with flat
  addresses mapped to CS:IP (see its docstring).
"""


def __getattr__(name):
    # ``pcemu.debug.Debugger``, loaded on first use: importing the package (as
    # ``pcemu.debug.session`` does on every start) must not load the disassembler.
    if name in ("Debugger", "Stop"):
        from . import debugger

        return getattr(debugger, name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
