"""Small stand-ins for the machine and its VGA, for front-end tests that need no CPU."""


class FakeTextScreen:
    def __init__(self, cols=80, rows=25, cells=None, cursor=(0, 0), cursor_visible=True,
                 cursor_start=14, cursor_end=15, blink_enabled=True, palette=None):
        self.cols = cols
        self.rows = rows
        self.cells = bytes(cells) if cells is not None else b" \x07" * (cols * rows)
        self.cursor_row, self.cursor_col = cursor
        self.cursor_visible = cursor_visible
        self.cursor_start = cursor_start
        self.cursor_end = cursor_end
        self.blink_enabled = blink_enabled
        self.palette = palette

    def put(self, row, col, text, attr):
        cells = bytearray(self.cells)
        for i, ch in enumerate(text.encode("cp437") if isinstance(text, str) else text):
            at = (row * self.cols + col + i) * 2
            cells[at] = ch
            cells[at + 1] = attr
        self.cells = bytes(cells)


class FakeMachine:
    """Only the documented front-end API of pcemu.machine.Machine (see its module docstring):
    a front end that reaches for anything else (``vga``, ``cpu``, ``kbc``...) fails here."""

    __slots__ = ("screen", "icount", "halted", "leds", "sent", "typed", "strokes", "steps", "sleep_asked", "fault")

    def __init__(self, screen=None):
        self.screen = screen or FakeTextScreen()
        self.icount = 0
        self.halted = False
        self.leds = 0
        self.sent = bytearray()
        self.typed = ""
        self.strokes = []
        self.steps = 0
        self.sleep_asked = 0
        self.fault = None  # a GuestFault that step_quantum raises

    def drives(self):
        return [("A:", "/images/freedos.img")]

    def text_screen(self):
        return self.screen

    def keyboard_leds(self):
        return self.leds

    def send_scancodes(self, data):
        self.sent += data

    def queue_keystroke(self, data):
        self.strokes.append(bytes(data))

    def type_text(self, text):
        self.typed += text

    def step_quantum(self, max_insns=20000, sleep=True):
        assert not sleep, "front ends wait on their own input: step_quantum(sleep=False)"
        if self.fault is not None:
            raise self.fault
        self.icount += 1000
        self.steps += 1
        return 1000

    def sleep_duration(self, max_seconds):
        self.sleep_asked += 1
        return max_seconds if self.halted else 0.0
