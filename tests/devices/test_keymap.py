"""Scancode set 1 table, checked against the Enhanced (101/102-key) keyboard reference.

REFERENCE is transcribed by hand from the IBM key-position table of the
Microsoft "Keyboard Scan Code Specification" (rev 1.3a, appendix: key number,
key, set 1 make / break), cross-checked with the set 1 column of "Upgrading
and Repairing PCs", table 9.6. It is written as documentation text on purpose,
not in the module's data shape.
"""
import pytest
from hypothesis import given, strategies as st

from pcemu.devices import keymap

REFERENCE = """
1   backquote       29          A9
2   1               02          82
3   2               03          83
4   3               04          84
5   4               05          85
6   5               06          86
7   6               07          87
8   7               08          88
9   8               09          89
10  9               0A          8A
11  0               0B          8B
12  minus           0C          8C
13  equals          0D          8D
15  backspace       0E          8E
16  tab             0F          8F
17  q               10          90
18  w               11          91
19  e               12          92
20  r               13          93
21  t               14          94
22  y               15          95
23  u               16          96
24  i               17          97
25  o               18          98
26  p               19          99
27  lbracket        1A          9A
28  rbracket        1B          9B
29  backslash       2B          AB
30  capslock        3A          BA
31  a               1E          9E
32  s               1F          9F
33  d               20          A0
34  f               21          A1
35  g               22          A2
36  h               23          A3
37  j               24          A4
38  k               25          A5
39  l               26          A6
40  semicolon       27          A7
41  apostrophe      28          A8
43  enter           1C          9C
44  lshift          2A          AA
45  nonus_backslash 56          D6
46  z               2C          AC
47  x               2D          AD
48  c               2E          AE
49  v               2F          AF
50  b               30          B0
51  n               31          B1
52  m               32          B2
53  comma           33          B3
54  period          34          B4
55  slash           35          B5
57  rshift          36          B6
58  lctrl           1D          9D
60  lalt            38          B8
61  space           39          B9
62  ralt            E0,38       E0,B8
64  rctrl           E0,1D       E0,9D
75  insert          E0,52       E0,D2
76  delete          E0,53       E0,D3
79  left            E0,4B       E0,CB
80  home            E0,47       E0,C7
81  end             E0,4F       E0,CF
83  up              E0,48       E0,C8
84  down            E0,50       E0,D0
85  pageup          E0,49       E0,C9
86  pagedown        E0,51       E0,D1
89  right           E0,4D       E0,CD
90  numlock         45          C5
91  kp_7            47          C7
92  kp_4            4B          CB
93  kp_1            4F          CF
95  kp_divide       E0,35       E0,B5
96  kp_8            48          C8
97  kp_5            4C          CC
98  kp_2            50          D0
99  kp_0            52          D2
100 kp_multiply     37          B7
101 kp_9            49          C9
102 kp_6            4D          CD
103 kp_3            51          D1
104 kp_period       53          D3
105 kp_minus        4A          CA
106 kp_plus         4E          CE
108 kp_enter        E0,1C       E0,9C
110 esc             01          81
112 f1              3B          BB
113 f2              3C          BC
114 f3              3D          BD
115 f4              3E          BE
116 f5              3F          BF
117 f6              40          C0
118 f7              41          C1
119 f8              42          C2
120 f9              43          C3
121 f10             44          C4
122 f11             57          D7
123 f12             58          D8
124 prtsc           E0,2A,E0,37 E0,B7,E0,AA
125 scrolllock      46          C6
126 pause           E1,1D,45,E1,9D,C5 -
"""

# 104-key additions, from the same specification's Windows-keys table.
REFERENCE_104 = """
lgui  E0,5B E0,DB
rgui  E0,5C E0,DC
menu  E0,5D E0,DD
"""


def parse(field):
    return b"" if field == "-" else bytes(int(x, 16) for x in field.split(","))


def rows():
    for line in REFERENCE.strip().splitlines():
        _, name, mk, br = line.split()
        yield name, parse(mk), parse(br)
    for line in REFERENCE_104.strip().splitlines():
        name, mk, br = line.split()
        yield name, parse(mk), parse(br)


ROWS = list(rows())


def test_reference_covers_all_101_102_keys():
    assert len(ROWS) == 102 + 3


@pytest.mark.parametrize("name,mk,br", ROWS, ids=[r[0] for r in ROWS])
def test_make_and_break_match_reference(name, mk, br):
    assert keymap.make(name) == mk
    assert keymap.brk(name) == br


def test_every_named_key_is_in_the_reference():
    extras = {"sysrq", "break"}   # Alt+PrtSc and Ctrl+Pause: combinations, not keys
    assert set(keymap.KEY_NAMES) - extras == {r[0] for r in ROWS}


def test_unknown_key_name_is_a_clear_error():
    with pytest.raises(KeyError, match="unknown key name"):
        keymap.make("hyper")


def test_aliases():
    assert keymap.make("Escape") == b"\x01"
    assert keymap.make("PgDn") == b"\xe0\x51"


def test_text_plain_and_shifted():
    assert keymap.text_to_scancodes("a") == bytes([0x1E, 0x9E])
    assert keymap.text_to_scancodes("A") == bytes([0x2A, 0x1E, 0x9E, 0xAA])
    assert keymap.text_to_scancodes("!") == bytes([0x2A, 0x02, 0x82, 0xAA])
    assert keymap.text_to_scancodes("|") == bytes([0x2A, 0x2B, 0xAB, 0xAA])


def test_text_control_characters():
    assert keymap.text_to_scancodes("\r") == bytes([0x1C, 0x9C])
    assert keymap.text_to_scancodes("\n") == bytes([0x1C, 0x9C])
    assert keymap.text_to_scancodes("\r\n") == bytes([0x1C, 0x9C])
    assert keymap.text_to_scancodes("\t") == bytes([0x0F, 0x8F])
    assert keymap.text_to_scancodes("\b") == bytes([0x0E, 0x8E])
    assert keymap.text_to_scancodes("\x1b") == bytes([0x01, 0x81])


def test_text_dir_command():
    assert keymap.text_to_scancodes("dir\r") == bytes(
        [0x20, 0xA0, 0x17, 0x97, 0x13, 0x93, 0x1C, 0x9C])


def test_untypeable_character():
    with pytest.raises(ValueError, match="cannot type"):
        keymap.text_to_scancodes("\u00e9")


US_SHIFTED = '~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:"ZXCVBNM<>?'
US_PLAIN = "`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./ "


@given(st.text(alphabet=US_SHIFTED + US_PLAIN, max_size=30))
def test_text_is_balanced_press_release(text):
    codes = keymap.text_to_scancodes(text)
    # Every make is followed later by its break, shift never left down.
    held = set()
    for b in codes:
        if b & 0x80:
            assert b & 0x7F in held
            held.discard(b & 0x7F)
        else:
            held.add(b)
    assert not held
    shifts = sum(1 for ch in text if ch in US_SHIFTED)
    assert codes.count(0x2A) == shifts
    assert len(codes) == 2 * len(text) + 2 * shifts
