"""Host keys -> set-1 bytes, checked against a reference table.

REFERENCE is transcribed by hand from Microsoft's "Keyboard Scan Code
Specification" (revision 1.3a, Appendix C: the USB HID keyboard usage page
against scan code set 1), for the 104 keys of a US PC keyboard plus the ISO
102nd key. It is written out in full (break codes too) rather than derived,
so that a mistake in pcemu's table or its break rule shows up here.
"""
import pytest

from pcemu.frontends import keyboard
from pcemu.frontends.keyboard import KeyboardState, TYPEMATIC_DELAY, TYPEMATIC_PERIOD

# key, HID usage, set-1 make, set-1 break
REFERENCE = """
` ~          35  29     A9
1 !          1E  02     82
2 @          1F  03     83
3 #          20  04     84
4 $          21  05     85
5 %          22  06     86
6 ^          23  07     87
7 &          24  08     88
8 *          25  09     89
9 (          26  0A     8A
0 )          27  0B     8B
- _          2D  0C     8C
= +          2E  0D     8D
Backspace    2A  0E     8E
Tab          2B  0F     8F
Q            14  10     90
W            1A  11     91
E            08  12     92
R            15  13     93
T            17  14     94
Y            1C  15     95
U            18  16     96
I            0C  17     97
O            12  18     98
P            13  19     99
[ {          2F  1A     9A
] }          30  1B     9B
\\ |         31  2B     AB
CapsLock     39  3A     BA
A            04  1E     9E
S            16  1F     9F
D            07  20     A0
F            09  21     A1
G            0A  22     A2
H            0B  23     A3
J            0D  24     A4
K            0E  25     A5
L            0F  26     A6
; :          33  27     A7
' "          34  28     A8
Europe1      32  2B     AB
Enter        28  1C     9C
LShift       E1  2A     AA
Europe2      64  56     D6
Z            1D  2C     AC
X            1B  2D     AD
C            06  2E     AE
V            19  2F     AF
B            05  30     B0
N            11  31     B1
M            10  32     B2
, <          36  33     B3
. >          37  34     B4
/ ?          38  35     B5
RShift       E5  36     B6
LCtrl        E0  1D     9D
LAlt         E2  38     B8
Space        2C  39     B9
RAlt         E6  E0,38  E0,B8
RCtrl        E4  E0,1D  E0,9D
Insert       49  E0,52  E0,D2
Delete       4C  E0,53  E0,D3
LeftArrow    50  E0,4B  E0,CB
Home         4A  E0,47  E0,C7
End          4D  E0,4F  E0,CF
UpArrow      52  E0,48  E0,C8
DownArrow    51  E0,50  E0,D0
PageUp       4B  E0,49  E0,C9
PageDown     4E  E0,51  E0,D1
RightArrow   4F  E0,4D  E0,CD
NumLock      53  45     C5
Keypad7      5F  47     C7
Keypad4      5C  4B     CB
Keypad1      59  4F     CF
Keypad/      54  E0,35  E0,B5
Keypad8      60  48     C8
Keypad5      5D  4C     CC
Keypad2      5A  50     D0
Keypad0      62  52     D2
Keypad*      55  37     B7
Keypad9      61  49     C9
Keypad6      5E  4D     CD
Keypad3      5B  51     D1
Keypad.      63  53     D3
Keypad-      56  4A     CA
Keypad+      57  4E     CE
KeypadEnter  58  E0,1C  E0,9C
Esc          29  01     81
F1           3A  3B     BB
F2           3B  3C     BC
F3           3C  3D     BD
F4           3D  3E     BE
F5           3E  3F     BF
F6           3F  40     C0
F7           40  41     C1
F8           41  42     C2
F9           42  43     C3
F10          43  44     C4
F11          44  57     D7
F12          45  58     D8
PrintScreen  46  E0,2A,E0,37  E0,B7,E0,AA
ScrollLock   47  46     C6
Pause        48  E1,1D,45,E1,9D,C5  -
LeftGUI      E3  E0,5B  E0,DB
RightGUI     E7  E0,5C  E0,DC
Application  65  E0,5D  E0,DD
"""


def _hex(field):
    return b"" if field == "-" else bytes(int(b, 16) for b in field.split(","))


def reference_rows():
    rows = []
    for line in REFERENCE.strip().splitlines():
        parts = line.split()
        name = " ".join(parts[:-3])
        rows.append((name, int(parts[-3], 16), _hex(parts[-2]), _hex(parts[-1])))
    return rows


ROWS = reference_rows()


def test_reference_covers_the_full_keyboard():
    assert len(ROWS) == 106  # 101 keys + 3 Windows keys + 2 ISO keys
    assert len({usage for _, usage, _, _ in ROWS}) == 106


def press(usage, held=()):
    sent = bytearray()
    state = KeyboardState(sent.extend)
    for h in held:
        state.key_down(h, 0.0)
    del sent[:]
    state.key_down(usage, 0.0)
    made = bytes(sent)
    del sent[:]
    state.key_up(usage, 0.1)
    return made, bytes(sent)


@pytest.mark.parametrize("name,usage,make,brk", ROWS, ids=[r[0] for r in ROWS])
def test_every_key_sends_its_set1_codes(name, usage, make, brk):
    assert press(usage) == (make, brk)


# The two ISO keys (0x32, 0x64) have no SDL keycode of their own on a US layout: not checked here.
US_ROWS = [r for r in ROWS if r[1] not in (0x32, 0x64)]


@pytest.mark.parametrize("name,usage,make,brk", US_ROWS, ids=[r[0] for r in US_ROWS])
def test_sdl_keycode_alone_finds_the_same_key(name, usage, make, brk):
    # Events without a scancode: SDL keycodes are ASCII for character keys and
    # usage | 1<<30 for the others.
    char_keys = {u: ch for ch, (u, shift) in keyboard.US_CHARS.items() if not shift and ch not in "\r\n\t\b\x1b"}
    keycode = ord(char_keys[usage]) if usage in char_keys else usage | (1 << 30)
    if usage == 0x28:
        keycode = 0x0D
    assert keyboard.usage_from_sdl(0, keycode) == usage


def test_print_screen_variants_with_modifiers():
    lshift, lctrl, lalt = 0xE1, 0xE0, 0xE2
    assert press(0x46, held=[lshift]) == (b"\xe0\x37", b"\xe0\xb7")
    assert press(0x46, held=[lctrl]) == (b"\xe0\x37", b"\xe0\xb7")
    assert press(0x46, held=[lalt]) == (b"\x54", b"\xd4")  # SysRq


def test_ctrl_pause_is_break():
    assert press(0x48, held=[0xE4]) == (b"\xe0\x46\xe0\xc6", b"")


def test_typematic_repeat_after_500ms_at_10_9_per_second():
    sent = []
    state = KeyboardState(sent.append)
    state.key_down(0x04, 0.0)  # A
    state.tick(TYPEMATIC_DELAY - 0.01)
    assert sent == [b"\x1e"]
    t = TYPEMATIC_DELAY
    for _ in range(10):
        state.tick(t)
        t += TYPEMATIC_PERIOD
    assert sent == [b"\x1e"] * 11
    state.key_up(0x04, t)
    state.tick(t + 5)
    assert sent[-1] == b"\x9e" and len(sent) == 12
    assert abs(1 / TYPEMATIC_PERIOD - 10.9) < 0.01


def test_only_the_last_key_pressed_repeats_and_pause_never():
    sent = []
    state = KeyboardState(sent.append)
    state.key_down(0x04, 0.0)
    state.key_down(0x05, 0.2)
    state.tick(0.71)
    assert sent[-1] == b"\x30"  # B
    state.key_up(0x05, 0.8)
    n = len(sent)
    state.tick(2.0)
    assert len(sent) == n  # A is still held but the repeat ended with B, as on a real keyboard
    state.key_down(0x48, 3.0)
    state.tick(10.0)
    assert sent[-1] == b"\xe1\x1d\x45\xe1\x9d\xc5" and len(sent) == n + 1


def test_release_all_lets_go_of_held_keys():
    sent = []
    state = KeyboardState(sent.append)
    state.key_down(0xE0, 0)
    state.key_down(0x52, 0)
    del sent[:]
    state.release_all(1)
    assert sent == [b"\xe0\xc8", b"\x9d"]


def test_text_characters_type_with_shift_and_ctrl():
    assert keyboard.char_to_scancodes("a") == b"\x1e\x9e"
    assert keyboard.char_to_scancodes("A") == b"\x2a\x1e\x9e\xaa"
    assert keyboard.char_to_scancodes("\x03") == b"\x1d\x2e\xae\x9d"  # Ctrl+C
    assert keyboard.char_to_scancodes("\u00e9") is None


def test_lock_toggles_follow_the_host():
    leds = keyboard.LED_NUM
    assert keyboard.lock_toggles_needed({"caps": True, "num": True}, leds) == ["caps"]
    assert keyboard.lock_toggles_needed({"caps": False, "num": False}, leds) == ["num"]
    assert keyboard.lock_toggles_needed({"caps": True}, None) == []


def test_agrees_with_the_machines_keymap():
    from pcemu.devices import keymap
    names = {0x04: "a", 0x28: "enter", 0x52: "up", 0x58: "kp_enter", 0x54: "kp_divide", 0xE6: "ralt",
             0x46: "prtsc", 0x48: "pause", 0x4C: "delete", 0x45: "f12", 0xE5: "rshift"}
    for usage, name in names.items():
        assert press(usage) == (keymap.make(name), keymap.brk(name)), name
