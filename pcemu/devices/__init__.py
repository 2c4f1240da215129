"""Emulated PC chips, one module per part.

Support chips (the motherboard's glue):

* ``pic``      - 8259A programmable interrupt controllers, master + slave.
* ``pit``      - 8254 programmable interval timer.
* ``rtc``      - MC146818 real-time clock and CMOS RAM.
* ``kbc``      - 8042 keyboard controller and the keyboard behind it.
* ``keymap``   - scancode set 1 of the US 101/102-key keyboard.
* ``sysports`` - system control ports 61h and 92h, POST code 80h, debug console E9h.

Other device modules live here too; this package deliberately imports nothing,
so importing one device never drags in the others.
"""
