"""The pygame window: the VGA's picture, and the host keyboard as the PC's keyboard.

Drawing follows the VGA in text mode: 9x16-dot cells (the 9th dot copies the
8th for the line-drawing codes C0h-DFh), 40-column modes drawn with doubled
dots, the 16-colour palette the guest programmed, attribute bit 7 as blink
or as the bright-background bit, and the CRTC cursor blinking every 16
frames. Each frame only the cells that changed are redrawn, from glyph
images made once per (code, foreground, background).

Graphics modes are drawn from the VGA's scan-out (``vga_scanout``): one byte
per pixel as an 8-bit surface whose palette is the DAC, scaled by pygame to
the raster a VGA monitor shows (320x200 as 640x400, 640x200 line-doubled,
640x350 and 640x480 as they are), so palette changes show at the next frame.
A frame is redrawn only when the VGA's registers or its A0000h window were
written (or, in the CGA modes, the bytes at B8000h changed). No cursor is
drawn in graphics modes, as on the VGA.

The emulation runs between frames (60 per second). While the guest halts,
the wait for its next timer is cut short at the next frame, so input is
never more than a frame late.

Host keys (never sent to the guest) are Ctrl+Alt plus a letter; the title
bar lists them and shows the image, the emulated speed and the state. When
the guest stops for good (no bootable disk, halted with interrupts off) the
window stays up showing the screen, as a PC would, with the reason in the
title; closing it then ends the run with the guest-fault status.
"""

import os
import time

from ..errors import GuestFault, TimeoutExpired, UsageProblem
from .font import CELL_WIDTH, GLYPH_HEIGHT, cell_rows, load_font
from .keyboard import (LOCK_USAGE, LOCK_USAGES, KeyboardState, guest_leds, lock_toggles_needed,
                       press_and_release, usage_from_sdl)

FRAME_RATE = 60
CURSOR_BLINK_FRAMES = 16  # VGA: cursor on 16 frames, off 16
CHAR_BLINK_FRAMES = 32  # VGA: blinking characters change at half the cursor's rate
TITLE_INTERVAL = 0.5  # seconds between title (speed) updates
GLYPH_CACHE_LIMIT = 4096
# Drawing may take at most this share of host time: when the guest rewrites the whole
# screen every frame (scrolling), frames are skipped instead of slowing the emulation.
RENDER_SHARE = 0.05

# Ctrl+Alt + the key at this US position (HID usage) -> action.
HOST_KEYS = {
    0x0A: "release",  # G
    0x09: "fullscreen",  # F
    0x16: "screenshot",  # S
    0x19: "paste",  # V
    0x15: "ctrl_alt_del",  # R
    0x13: "pause",  # P
    0x14: "quit",  # Q
    0x07: "monitor",  # D
    0x1A: "save_state",  # W: write the machine state (with --save-state=FILE)
}
HOST_KEY_HELP = ("Ctrl+Alt+ G release, F full screen, S screenshot, V paste, R Ctrl+Alt+Del, P pause, Q quit, "
                 "W save state, D debugger monitor")
WINDOW_CLASS = "pcemu"  # X11 WM_CLASS, for window managers and task bars

DEFAULT_PALETTE = (
    (0x00, 0x00, 0x00), (0x00, 0x00, 0xAA), (0x00, 0xAA, 0x00), (0x00, 0xAA, 0xAA),
    (0xAA, 0x00, 0x00), (0xAA, 0x00, 0xAA), (0xAA, 0x55, 0x00), (0xAA, 0xAA, 0xAA),
    (0x55, 0x55, 0x55), (0x55, 0x55, 0xFF), (0x55, 0xFF, 0x55), (0x55, 0xFF, 0xFF),
    (0xFF, 0x55, 0x55), (0xFF, 0x55, 0xFF), (0xFF, 0xFF, 0x55), (0xFF, 0xFF, 0xFF),
)


def import_pygame():
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    return pygame


def dot_width(cols):
    """Horizontal dot doubling: 40-column modes halve the dot clock and fill the same width."""
    return 2 if cols <= 40 else 1


class TextRenderer:
    """Draws text screens onto a pygame surface, redrawing only the cells that changed.

    Cells are composed in a one-dot-per-pixel RGB frame buffer in Python, then the changed
    band of rows goes to the surface (scaled) in one call: on PyPy a call into pygame costs
    more than composing a whole cell, so a blit per cell would make scrolling slow."""

    def __init__(self, pygame, surface, glyphs, scale=1, origin=(0, 0)):
        self.pg = pygame
        self.surface = surface
        self.glyphs = glyphs
        self.scale = scale
        self.origin = origin
        self.cache = {}
        self.cells_drawn = 0  # since creation: tests count redraws with it
        self.frame_buffer = None
        self._prev_cells = None
        self._prev_geometry = None
        self._prev_palette = None
        self._prev_blink_mode = None
        self._prev_char_phase = None
        self._prev_cursor = None  # (row, col, start, end) while shown, else None

    def cell_size(self, cols):
        return CELL_WIDTH * dot_width(cols) * self.scale, GLYPH_HEIGHT * self.scale

    def pixel_size(self, cols, rows):
        w, h = self.cell_size(cols)
        return cols * w, rows * h

    def invalidate(self):
        """Forget what is on the surface: the next draw repaints every cell."""
        self._prev_cells = None

    def _glyph_rows(self, code, fg_rgb, bg_rgb, dots_wide):
        """The 16 scanlines of a cell as RGB bytes, made once per (code, colours, width)."""
        key = (code, fg_rgb, bg_rgb, dots_wide)
        rows = self.cache.get(key)
        if rows is None:
            if len(self.cache) >= GLYPH_CACHE_LIMIT:
                self.cache.clear()  # a guest cycling through colours must not grow it without end
            fg = bytes(fg_rgb) * dots_wide
            bg = bytes(bg_rgb) * dots_wide
            rows = []
            for dots in cell_rows(self.glyphs, code):
                line = bytearray()
                for bit in range(CELL_WIDTH - 1, -1, -1):
                    line += fg if (dots >> bit) & 1 else bg
                rows.append(bytes(line))
            rows = tuple(rows)
            self.cache[key] = rows
        return rows

    def draw(self, screen, frame):
        """Bring the surface up to date with ``screen`` (a VGA text_screen()) at frame number
        ``frame`` (for blinking). Returns the list of changed rectangles on the surface."""
        cols, rows, cells = screen.cols, screen.rows, screen.cells
        palette = tuple(tuple(c) for c in (getattr(screen, "palette", None) or DEFAULT_PALETTE))
        blink_mode = bool(getattr(screen, "blink_enabled", True))
        char_phase = (frame // CHAR_BLINK_FRAMES) & 1 == 0
        cursor = None
        if (screen.cursor_visible and (frame // CURSOR_BLINK_FRAMES) & 1 == 0
                and 0 <= screen.cursor_row < rows and 0 <= screen.cursor_col < cols):
            start, end = screen.cursor_start, min(screen.cursor_end, GLYPH_HEIGHT - 1)
            if start <= end:
                cursor = (screen.cursor_row, screen.cursor_col, start, end)

        ncells = cols * rows
        dots_wide = dot_width(cols)
        cell_w = CELL_WIDTH * dots_wide
        width, height = cols * cell_w, rows * GLYPH_HEIGHT
        full = (self._prev_cells is None or (cols, rows) != self._prev_geometry
                or palette != self._prev_palette or blink_mode != self._prev_blink_mode)
        if full:
            dirty = range(ncells)
            self.frame_buffer = bytearray(width * height * 3)
        else:
            dirty = set()
            prev = self._prev_cells
            if cells != prev:
                stride = cols * 2
                for r in range(rows):
                    a = r * stride
                    if cells[a:a + stride] != prev[a:a + stride]:
                        for i in range(a, a + stride, 2):
                            if cells[i] != prev[i] or cells[i + 1] != prev[i + 1]:
                                dirty.add(i >> 1)
            if blink_mode and char_phase != self._prev_char_phase:
                for i in range(1, ncells * 2, 2):
                    if cells[i] & 0x80:
                        dirty.add(i >> 1)
            if cursor != self._prev_cursor:
                for c in (cursor, self._prev_cursor):
                    if c is not None and c[0] < rows and c[1] < cols:
                        dirty.add(c[0] * cols + c[1])

        rects = []
        if dirty:
            fb = self.frame_buffer
            line_bytes = width * 3
            cell_bytes = cell_w * 3
            glyph_rows = self._glyph_rows
            top, bottom = rows, -1
            for index in dirty:
                code = cells[index * 2]
                attr = cells[index * 2 + 1]
                fg = attr & 0x0F
                if blink_mode:
                    bg = (attr >> 4) & 0x07
                    if attr & 0x80 and not char_phase:
                        fg = bg
                else:
                    bg = attr >> 4
                row = index // cols
                at = row * GLYPH_HEIGHT * line_bytes + (index - row * cols) * cell_bytes
                for line in glyph_rows(code, palette[fg], palette[bg], dots_wide):
                    fb[at:at + cell_bytes] = line
                    at += line_bytes
                if row < top:
                    top = row
                if row > bottom:
                    bottom = row
            self.cells_drawn += len(dirty)
            if cursor is not None and cursor[0] * cols + cursor[1] in dirty:
                row, col, start, end = cursor
                # The cursor takes the cell's foreground colour, even while blinking text is off.
                bar = bytes(palette[cells[(row * cols + col) * 2 + 1] & 0x0F]) * cell_w
                at = (row * GLYPH_HEIGHT + start) * line_bytes + col * cell_bytes
                for _ in range(end - start + 1):
                    fb[at:at + cell_bytes] = bar
                    at += line_bytes
            rects.append(self._present(width, height, top * GLYPH_HEIGHT, (bottom + 1) * GLYPH_HEIGHT))

        self._prev_cells = bytes(cells)
        self._prev_geometry = (cols, rows)
        self._prev_palette = palette
        self._prev_blink_mode = blink_mode
        self._prev_char_phase = char_phase
        self._prev_cursor = cursor
        return rects

    def _present(self, width, height, y0, y1):
        """Copy frame-buffer lines y0..y1 to the surface; returns the surface rectangle."""
        pg = self.pg
        image = pg.image.frombuffer(self.frame_buffer, (width, height), "RGB")
        band = pg.Rect(0, y0, width, y1 - y0)
        ox, oy = self.origin
        s = self.scale
        if s == 1:
            self.surface.blit(image, (ox, oy + y0), band)
        else:
            scaled = pg.transform.scale(image.subsurface(band), (width * s, (y1 - y0) * s))
            self.surface.blit(scaled, (ox, oy + y0 * s))
        return pg.Rect(ox, oy + y0 * s, width * s, (y1 - y0) * s)


class GraphicsRenderer:
    """Draws a VGA graphics frame (a ``vga_scanout.GraphicsFrame``) onto a pygame surface."""

    def __init__(self, pygame, surface, scale=1, origin=(0, 0)):
        self.pg = pygame
        self.surface = surface
        self.scale = scale
        self.origin = origin
        self.frames_drawn = 0  # since creation: tests count redraws with it

    def invalidate(self):
        pass  # each draw repaints the whole picture

    def draw(self, frame):
        pg = self.pg
        image = pg.image.frombuffer(frame.pixels, (frame.width, frame.height), "P")
        image.set_palette(frame.palette)
        size = (frame.width * frame.xscale * self.scale, frame.height * self.scale)
        self.surface.blit(pg.transform.scale(image, size), self.origin)
        self.frames_drawn += 1
        return [pg.Rect(self.origin, size)]


def _window_error(e):
    return UsageProblem("cannot open a window (%s): use --display=curses, or --display=none "
                        "--serial=stdio" % (str(e) or type(e).__name__))


class Window:
    """One window on one machine. ``run()`` returns when the user quits or closes it."""

    def __init__(self, machine, scale=None, timeout=None, pygame=None, screenshot_dir=".", state_path=None):
        self.machine = machine
        self.state_path = state_path
        self.requested_scale = scale
        self.timeout = timeout
        self.screenshot_dir = screenshot_dir
        self.pg = pygame if pygame is not None else import_pygame()
        self.glyphs = load_font()
        self.keyboard = KeyboardState(machine.send_scancodes)
        self.frame = 0
        self.paused = False
        self.quit = False
        self.fault = None  # the GuestFault that stopped the guest; the window stays up showing it
        self.fullscreen = False
        self.grabbed = False
        self.swallowed = set()  # usages of host-key presses whose release must not reach the guest
        self.last_lock_sent = -10.0
        self.lock_sync = True
        self.leds_after_toggle = None
        self.message = ""
        self.message_until = 0.0
        self.next_frame = 0.0
        self.render_due = 0.0
        self.idle_seconds = 0.0
        self.renderer = None
        self.surface = None
        self._geometry = None
        self._graphics_key = None
        self._title_time = 0.0
        self._title_icount = 0
        self._title_idle = 0.0
        self._title = None

    # ------------------------------------------------------------------ display
    def open(self):
        pg = self.pg
        # SDL reads these when it creates the window: the X11 class and the Wayland app id
        # (pygame's import sets the X11 one to the script's name: "__main__.py").
        os.environ["SDL_VIDEO_X11_WMCLASS"] = WINDOW_CLASS
        os.environ["SDL_VIDEO_WAYLAND_WMCLASS"] = WINDOW_CLASS
        try:
            pg.display.init()
            screen = self.machine.text_screen()
            self._open_display(screen.cols, screen.rows)
        except pg.error as e:
            pg.display.quit()
            raise _window_error(e)
        pg.key.set_repeat()  # the keyboard's own typematic repeat is modelled in KeyboardState
        try:
            pg.scrap.init()
        except (pg.error, AttributeError):
            pass  # no clipboard: paste says so when used

    def _desktop_size(self):
        pg = self.pg
        try:
            sizes = pg.display.get_desktop_sizes()
            if sizes:
                return sizes[0]
        except (AttributeError, pg.error):
            pass
        info = pg.display.Info()
        return info.current_w, info.current_h

    def _fit_scale(self, width, height, area):
        return max(1, min(int(area[0] // width), int(area[1] // height)))

    def _open_display(self, cols, rows):
        base_w = cols * CELL_WIDTH * dot_width(cols)
        base_h = rows * GLYPH_HEIGHT
        scale, origin = self._open_surface(base_w, base_h)
        self.renderer = TextRenderer(self.pg, self.surface, self.glyphs, scale, origin)
        self._geometry = (cols, rows)
        self.pg.display.flip()

    def _open_graphics(self, width, height):
        scale, origin = self._open_surface(width, height)
        self.renderer = GraphicsRenderer(self.pg, self.surface, scale, origin)
        self._geometry = ("graphics", width, height)
        self._graphics_key = None
        self.pg.display.flip()

    def _open_surface(self, base_w, base_h):
        """Size the window (or the full screen) for a ``base_w`` x ``base_h`` picture:
        returns (scale, origin of the picture)."""
        pg = self.pg
        if self.fullscreen:
            size = self._desktop_size()
            scale = self._fit_scale(base_w, base_h, size)
            self.surface = pg.display.set_mode(size, pg.FULLSCREEN)
            origin = ((size[0] - base_w * scale) // 2, (size[1] - base_h * scale) // 2)
        else:
            if self.requested_scale:
                scale = self.requested_scale
            else:
                desk = self._desktop_size()
                scale = self._fit_scale(base_w, base_h, (desk[0] * 0.9, desk[1] * 0.9))
            self.surface = pg.display.set_mode((base_w * scale, base_h * scale))
            origin = (0, 0)
        self.surface.fill((0, 0, 0))
        return scale, origin

    def render(self):
        """Draw the current frame; returns the number of cells (graphics: frames) redrawn."""
        machine = self.machine
        if getattr(machine, "in_graphics_mode", bool)():
            return self._render_graphics(machine)
        screen = machine.text_screen()
        if (screen.cols, screen.rows) != self._geometry:
            self._open_display(screen.cols, screen.rows)
        before = self.renderer.cells_drawn
        rects = self.renderer.draw(screen, self.frame)
        if rects:
            self.pg.display.update(rects)
        return self.renderer.cells_drawn - before

    def _render_graphics(self, machine):
        key = machine.picture_key()
        if self._geometry and self._geometry[0] == "graphics" and key == self._graphics_key:
            return 0
        frame = machine.graphics_frame()
        size = (frame.width * frame.xscale, frame.height)
        if self._geometry != ("graphics",) + size:
            self._open_graphics(*size)
        self._graphics_key = key
        self.pg.display.update(self.renderer.draw(frame))
        return 1

    def screenshot(self, path=None):
        if path is None:
            name = time.strftime("pcemu-%Y%m%d-%H%M%S.png")
            path = os.path.join(self.screenshot_dir, name)
        self.pg.image.save(self.surface, path)
        return path

    def toggle_fullscreen(self):
        self.fullscreen = not self.fullscreen
        if self._geometry[0] == "graphics":
            self._open_graphics(*self._geometry[1:])
        else:
            self._open_display(*self._geometry)

    def set_grab(self, on):
        pg = self.pg
        pg.event.set_grab(on)
        if hasattr(pg.event, "set_keyboard_grab"):
            pg.event.set_keyboard_grab(on)
        self.grabbed = on

    # ------------------------------------------------------------------ title
    def notify(self, text, seconds=3.0):
        self.message = text
        self.message_until = time.monotonic() + seconds
        self._title_time = 0.0  # show it now

    def update_title(self, now):
        if now - self._title_time < TITLE_INTERVAL:
            return
        icount = self.machine.icount
        elapsed = now - self._title_time if self._title_time else 0.0
        mips = (icount - self._title_icount) / elapsed / 1e6 if elapsed > 0 else 0.0
        idle_share = (self.idle_seconds - self._title_idle) / elapsed if elapsed > 0 else 0.0
        self._title_time, self._title_icount, self._title_idle = now, icount, self.idle_seconds
        parts = ["pcemu"] + [os.path.basename(path) for _, path in self.machine.drives()]
        if self.fault is not None:
            parts += ["stopped", self.fault.message + " (close the window to end)"]
            title = " - ".join(parts)
            if title != self._title:
                self.pg.display.set_caption(title)
                self._title = title
            return
        if self.paused:
            state = "paused"
        elif self.machine.halted or idle_share > 0.5:
            state = "idle"
        else:
            state = "running"
        parts += ["%.2f MIPS" % mips, state]
        if self.grabbed:
            parts.append("keyboard grabbed")
        if self.message and now < self.message_until and self.message != state:
            parts.append(self.message)
        else:
            parts.append(HOST_KEY_HELP)
        title = " - ".join(parts)
        if title != self._title:
            self.pg.display.set_caption(title)
            self._title = title

    # ------------------------------------------------------------------ input
    def _host_locks(self, mods):
        pg = self.pg
        locks = {"caps": bool(mods & pg.KMOD_CAPS), "num": bool(mods & pg.KMOD_NUM)}
        scroll = getattr(pg, "KMOD_SCROLL", 0)
        if scroll:
            locks["scroll"] = bool(mods & scroll)
        return locks

    def _sync_locks(self, mods, now):
        # Only once the guest has had time to act on the last lock key we sent: until then
        # its LEDs lag behind and we would toggle twice.
        if not self.lock_sync or now - self.last_lock_sent < 0.5:
            return
        leds = guest_leds(self.machine)
        if self.leds_after_toggle is not None and leds == self.leds_after_toggle:
            # The guest took our toggle without moving its LEDs: it does not drive them, so
            # they cannot tell its lock state; stop before we flip its locks on every key.
            self.lock_sync = False
            return
        self.leds_after_toggle = None
        for lock in lock_toggles_needed(self._host_locks(mods), leds):
            self.machine.send_scancodes(press_and_release(LOCK_USAGE[lock]))
            self.last_lock_sent = now
            self.leds_after_toggle = leds

    def handle_event(self, event, now):
        pg = self.pg
        kind = event.type
        if kind == pg.QUIT:
            self.quit = True
        elif kind == pg.KEYDOWN:
            usage = usage_from_sdl(getattr(event, "scancode", 0), event.key)
            if usage is None:
                return
            mods = getattr(event, "mod", 0)
            if usage in HOST_KEYS and mods & pg.KMOD_CTRL and mods & pg.KMOD_ALT:
                self.swallowed.add(usage)
                self.host_action(HOST_KEYS[usage])
                return
            if usage in LOCK_USAGES:
                self.last_lock_sent = now
            else:
                self._sync_locks(mods, now)
            self.keyboard.key_down(usage, now)
        elif kind == pg.KEYUP:
            usage = usage_from_sdl(getattr(event, "scancode", 0), event.key)
            if usage is None:
                return
            if usage in self.swallowed:
                self.swallowed.discard(usage)
                return
            self.keyboard.key_up(usage, now)
        elif kind == pg.MOUSEBUTTONDOWN:
            if not self.grabbed:
                self.set_grab(True)
                self.notify("keyboard grabbed: Ctrl+Alt+G releases it")
        elif kind == getattr(pg, "WINDOWFOCUSLOST", -1):
            self.keyboard.release_all(now)
        elif kind in (getattr(pg, "WINDOWEXPOSED", -1), getattr(pg, "VIDEOEXPOSE", -1)):
            self.renderer.invalidate()
            self._graphics_key = None

    def host_action(self, action):
        pg = self.pg
        if action == "quit":
            self.quit = True
        elif action == "pause":
            self.paused = not self.paused
            self.notify("paused" if self.paused else "resumed")
        elif action == "release":
            self.set_grab(False)
            self.notify("keyboard released")
        elif action == "fullscreen":
            self.toggle_fullscreen()
        elif action == "screenshot":
            try:
                self.notify("saved " + self.screenshot())
            except (pg.error, OSError) as e:
                self.notify("screenshot failed: %s" % e)
        elif action == "ctrl_alt_del":
            # Ctrl and Alt are already down in the guest: they came through as the user pressed them.
            self.machine.send_scancodes(press_and_release(0x4C, ctrl=True, alt=True))
        elif action == "paste":
            self.paste()
        elif action == "monitor":
            # The guest stops at the next instruction; the monitor takes over the terminal
            # (or its --monitor connection) until it is told to continue.
            self.set_grab(False)
            self.machine.debug_pause()
        elif action == "save_state":
            self.save_state()

    def save_state(self):
        if not self.state_path:
            self.notify("no state file: start pcemu with --save-state=FILE")
            return
        from ..state import StateError

        try:
            self.machine.save_state(self.state_path)
            self.notify("state saved to %s" % self.state_path)
        except StateError as e:
            self.notify("state not saved: %s" % e)

    def paste(self):
        text = self.clipboard_text()
        if not text:
            self.notify("clipboard empty or unavailable")
            return
        typeable = "".join(ch for ch in text.replace("\r\n", "\r") if ch == "\r" or ch == "\n" or ch == "\t"
                           or " " <= ch <= "~")
        self.machine.type_text(typeable)
        self.notify("pasting %d characters" % len(typeable))

    def clipboard_text(self):
        pg = self.pg
        try:
            if not pg.scrap.get_init():
                pg.scrap.init()
            for kind in ("text/plain;charset=utf-8", pg.SCRAP_TEXT):
                data = pg.scrap.get(kind)
                if data:
                    if isinstance(data, bytes):
                        data = data.decode("utf-8", "replace")
                    return data.rstrip("\x00")
        except (pg.error, AttributeError, NotImplementedError):
            return ""
        return ""

    # ------------------------------------------------------------------ running

    def frame_step(self):
        """One frame: host input, drawing, then the emulation until the next frame is due."""
        now = time.monotonic()
        for event in self.pg.event.get():
            self.handle_event(event, now)
        self.keyboard.tick(now)
        if now >= self.render_due:
            self.render()
            cost = time.monotonic() - now
            self.render_due = now + cost / RENDER_SHARE
        self.update_title(now)
        self.frame += 1
        self.next_frame += 1.0 / FRAME_RATE
        if self.next_frame < now:
            self.next_frame = now + 1.0 / FRAME_RATE  # fell behind: drop frames rather than race
        if self.paused or self.quit or self.fault is not None:
            wait = self.next_frame - time.monotonic()
            if wait > 0 and not self.quit:
                time.sleep(wait)
            return
        machine = self.machine
        while True:
            left = self.next_frame - time.monotonic()
            if left <= 0:
                break
            try:
                machine.step_quantum(sleep=False)
            except GuestFault as e:
                self.fault = e
                self._title_time = 0.0
                return
            # The guest waits for a timer: sleep, but no later than the next frame (input, drawing).
            wait = machine.sleep_duration(left)
            if wait > 0:
                time.sleep(wait)
                self.idle_seconds += wait

    def run(self):
        start = time.monotonic()
        deadline = None if self.timeout is None else start + self.timeout
        self.next_frame = start
        try:
            while not self.quit:
                if deadline is not None and time.monotonic() >= deadline:
                    raise TimeoutExpired("timeout: stopped after %g seconds" % self.timeout)
                self.frame_step()
        except self.pg.error as e:
            raise _window_error(e)
        if self.fault is not None:
            raise self.fault  # the command line reports it (one line, registers, status 3)
        return 0

    def close(self):
        try:
            self.pg.display.quit()
        except self.pg.error:
            pass


def run_window(machine, scale=None, timeout=None, state_path=None):
    """The CLI's entry point: open the window, run until the user quits, return the exit status."""
    if scale is not None and scale < 1:
        raise UsageProblem("--scale must be at least 1")
    try:
        pg = import_pygame()
    except ImportError as e:
        raise UsageProblem("the window needs pygame (%s): pip install 'pcemu[display]', or use "
                           "--display=curses or --display=none --serial=stdio" % e)
    window = Window(machine, scale=scale, timeout=timeout, pygame=pg, state_path=state_path)
    window.open()
    try:
        return window.run()
    finally:
        window.close()
