"""Front ends: the only code that talks to the host's screen and keyboard.

serial_console (stdin/stdout on COM1), window (pygame), terminal (curses).
They drive a ``pcemu.machine.Machine`` and never touch a chip directly.
"""
