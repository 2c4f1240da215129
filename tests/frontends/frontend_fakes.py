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


class FakeVga:
    def __init__(self, screen=None):
        self.screen = screen or FakeTextScreen()

    def text_screen(self):
        return self.screen


class FakeCpu:
    icount = 0
    halted = False


class FakeKbc:
    def __init__(self):
        self.leds = 0


class FakeMachine:
    def __init__(self, screen=None):
        self.vga = FakeVga(screen)
        self.cpu = FakeCpu()
        self.kbc = FakeKbc()
        self.sent = bytearray()
        self.typed = ""

    def send_scancodes(self, data):
        self.sent += data

    def type_text(self, text):
        self.typed += text

    def step_quantum(self, max_insns=20000, sleep=True):
        self.cpu.icount += 1000
        return 1000
