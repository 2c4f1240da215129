"""Host keyboard -> the bytes a PC keyboard sends in scancode set 1.

Both front ends name host keys by USB HID usage ID (the "keyboard/keypad"
page). SDL's scancodes, and so pygame's ``event.scancode``, are exactly these
IDs, and they name a *physical position* on a US keyboard: the guest sees the
key at that position whatever the host's layout is, as with a real keyboard
plugged into a PC running DOS's US layout.

``KeyboardState`` then behaves like the keyboard's own microcontroller: it
knows which keys are down, so Print Screen and Pause send the variants a
real keyboard sends when Shift, Ctrl or Alt are held, and it generates the
typematic repeat (the make code again after 500 ms, then at 10.9 per second,
for the key pressed last) since host key repeat is switched off.

Not modelled: the "fake shift" bytes (E0 2A / E0 AA) real keyboards wrap
around the grey navigation keys when NumLock or Shift is on. The BIOS tells
these keys apart by their E0 prefix and ignores fake shifts anyway.
"""

# HID usage -> set-1 make code (bytes). Break codes are derived: the last byte
# with bit 7 set, keeping an E0 prefix.
SET1_MAKE = {
    0x04: b"\x1e", 0x05: b"\x30", 0x06: b"\x2e", 0x07: b"\x20", 0x08: b"\x12",  # a b c d e
    0x09: b"\x21", 0x0A: b"\x22", 0x0B: b"\x23", 0x0C: b"\x17", 0x0D: b"\x24",  # f g h i j
    0x0E: b"\x25", 0x0F: b"\x26", 0x10: b"\x32", 0x11: b"\x31", 0x12: b"\x18",  # k l m n o
    0x13: b"\x19", 0x14: b"\x10", 0x15: b"\x13", 0x16: b"\x1f", 0x17: b"\x14",  # p q r s t
    0x18: b"\x16", 0x19: b"\x2f", 0x1A: b"\x11", 0x1B: b"\x2d", 0x1C: b"\x15",  # u v w x y
    0x1D: b"\x2c",  # z
    0x1E: b"\x02", 0x1F: b"\x03", 0x20: b"\x04", 0x21: b"\x05", 0x22: b"\x06",  # 1-5
    0x23: b"\x07", 0x24: b"\x08", 0x25: b"\x09", 0x26: b"\x0a", 0x27: b"\x0b",  # 6-0
    0x28: b"\x1c", 0x29: b"\x01", 0x2A: b"\x0e", 0x2B: b"\x0f", 0x2C: b"\x39",  # Enter Esc BS Tab Space
    0x2D: b"\x0c", 0x2E: b"\x0d", 0x2F: b"\x1a", 0x30: b"\x1b", 0x31: b"\x2b",  # - = [ ] backslash
    0x32: b"\x2b",  # the 102-key keyboard's key left of Enter (same position code as backslash)
    0x33: b"\x27", 0x34: b"\x28", 0x35: b"\x29", 0x36: b"\x33", 0x37: b"\x34",  # ; ' ` , .
    0x38: b"\x35", 0x39: b"\x3a",  # / CapsLock
    0x3A: b"\x3b", 0x3B: b"\x3c", 0x3C: b"\x3d", 0x3D: b"\x3e", 0x3E: b"\x3f",  # F1-F5
    0x3F: b"\x40", 0x40: b"\x41", 0x41: b"\x42", 0x42: b"\x43", 0x43: b"\x44",  # F6-F10
    0x44: b"\x57", 0x45: b"\x58",  # F11 F12
    0x46: b"\xe0\x37",  # Print Screen (plain form; see KeyboardState)
    0x47: b"\x46",  # Scroll Lock
    0x48: b"\xe1\x1d\x45\xe1\x9d\xc5",  # Pause (make and break in one, no break on release)
    0x49: b"\xe0\x52", 0x4A: b"\xe0\x47", 0x4B: b"\xe0\x49",  # Insert Home PgUp
    0x4C: b"\xe0\x53", 0x4D: b"\xe0\x4f", 0x4E: b"\xe0\x51",  # Delete End PgDn
    0x4F: b"\xe0\x4d", 0x50: b"\xe0\x4b", 0x51: b"\xe0\x50", 0x52: b"\xe0\x48",  # Right Left Down Up
    0x53: b"\x45",  # Num Lock
    0x54: b"\xe0\x35", 0x55: b"\x37", 0x56: b"\x4a", 0x57: b"\x4e", 0x58: b"\xe0\x1c",  # KP / * - + Enter
    0x59: b"\x4f", 0x5A: b"\x50", 0x5B: b"\x51", 0x5C: b"\x4b", 0x5D: b"\x4c",  # KP 1-5
    0x5E: b"\x4d", 0x5F: b"\x47", 0x60: b"\x48", 0x61: b"\x49", 0x62: b"\x52",  # KP 6-9 0
    0x63: b"\x53",  # KP .
    0x64: b"\x56",  # the 102-key keyboard's extra key left of Z
    0x65: b"\xe0\x5d",  # Application (menu)
    0xE0: b"\x1d", 0xE1: b"\x2a", 0xE2: b"\x38", 0xE3: b"\xe0\x5b",  # LCtrl LShift LAlt LWin
    0xE4: b"\xe0\x1d", 0xE5: b"\x36", 0xE6: b"\xe0\x38", 0xE7: b"\xe0\x5c",  # RCtrl RShift RAlt RWin
}

# Usages of keys the front ends refer to by name.
USAGE = {
    "a": 0x04, "c": 0x06, "enter": 0x28, "esc": 0x29, "backspace": 0x2A, "tab": 0x2B, "space": 0x2C,
    "capslock": 0x39, "f1": 0x3A, "prtsc": 0x46, "scrolllock": 0x47, "pause": 0x48,
    "insert": 0x49, "home": 0x4A, "pgup": 0x4B, "delete": 0x4C, "end": 0x4D, "pgdn": 0x4E,
    "right": 0x4F, "left": 0x50, "down": 0x51, "up": 0x52, "numlock": 0x53,
    "kp_divide": 0x54, "kp_enter": 0x58,
    "lctrl": 0xE0, "lshift": 0xE1, "lalt": 0xE2, "rctrl": 0xE4, "rshift": 0xE5, "ralt": 0xE6,
}
for _n in range(12):
    USAGE["f%d" % (_n + 1)] = 0x3A + _n if _n < 10 else 0x44 + _n - 10
del _n

SHIFT_USAGES = (0xE1, 0xE5)
CTRL_USAGES = (0xE0, 0xE4)
ALT_USAGES = (0xE2, 0xE6)
LOCK_USAGES = {0x39: "caps", 0x53: "num", 0x47: "scroll"}

# 8042 "set LEDs" (EDh) argument bits, as the guest last set them.
LED_SCROLL = 0x01
LED_NUM = 0x02
LED_CAPS = 0x04
LED_FOR_LOCK = {"scroll": LED_SCROLL, "num": LED_NUM, "caps": LED_CAPS}

TYPEMATIC_DELAY = 0.5  # seconds: the PC keyboard's power-on default
TYPEMATIC_PERIOD = 1.0 / 10.9

# US layout: character -> (usage, shift held).
US_CHARS = {}
for _i, _c in enumerate("abcdefghijklmnopqrstuvwxyz"):
    US_CHARS[_c] = (0x04 + _i, False)
    US_CHARS[_c.upper()] = (0x04 + _i, True)
for _i, (_plain, _shifted) in enumerate(zip("1234567890", "!@#$%^&*()")):
    US_CHARS[_plain] = (0x1E + _i, False)
    US_CHARS[_shifted] = (0x1E + _i, True)
for _usage, _plain, _shifted in ((0x2D, "-", "_"), (0x2E, "=", "+"), (0x2F, "[", "{"), (0x30, "]", "}"),
                                 (0x31, "\\", "|"), (0x33, ";", ":"), (0x34, "'", '"'),
                                 (0x35, "`", "~"), (0x36, ",", "<"), (0x37, ".", ">"), (0x38, "/", "?")):
    US_CHARS[_plain] = (_usage, False)
    US_CHARS[_shifted] = (_usage, True)
US_CHARS[" "] = (0x2C, False)
US_CHARS["\r"] = (0x28, False)
US_CHARS["\n"] = (0x28, False)
US_CHARS["\t"] = (0x2B, False)
US_CHARS["\b"] = (0x2A, False)
US_CHARS["\x1b"] = (0x29, False)
del _i, _c, _plain, _shifted, _usage

# SDL keycodes of keys without a character are their scancode with this bit set.
SDL_SCANCODE_MASK = 1 << 30


def make_code(usage):
    return SET1_MAKE[usage]


def break_code(usage):
    """What releasing the key sends (b"" for Pause, whose make already contains its break)."""
    make = SET1_MAKE[usage]
    if usage == 0x48:
        return b""
    return make[:-1] + bytes([make[-1] | 0x80])


def press_and_release(usage, shift=False, ctrl=False, alt=False):
    """One key stroke with modifiers held around it (the left-hand modifier keys)."""
    before = b""
    after = b""
    for held, usage_held in ((ctrl, 0xE0), (alt, 0xE2), (shift, 0xE1)):
        if held:
            before += make_code(usage_held)
            after = break_code(usage_held) + after
    return before + make_code(usage) + break_code(usage) + after


def char_to_scancodes(ch):
    """A US-layout character as a complete key stroke, or None if no key types it.
    Control characters 01h-1Ah come out as Ctrl+letter."""
    if ch in US_CHARS:
        usage, shift = US_CHARS[ch]
        return press_and_release(usage, shift=shift)
    code = ord(ch)
    if 1 <= code <= 26:
        return press_and_release(0x03 + code, ctrl=True)
    return None


def usage_from_sdl(scancode, keycode):
    """The HID usage for an SDL key event, or None. The scancode is the physical key;
    the keycode is a fallback for events that carry none (some synthetic ones)."""
    if scancode and scancode in SET1_MAKE:
        return scancode
    if keycode & SDL_SCANCODE_MASK:
        usage = keycode & ~SDL_SCANCODE_MASK
        return usage if usage in SET1_MAKE else None
    if 0 < keycode < 0x80:
        entry = US_CHARS.get(chr(keycode))
        if entry is not None:
            return entry[0]
        if keycode == 0x7F:
            return 0x4C  # SDLK_DELETE is ASCII DEL
    return None


class KeyboardState:
    """Turns key-down/key-up of host keys into set-1 bytes, the way the PC keyboard would."""

    def __init__(self, send):
        self.send = send  # callable(bytes)
        self.down = []  # usages held, in press order
        self.repeat_usage = None
        self.next_repeat = 0.0

    def _held(self, usages):
        return any(u in self.down for u in usages)

    def _make_for(self, usage):
        if usage == 0x46:  # Print Screen
            if self._held(ALT_USAGES):
                return b"\x54"  # SysRq
            if self._held(SHIFT_USAGES) or self._held(CTRL_USAGES):
                return b"\xe0\x37"
            return b"\xe0\x2a\xe0\x37"
        if usage == 0x48 and self._held(CTRL_USAGES):
            return b"\xe0\x46\xe0\xc6"  # Ctrl+Pause is Break
        return SET1_MAKE[usage]

    def _break_for(self, usage):
        if usage == 0x46:
            if self._held(ALT_USAGES):
                return b"\xd4"
            if self._held(SHIFT_USAGES) or self._held(CTRL_USAGES):
                return b"\xe0\xb7"
            return b"\xe0\xb7\xe0\xaa"
        return break_code(usage)

    def key_down(self, usage, now):
        if usage not in SET1_MAKE:
            return
        self.send(self._make_for(usage))
        if usage not in self.down:
            self.down.append(usage)
        if usage == 0x48:
            self.repeat_usage = None  # Pause does not repeat
        else:
            self.repeat_usage = usage
            self.next_repeat = now + TYPEMATIC_DELAY

    def key_up(self, usage, now):
        if usage not in self.down:
            return  # pressed before we had focus: the guest never saw its make code
        self.down.remove(usage)
        data = self._break_for(usage)
        if data:
            self.send(data)
        if self.repeat_usage == usage:
            self.repeat_usage = None

    def release_all(self, now):
        """Focus left the window: let go of everything so no key stays stuck in the guest."""
        for usage in list(reversed(self.down)):
            self.key_up(usage, now)

    def tick(self, now):
        """Typematic repeat: called often (each frame) with the host time."""
        usage = self.repeat_usage
        if usage is None or now < self.next_repeat:
            return
        self.send(self._make_for(usage))
        self.next_repeat += TYPEMATIC_PERIOD
        if self.next_repeat < now:  # after a stall, resume the rhythm instead of bursting
            self.next_repeat = now + TYPEMATIC_PERIOD


def guest_leds(machine):
    """The LED bits the guest last sent with the keyboard's set-LEDs command, or None if unknown."""
    value = machine.keyboard_leds()
    return value if isinstance(value, int) else None


def lock_toggles_needed(host_locks, leds):
    """Lock keys whose host state (dict name -> bool) differs from the guest's LEDs."""
    if leds is None:
        return []
    needed = []
    for lock in ("caps", "num", "scroll"):
        host = host_locks.get(lock)
        if host is not None and host != bool(leds & LED_FOR_LOCK[lock]):
            needed.append(lock)
    return needed


LOCK_USAGE = {"caps": 0x39, "num": 0x53, "scroll": 0x47}
