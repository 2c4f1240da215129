"""Scancode set 1 of the US 101/102-key (MF II) keyboard, plus the 104-key extras.

Set 1 is what a PC guest sees from port 60h while the 8042 translates (the
normal configuration). Every key has a stable name; ``make(name)`` and
``brk(name)`` give its byte sequences: one byte for the original XT keys,
E0-prefixed for the keys the Enhanced keyboard added, E0 2A E0 37 / E0 B7 E0
AA for Print Screen and E1 1D 45 E1 9D C5 (make only, no break) for Pause.
A break code is the make code with bit 7 set on the last byte of each pair.

Simplification: the fake-shift prefixes an Enhanced keyboard adds around the
grey navigation keys while Num Lock or Shift is active are not generated;
guests decode the plain E0 sequences the same way.

``text_to_scancodes(text)`` types US-layout text: shifted characters are
wrapped in left Shift make/break; "\\r"/"\\n" = Enter ("\\r\\n" is one Enter),
"\\t" = Tab, "\\b" = Backspace, "\\x1b" = Esc.
"""

# name -> make code; values above 0xFF are E0-prefixed (0xE0xx)
_E0 = 0xE000

SET1 = {
    "esc": 0x01,
    "1": 0x02, "2": 0x03, "3": 0x04, "4": 0x05, "5": 0x06,
    "6": 0x07, "7": 0x08, "8": 0x09, "9": 0x0A, "0": 0x0B,
    "minus": 0x0C, "equals": 0x0D, "backspace": 0x0E, "tab": 0x0F,
    "q": 0x10, "w": 0x11, "e": 0x12, "r": 0x13, "t": 0x14,
    "y": 0x15, "u": 0x16, "i": 0x17, "o": 0x18, "p": 0x19,
    "lbracket": 0x1A, "rbracket": 0x1B, "enter": 0x1C, "lctrl": 0x1D,
    "a": 0x1E, "s": 0x1F, "d": 0x20, "f": 0x21, "g": 0x22,
    "h": 0x23, "j": 0x24, "k": 0x25, "l": 0x26,
    "semicolon": 0x27, "apostrophe": 0x28, "backquote": 0x29,
    "lshift": 0x2A, "backslash": 0x2B,
    "z": 0x2C, "x": 0x2D, "c": 0x2E, "v": 0x2F, "b": 0x30,
    "n": 0x31, "m": 0x32, "comma": 0x33, "period": 0x34, "slash": 0x35,
    "rshift": 0x36, "kp_multiply": 0x37, "lalt": 0x38, "space": 0x39,
    "capslock": 0x3A,
    "f1": 0x3B, "f2": 0x3C, "f3": 0x3D, "f4": 0x3E, "f5": 0x3F,
    "f6": 0x40, "f7": 0x41, "f8": 0x42, "f9": 0x43, "f10": 0x44,
    "numlock": 0x45, "scrolllock": 0x46,
    "kp_7": 0x47, "kp_8": 0x48, "kp_9": 0x49, "kp_minus": 0x4A,
    "kp_4": 0x4B, "kp_5": 0x4C, "kp_6": 0x4D, "kp_plus": 0x4E,
    "kp_1": 0x4F, "kp_2": 0x50, "kp_3": 0x51, "kp_0": 0x52, "kp_period": 0x53,
    "sysrq": 0x54,            # Alt+Print Screen
    "nonus_backslash": 0x56,  # the 102nd key, left of Z on ISO boards
    "f11": 0x57, "f12": 0x58,
    # Enhanced keyboard keys
    "kp_enter": _E0 | 0x1C, "rctrl": _E0 | 0x1D, "kp_divide": _E0 | 0x35,
    "ralt": _E0 | 0x38,
    "home": _E0 | 0x47, "up": _E0 | 0x48, "pageup": _E0 | 0x49,
    "left": _E0 | 0x4B, "right": _E0 | 0x4D,
    "end": _E0 | 0x4F, "down": _E0 | 0x50, "pagedown": _E0 | 0x51,
    "insert": _E0 | 0x52, "delete": _E0 | 0x53,
    "break": _E0 | 0x46,      # Ctrl+Pause
    # 104-key Windows keyboard
    "lgui": _E0 | 0x5B, "rgui": _E0 | 0x5C, "menu": _E0 | 0x5D,
}

_SPECIAL_MAKE = {
    "prtsc": bytes([0xE0, 0x2A, 0xE0, 0x37]),
    "pause": bytes([0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5]),
}
_SPECIAL_BREAK = {
    "prtsc": bytes([0xE0, 0xB7, 0xE0, 0xAA]),
    "pause": b"",             # Pause sends its whole sequence on press, nothing on release
}

KEY_NAMES = sorted(set(SET1) | set(_SPECIAL_MAKE))

_ALIASES = {
    "escape": "esc", "return": "enter", "ctrl": "lctrl", "shift": "lshift",
    "alt": "lalt", "pgup": "pageup", "pgdn": "pagedown", "ins": "insert",
    "del": "delete", "printscreen": "prtsc", "print": "prtsc", "caps": "capslock",
}


def _canonical(name):
    key = name.lower()
    key = _ALIASES.get(key, key)
    if key not in SET1 and key not in _SPECIAL_MAKE:
        raise KeyError("unknown key name %r" % (name,))
    return key


def make(name):
    """Bytes the keyboard sends when ``name`` is pressed."""
    key = _canonical(name)
    if key in _SPECIAL_MAKE:
        return _SPECIAL_MAKE[key]
    code = SET1[key]
    if code & _E0:
        return bytes([0xE0, code & 0xFF])
    return bytes([code])


def brk(name):
    """Bytes the keyboard sends when ``name`` is released."""
    key = _canonical(name)
    if key in _SPECIAL_BREAK:
        return _SPECIAL_BREAK[key]
    code = SET1[key]
    if code & _E0:
        return bytes([0xE0, (code & 0xFF) | 0x80])
    return bytes([code | 0x80])


def tap(name):
    """Press and release."""
    return make(name) + brk(name)


# US layout: character -> (key name, shifted); the front ends use it too
US_LAYOUT = {}
for _c in "abcdefghijklmnopqrstuvwxyz":
    US_LAYOUT[_c] = (_c, False)
    US_LAYOUT[_c.upper()] = (_c, True)
for _c, _s in zip("1234567890", "!@#$%^&*()"):
    US_LAYOUT[_c] = (_c, False)
    US_LAYOUT[_s] = (_c, True)
for _key, _plain, _shifted in (
        ("minus", "-", "_"), ("equals", "=", "+"), ("lbracket", "[", "{"),
        ("rbracket", "]", "}"), ("semicolon", ";", ":"), ("apostrophe", "'", '"'),
        ("backquote", "`", "~"), ("backslash", "\\", "|"), ("comma", ",", "<"),
        ("period", ".", ">"), ("slash", "/", "?")):
    US_LAYOUT[_plain] = (_key, False)
    US_LAYOUT[_shifted] = (_key, True)
for _c, _key in ((" ", "space"), ("\r", "enter"), ("\n", "enter"), ("\t", "tab"),
                 ("\b", "backspace"), ("\x1b", "esc")):
    US_LAYOUT[_c] = (_key, False)
del _c, _s, _key, _plain, _shifted


def text_to_scancodes(text):
    """Set-1 bytes that type ``text`` on a US keyboard. Raises ValueError for untypeable characters."""
    out = bytearray()
    previous = None
    for ch in text:
        if ch == "\n" and previous == "\r":
            previous = ch
            continue  # "\r\n" is one Enter
        previous = ch
        try:
            key, shifted = US_LAYOUT[ch]
        except KeyError:
            raise ValueError("cannot type %r on a US keyboard" % (ch,)) from None
        if shifted:
            out += make("lshift")
        out += tap(key)
        if shifted:
            out += brk("lshift")
    return bytes(out)
