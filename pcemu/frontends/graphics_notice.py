"""The one line the text front ends (curses, the serial console) give when the guest
switches the VGA to a graphics mode, which they cannot show."""


def graphics_message(mode):
    """``mode``: a Machine.video_mode() in a graphics mode."""
    return ("pcemu: the guest switched to graphics mode %02Xh (%dx%d, %d colours), which a "
            "terminal cannot show: run with --display=window to see it" %
            (mode.number, mode.width, mode.height, mode.colours))


class GraphicsNotice:
    """``check()`` returns the message once each time the VGA enters a graphics mode."""

    def __init__(self, machine):
        self.machine = machine
        self.in_graphics = False

    def check(self):
        graphics = getattr(self.machine, "in_graphics_mode", bool)()
        entered = graphics and not self.in_graphics
        self.in_graphics = graphics
        if entered:
            return graphics_message(self.machine.video_mode())
        return None
