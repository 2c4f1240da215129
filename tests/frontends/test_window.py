"""The pygame window, headless (SDL's dummy video driver): pixels, redraw economy, keys, host keys."""
import pytest

from conftest import require_module

pygame = require_module("pygame")

from frontend_fakes import FakeMachine, FakeTextScreen  # noqa: E402

from pcemu.frontends import font, window  # noqa: E402
from pcemu.frontends.window import TextRenderer, Window  # noqa: E402

# The IBM VGA's default text palette (IBM VGA Technical Reference, DAC defaults for text modes).
VGA_RGB = [
    (0, 0, 0), (0, 0, 170), (0, 170, 0), (0, 170, 170), (170, 0, 0), (170, 0, 170), (170, 85, 0),
    (170, 170, 170), (85, 85, 85), (85, 85, 255), (85, 255, 85), (85, 255, 255), (255, 85, 85),
    (255, 85, 255), (255, 255, 85), (255, 255, 255),
]
GLYPHS = font.load_font()


def pixel(surface, x, y):
    return tuple(surface.get_at((x, y)))[:3]


def expected_cell(code):
    """9x16 dots of ``code`` straight from the font file, with the VGA's 9th-column rule."""
    rows = []
    for byte in GLYPHS[code]:
        dots = [bool(byte >> (7 - i) & 1) for i in range(8)]
        dots.append(dots[7] if 0xC0 <= code <= 0xDF else False)
        rows.append(dots)
    return rows


def check_cell(surface, row, col, code, fg, bg, scale=1, width=9):
    cell = expected_cell(code)
    for y in range(16):
        for x in range(9):
            want = VGA_RGB[fg] if cell[y][x] else VGA_RGB[bg]
            for dx in range(width // 9):
                px = (col * width + x * (width // 9) + dx) * scale
                py = (row * 16 + y) * scale
                assert pixel(surface, px, py) == want, (row, col, x, y)


@pytest.fixture(scope="module", autouse=True)
def sdl():
    pygame.display.init()
    yield
    pygame.display.quit()


def new_renderer(scale=1, cols=80):
    surface = pygame.Surface((cols * 9 * (80 // cols) * scale, 400 * scale))
    return TextRenderer(pygame, surface, GLYPHS, scale=scale), surface


def test_glyph_pixels_in_foreground_and_background_colours():
    screen = FakeTextScreen(palette=VGA_RGB, cursor_visible=False)
    screen.put(0, 0, "A", 0x1E)  # yellow on blue
    screen.put(2, 10, "g", 0x4F)  # white on red
    renderer, surface = new_renderer()
    renderer.draw(screen, 0)
    check_cell(surface, 0, 0, ord("A"), 0xE, 0x1)
    check_cell(surface, 2, 10, ord("g"), 0xF, 0x4)
    check_cell(surface, 5, 5, ord(" "), 0x7, 0x0)


def test_scaled_rendering():
    screen = FakeTextScreen(palette=VGA_RGB, cursor_visible=False)
    screen.put(1, 1, b"\xc9", 0x0A)
    renderer, surface = new_renderer(scale=2)
    renderer.draw(screen, 0)
    check_cell(surface, 1, 1, 0xC9, 0xA, 0x0, scale=2)
    assert surface.get_size() == (1440, 800)


def test_ninth_column_joins_box_drawing_only():
    screen = FakeTextScreen(palette=VGA_RGB, cursor_visible=False)
    screen.put(0, 0, b"\xc4\xc4", 0x07)  # two horizontal lines side by side
    screen.put(1, 0, b"\xb0", 0x07)  # light shade: not a line-graphics code
    renderer, surface = new_renderer()
    renderer.draw(screen, 0)
    line_y = next(y for y in range(16) if GLYPHS[0xC4][y] == 0xFF)
    assert all(pixel(surface, x, line_y) == VGA_RGB[7] for x in range(18))  # unbroken across the join
    assert all(pixel(surface, 8, 16 + y) == VGA_RGB[0] for y in range(16))


def test_blinking_attribute_and_bright_backgrounds():
    screen = FakeTextScreen(palette=VGA_RGB, cursor_visible=False)
    screen.put(0, 0, "B", 0x9E)  # blink, blue background, yellow
    renderer, surface = new_renderer()
    renderer.draw(screen, 0)
    check_cell(surface, 0, 0, ord("B"), 0xE, 0x1)
    renderer.draw(screen, window.CHAR_BLINK_FRAMES)  # blink phase off: only background
    check_cell(surface, 0, 0, ord(" "), 0x1, 0x1)
    renderer.draw(screen, 2 * window.CHAR_BLINK_FRAMES)
    check_cell(surface, 0, 0, ord("B"), 0xE, 0x1)
    screen.blink_enabled = False  # bit 7 is now the background's intensity bit
    renderer.draw(screen, window.CHAR_BLINK_FRAMES)
    check_cell(surface, 0, 0, ord("B"), 0xE, 0x9)


def test_palette_comes_from_the_vga():
    palette = list(VGA_RGB)
    palette[1] = (1, 2, 3)
    screen = FakeTextScreen(palette=palette, cursor_visible=False)
    renderer, surface = new_renderer()
    screen.put(0, 0, " ", 0x10)
    renderer.draw(screen, 0)
    assert pixel(surface, 3, 3) == (1, 2, 3)
    palette[1] = (9, 8, 7)
    screen.palette = palette
    renderer.draw(screen, 1)
    assert pixel(surface, 3, 3) == (9, 8, 7)


def cursor_rows(surface, row, col, colour):
    return [y for y in range(16) if all(pixel(surface, col * 9 + x, row * 16 + y) == colour for x in range(9))]


def test_cursor_at_crtc_position_with_its_scanlines_and_blink():
    screen = FakeTextScreen(palette=VGA_RGB, cursor=(3, 5), cursor_start=13, cursor_end=14)
    screen.put(3, 5, " ", 0x1E)
    renderer, surface = new_renderer()
    renderer.draw(screen, 0)
    assert cursor_rows(surface, 3, 5, VGA_RGB[0xE]) == [13, 14]
    renderer.draw(screen, window.CURSOR_BLINK_FRAMES)  # off phase
    assert cursor_rows(surface, 3, 5, VGA_RGB[0xE]) == []
    screen.cursor_start, screen.cursor_end = 0, 15  # block cursor
    renderer.draw(screen, 2 * window.CURSOR_BLINK_FRAMES)
    assert cursor_rows(surface, 3, 5, VGA_RGB[0xE]) == list(range(16))
    screen.cursor_start, screen.cursor_end = 0x0E, 0x0D  # start past end: the VGA shows none
    renderer.draw(screen, 0)
    assert cursor_rows(surface, 3, 5, VGA_RGB[0xE]) == []
    screen.cursor_start, screen.cursor_end, screen.cursor_visible = 6, 7, False
    renderer.draw(screen, 0)
    assert cursor_rows(surface, 3, 5, VGA_RGB[0xE]) == []


def test_only_changed_cells_are_redrawn():
    screen = FakeTextScreen(palette=VGA_RGB, cursor=(0, 0))
    renderer, _ = new_renderer()

    def drawn(frame):
        before = renderer.cells_drawn
        renderer.draw(screen, frame)
        return renderer.cells_drawn - before

    assert drawn(0) == 2000
    assert drawn(1) == 0 and renderer.draw(screen, 1) == []
    screen.put(10, 40, "x", 0x07)
    assert drawn(2) == 1
    screen.put(24, 79, "y", 0x07)
    screen.put(0, 10, "ab", 0x07)
    assert drawn(3) == 3
    screen.cursor_row, screen.cursor_col = 1, 1
    assert drawn(4) == 2  # old and new cursor cells
    assert drawn(window.CURSOR_BLINK_FRAMES) == 1  # cursor blinks off
    screen.put(5, 0, "abc", 0x87)
    assert drawn(window.CURSOR_BLINK_FRAMES + 1) == 3
    assert drawn(window.CHAR_BLINK_FRAMES + window.CURSOR_BLINK_FRAMES) == 3  # text blinks off


def test_changed_band_is_the_only_area_copied_to_the_surface():
    screen = FakeTextScreen(palette=VGA_RGB, cursor_visible=False)
    renderer, surface = new_renderer(scale=2)
    renderer.draw(screen, 0)
    surface.fill((1, 2, 3))  # anything the renderer does not copy again keeps this colour
    screen.put(3, 7, "Q", 0x0F)
    screen.put(4, 0, "R", 0x0F)
    rects = renderer.draw(screen, 1)
    assert [tuple(r) for r in rects] == [(0, 3 * 32, 1440, 2 * 32)]
    assert pixel(surface, 0, 3 * 32 - 1) == (1, 2, 3) and pixel(surface, 0, 5 * 32) == (1, 2, 3)
    check_cell(surface, 3, 7, ord("Q"), 0xF, 0x0, scale=2)
    check_cell(surface, 4, 0, ord("R"), 0xF, 0x0, scale=2)


def test_forty_columns_doubles_the_dots():
    screen = FakeTextScreen(cols=40, palette=VGA_RGB, cursor_visible=False)
    screen.put(0, 1, "W", 0x0F)
    renderer, surface = new_renderer(cols=40)
    renderer.draw(screen, 0)
    assert renderer.pixel_size(40, 25) == (720, 400)
    check_cell(surface, 0, 1, ord("W"), 0xF, 0x0, width=18)


# ---------------------------------------------------------------- the window


@pytest.fixture
def win(tmp_path):
    machine = FakeMachine(FakeTextScreen(palette=VGA_RGB))
    w = Window(machine, scale=1, pygame=pygame, screenshot_dir=str(tmp_path))
    w.open()
    yield w
    pygame.event.clear()


def key_event(kind, usage, key=0, mod=0):
    return pygame.event.Event(kind, key=key, scancode=usage, mod=mod)


def feed(win, *events):
    for e in events:
        pygame.event.post(e)
    for e in pygame.event.get():
        win.handle_event(e, 1.0)


def test_posted_key_events_reach_the_guest_as_set1(win):
    feed(win, key_event(pygame.KEYDOWN, 0x52, pygame.K_UP), key_event(pygame.KEYUP, 0x52, pygame.K_UP))
    feed(win, key_event(pygame.KEYDOWN, 0, pygame.K_KP_ENTER), key_event(pygame.KEYUP, 0, pygame.K_KP_ENTER))
    feed(win, key_event(pygame.KEYDOWN, 0, pygame.K_RALT), key_event(pygame.KEYUP, 0, pygame.K_RALT))
    feed(win, key_event(pygame.KEYDOWN, 0, pygame.K_a), key_event(pygame.KEYUP, 0, pygame.K_a))
    assert bytes(win.machine.sent) == b"\xe0\x48\xe0\xc8\xe0\x1c\xe0\x9c\xe0\x38\xe0\xb8\x1e\x9e"


def test_host_keys_do_not_reach_the_guest(win):
    ctrl_alt = pygame.KMOD_LCTRL | pygame.KMOD_LALT
    feed(win, key_event(pygame.KEYDOWN, 0x16, pygame.K_s, ctrl_alt), key_event(pygame.KEYUP, 0x16, pygame.K_s))
    shots = list(pygame.image.load(str(p)) for p in __import__("pathlib").Path(win.screenshot_dir).glob("*.png"))
    assert len(shots) == 1 and shots[0].get_size() == (720, 400)
    feed(win, key_event(pygame.KEYDOWN, 0x13, pygame.K_p, ctrl_alt))
    assert win.paused
    feed(win, key_event(pygame.KEYDOWN, 0x15, pygame.K_r, ctrl_alt))
    assert bytes(win.machine.sent) == b"\x1d\x38\xe0\x53\xe0\xd3\xb8\x9d"  # Ctrl+Alt+Del as a whole stroke
    feed(win, key_event(pygame.KEYDOWN, 0x14, pygame.K_q, ctrl_alt))
    assert win.quit
    win.update_title(100.0)
    title = pygame.display.get_caption()[0]
    assert "MIPS" in title and "paused" in title


def test_lock_keys_follow_the_host_until_the_guest_ignores_them(win):
    win.machine.leds = 0
    feed(win, key_event(pygame.KEYDOWN, 0x04, pygame.K_a, pygame.KMOD_CAPS))
    assert bytes(win.machine.sent) == b"\x3a\xba\x1e"
    win.machine.leds = 0x04  # the guest turned Caps Lock on
    del win.machine.sent[:]
    win.handle_event(key_event(pygame.KEYDOWN, 0x05, pygame.K_b, pygame.KMOD_CAPS), 3.0)
    assert bytes(win.machine.sent) == b"\x30"
    win.handle_event(key_event(pygame.KEYDOWN, 0x05, pygame.K_b, 0), 5.0)  # host turned it off
    win.machine.leds = 0x04
    win.handle_event(key_event(pygame.KEYDOWN, 0x05, pygame.K_b, 0), 7.0)  # guest LEDs never moved
    win.handle_event(key_event(pygame.KEYDOWN, 0x05, pygame.K_b, 0), 9.0)
    assert bytes(win.machine.sent) == b"\x30\x3a\xba\x30\x30\x30"


def test_run_returns_on_quit_and_times_out(win):
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    assert win.run() == 0
    from pcemu.errors import TimeoutExpired

    timed = Window(win.machine, scale=1, timeout=0.2, pygame=pygame)
    timed.open()
    with pytest.raises(TimeoutExpired, match="0.2 seconds"):
        timed.run()
    assert win.machine.icount > 0


def test_halted_guest_lets_the_window_sleep_until_the_next_frame(win):
    # The window owns its loop: it asks the machine how long it may wait, and waits itself.
    import time

    win.machine.halted = True
    win.next_frame = time.monotonic() + 0.2  # drawing may take a frame's time on a slow host
    win.frame_step()
    assert win.machine.sleep_asked > 0
    assert win.idle_seconds > 0


def test_window_that_cannot_open_is_a_usage_problem(monkeypatch):
    from pcemu.errors import UsageProblem

    def no_window(*args, **kwargs):
        raise pygame.error("No available video device")

    monkeypatch.setattr(pygame.display, "set_mode", no_window)
    with pytest.raises(UsageProblem, match=r"^cannot open a window \(No available video device\): "
                                           r"use --display=curses"):
        Window(FakeMachine(), pygame=pygame).open()


def test_title_names_the_image_and_the_state_once(win):
    import time

    win.update_title(time.monotonic())
    title = pygame.display.get_caption()[0]
    assert title.startswith("pcemu - freedos.img - "), title
    win.host_action("pause")
    win.update_title(time.monotonic() + 1)
    title = pygame.display.get_caption()[0]
    assert title.count("paused") == 1, title


def test_window_class_is_pcemu(win):
    import os

    assert os.environ["SDL_VIDEO_X11_WMCLASS"] == "pcemu"


def test_a_stopped_guest_stays_on_screen_until_the_window_closes(win):
    import time

    from pcemu.errors import GuestFault

    win.machine.screen.put(12, 0, "No bootable disk", 0x07)
    win.machine.fault = GuestFault("guest halted with interrupts disabled (BIOS: No bootable disk)", "AX=0000")
    for _ in range(3):
        win.next_frame = time.monotonic()
        win.frame_step()  # no exception: the window stays up
    assert win.fault is win.machine.fault
    win.update_title(time.monotonic() + 1)
    assert "No bootable disk" in pygame.display.get_caption()[0]
    shown = win.screenshot()
    assert pygame.image.load(shown).get_size() == win.surface.get_size()
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    with pytest.raises(GuestFault):
        win.run()
