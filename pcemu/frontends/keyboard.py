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

The set-1 codes and the US layout are pcemu.devices.keymap's (one table for the
machine and the front ends); this module adds the HID usage of each key.
"""

from ..devices import keymap

# HID usage -> the key's name in pcemu.devices.keymap, the one table of set-1 codes.
USAGE_NAMES = {0x04 + i: ch for i, ch in enumerate("abcdefghijklmnopqrstuvwxyz")}
USAGE_NAMES.update({0x1E + i: ch for i, ch in enumerate("1234567890")})
USAGE_NAMES.update({
    0x28: "enter", 0x29: "esc", 0x2A: "backspace", 0x2B: "tab", 0x2C: "space",
    0x2D: "minus", 0x2E: "equals", 0x2F: "lbracket", 0x30: "rbracket", 0x31: "backslash",
    0x32: "backslash",  # the 102-key keyboard's key left of Enter (same position code as backslash)
    0x33: "semicolon", 0x34: "apostrophe", 0x35: "backquote", 0x36: "comma", 0x37: "period",
    0x38: "slash", 0x39: "capslock",
    0x46: "prtsc", 0x47: "scrolllock", 0x48: "pause",
    0x49: "insert", 0x4A: "home", 0x4B: "pageup", 0x4C: "delete", 0x4D: "end", 0x4E: "pagedown",
    0x4F: "right", 0x50: "left", 0x51: "down", 0x52: "up", 0x53: "numlock",
    0x54: "kp_divide", 0x55: "kp_multiply", 0x56: "kp_minus", 0x57: "kp_plus", 0x58: "kp_enter",
    0x59: "kp_1", 0x5A: "kp_2", 0x5B: "kp_3", 0x5C: "kp_4", 0x5D: "kp_5",
    0x5E: "kp_6", 0x5F: "kp_7", 0x60: "kp_8", 0x61: "kp_9", 0x62: "kp_0", 0x63: "kp_period",
    0x64: "nonus_backslash",  # the 102-key keyboard's extra key left of Z
    0x65: "menu",
    0xE0: "lctrl", 0xE1: "lshift", 0xE2: "lalt", 0xE3: "lgui",
    0xE4: "rctrl", 0xE5: "rshift", 0xE6: "ralt", 0xE7: "rgui",
})
USAGE_NAMES.update({0x3A + n: "f%d" % (n + 1) for n in range(12)})

PRINT_SCREEN = 0x46
PAUSE = 0x48

# HID usage -> set-1 make code (bytes).
SET1_MAKE = {usage: keymap.make(name) for usage, name in USAGE_NAMES.items()}
SET1_MAKE[PRINT_SCREEN] = b"\xe0\x37"  # the form with a modifier held; KeyboardState adds the rest

# Usages of keys by name (keymap's names, and its short aliases pgup/pgdn).
USAGE = {}
for _usage, _name in sorted(USAGE_NAMES.items()):
    USAGE.setdefault(_name, _usage)
USAGE["pgup"], USAGE["pgdn"] = USAGE["pageup"], USAGE["pagedown"]
del _usage, _name

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

# US layout: character -> (usage, shift held), from keymap's layout by key name.
US_CHARS = {ch: (USAGE[name], shifted) for ch, (name, shifted) in keymap.US_LAYOUT.items()}

# SDL keycodes of keys without a character are their scancode with this bit set.
SDL_SCANCODE_MASK = 1 << 30


def make_code(usage):
    return SET1_MAKE[usage]


def break_code(usage):
    """What releasing the key sends (b"" for Pause, whose make already contains its break)."""
    if usage == PRINT_SCREEN:
        return b"\xe0\xb7"
    return keymap.brk(USAGE_NAMES[usage])


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
