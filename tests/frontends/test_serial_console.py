"""The serial console (--serial=stdio): host keys after the escape prefix, line ends,
and the notice for screens it cannot show."""
import os
import pty

from frontend_fakes import FakeTextScreen

from pcemu.frontends import serial_console
from pcemu.frontends.keyboard import USAGE, press_and_release
from pcemu.frontends.serial_console import StdioConsole


def read_all(fd):
    data = b""
    while True:
        import select

        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            return data
        data += os.read(fd, 4096)


def test_escape_prefix_sends_function_and_alt_keys_and_quits():
    master, slave = pty.openpty()
    err_r, err_w = os.pipe()
    out_r, out_w = os.pipe()
    console = StdioConsole(stdin_fd=slave, stdout_fd=out_w, stderr_fd=err_w)
    try:
        assert console.interactive
        os.write(master, b"ab\x1d5\x1dx\x1d\x1d\x1d?c")
        assert console.poll(1.0) == b"ab\x1dc"
        assert console.keystrokes == [press_and_release(USAGE["f5"]),
                                      press_and_release(0x1B, alt=True)]  # 1Bh: the X key
        assert b"Ctrl+] then: . quit" in read_all(err_r)
        assert not console.quit
        os.write(master, b"\x1d=\x1d.zzz")
        assert console.poll(1.0) == b""
        assert console.keystrokes[-1] == press_and_release(USAGE["f12"])
        assert console.quit
    finally:
        console.restore()
        for fd in (master, slave, err_r, err_w, out_r, out_w):
            os.close(fd)


def test_piped_output_gets_lf_line_ends_even_split_across_writes():
    out_r, out_w = os.pipe()
    in_r, in_w = os.pipe()
    console = StdioConsole(stdin_fd=in_r, stdout_fd=out_w)  # stdout is a pipe: auto means lf
    console.write(b"A:\\>DIR\r\n one\r")
    console.write(b"\n two\rback\r\nA:\\>")
    console.end_line()
    assert read_all(out_r) == b"A:\\>DIR\n one\n two\rback\nA:\\>\n"
    keep = StdioConsole(stdin_fd=in_r, stdout_fd=out_w, crlf="keep")
    keep.write(b"x\r\nA:\\>")
    keep.end_line()
    assert read_all(out_r) == b"x\r\nA:\\>\r\n"
    for fd in (out_r, out_w, in_r, in_w):
        os.close(fd)


def test_full_screen_programs_are_recognised():
    console_screen = FakeTextScreen()
    console_screen.put(0, 0, "A:\\>EDIT", 0x07)
    assert not serial_console.looks_full_screen(console_screen)
    edit = FakeTextScreen(cells=b" \x1f" * 2000)
    assert serial_console.looks_full_screen(edit)
    assert serial_console.looks_full_screen(FakeTextScreen(cols=40))
