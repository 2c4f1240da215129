"""Saved machine states: how a device describes its state, and the file that holds it.

Each chip declares, next to its registers, a class attribute ``STATE``: a
``Description`` listing its fields (one line each) and an optional post-load
hook that rebuilds what is derived from them. The shape is QEMU's
VMStateDescription: the description is data, so saving, checking and
loading are written once here instead of once per device::

    STATE = state.Description("8254 PIT", fields=[
        state.Children("counters", PitCounter.STATE),
        state.Timer("_timer", "_on_rise"),     # pending timer: deadline and order kept
        state.IrqLevel("irq0"),                # the level the chip drives on its IRQ line
        state.Int("irq0_edges"),
    ], wiring=["clock"])

``wiring`` names the attributes that are connections or constants fixed when
the machine is built (ports, the clock, callbacks): they are not state. A
test checks that every attribute of every device is either a field or
wiring, so a register added to a chip without a line here fails the suite.

Timers are saved as their absolute deadline on the emulated clock and their
place in the clock's queue (its sequence number), and re-armed exactly so:
a restored machine fires them in the same order at the same instruction as
the machine that never stopped.

The file (``write_file`` / ``read_file``)::

    "PCEMU-STATE\\n"  12 bytes magic
    format version    u32, little endian
    payload length    u64
    payload SHA-256   32 bytes
    payload           zlib: u32 header length, JSON header, binary blobs

Bytes fields (RAM, FIFOs' buffers, VGA registers) are blobs the JSON refers
to by number. A file that is not a state, comes from another format
version, is cut short or damaged is refused before anything is loaded, and
every field is checked (type, size) before the first one is applied, so a
load either happens whole or not at all.
"""

import collections
import os
import struct
import zlib

MAGIC = b"PCEMU-STATE\n"
FORMAT_VERSION = 1
_HEAD = struct.Struct("<12sIQ32s")


class StateError(Exception):
    """A state file that cannot be used; the message is one line for the user."""


# ---------------------------------------------------------------------------- context

class SaveContext:
    def __init__(self, clock):
        self.clock = clock
        self.blobs = []
        self.timers = []  # Timer handles saved, to check none was left out

    def blob(self, data):
        self.blobs.append(bytes(data))
        return {"blob": len(self.blobs) - 1}


class LoadContext:
    def __init__(self, clock, blobs):
        self.clock = clock
        self.blobs = blobs

    def blob(self, value, where):
        if not (isinstance(value, dict) and isinstance(value.get("blob"), int)
                and 0 <= value["blob"] < len(self.blobs)):
            raise StateError("damaged state: %s has no data" % where)
        return self.blobs[value["blob"]]


# ---------------------------------------------------------------------------- fields

def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


class Field:
    """One attribute of a device. Subclasses say how its value is saved, checked, loaded."""

    def __init__(self, name):
        self.name = name

    def save(self, obj, ctx):
        return getattr(obj, self.name)

    def check(self, value, ctx, where):
        pass

    def load(self, obj, value, ctx):
        setattr(obj, self.name, value)

    def _bad(self, where, what):
        raise StateError("damaged state: %s.%s is not %s" % (where, self.name, what))


class Int(Field):
    def check(self, value, ctx, where):
        if not _is_int(value):
            self._bad(where, "an integer")


class Bool(Field):
    def save(self, obj, ctx):
        return bool(getattr(obj, self.name))

    def check(self, value, ctx, where):
        if not isinstance(value, bool):
            self._bad(where, "true or false")


class OptInt(Field):
    """An integer or None (a command waiting for its data byte, a latch not loaded...)."""

    def check(self, value, ctx, where):
        if value is not None and not _is_int(value):
            self._bad(where, "an integer or null")


class IntList(Field):
    """A list of integers, loaded in place (others may hold a reference to the list)."""

    def __init__(self, name, length=None):
        Field.__init__(self, name)
        self.length = length

    def save(self, obj, ctx):
        return list(getattr(obj, self.name))

    def check(self, value, ctx, where):
        if not (isinstance(value, list) and all(_is_int(v) for v in value)):
            self._bad(where, "a list of integers")
        if self.length is not None and len(value) != self.length:
            self._bad(where, "%d integers long" % self.length)

    def load(self, obj, value, ctx):
        target = getattr(obj, self.name, None)
        if isinstance(target, list) and self.length is not None:
            target[:] = value
        else:
            setattr(obj, self.name, list(value))


class IntMap(Field):
    """A dict of integer keys and values, or None (saved as pairs: JSON keys are strings)."""

    def save(self, obj, ctx):
        value = getattr(obj, self.name)
        return None if value is None else sorted([k, v] for k, v in value.items())

    def check(self, value, ctx, where):
        if value is not None and not (isinstance(value, list) and all(
                isinstance(p, list) and len(p) == 2 and _is_int(p[0]) and _is_int(p[1]) for p in value)):
            self._bad(where, "a list of integer pairs")

    def load(self, obj, value, ctx):
        setattr(obj, self.name, None if value is None else {k: v for k, v in value})


class Bytes(Field):
    """A bytearray (RAM, register files, transfer buffers). With ``size`` it is loaded in
    place, so whoever holds the array (the CPU holds RAM) sees the new contents."""

    def __init__(self, name, size=None):
        Field.__init__(self, name)
        self.size = size

    def save(self, obj, ctx):
        return ctx.blob(getattr(obj, self.name))

    def check(self, value, ctx, where):
        data = ctx.blob(value, "%s.%s" % (where, self.name))
        if self.size is not None and len(data) != self.size:
            self._bad(where, "%d bytes" % self.size)

    def load(self, obj, value, ctx):
        data = ctx.blob(value, self.name)
        target = getattr(obj, self.name, None)
        if self.size is not None and isinstance(target, bytearray) and len(target) == self.size:
            target[:] = data
        else:
            setattr(obj, self.name, bytearray(data))


class Deque(Field):
    """A FIFO (collections.deque) of integers, strings or tuples of them; maxlen is kept."""

    def save(self, obj, ctx):
        return [list(v) if isinstance(v, tuple) else v for v in getattr(obj, self.name)]

    def check(self, value, ctx, where):
        def plain(v):
            return _is_int(v) or isinstance(v, str) or (isinstance(v, list) and all(plain(x) for x in v))

        if not (isinstance(value, list) and all(plain(v) for v in value)):
            self._bad(where, "a list of plain values")

    def load(self, obj, value, ctx):
        old = getattr(obj, self.name, None)
        items = [tuple(v) if isinstance(v, list) else v for v in value]
        setattr(obj, self.name, collections.deque(items, maxlen=getattr(old, "maxlen", None)))


class ByteStrings(Field):
    """A list of bytes objects (keystrokes queued by the host)."""

    def save(self, obj, ctx):
        return [ctx.blob(v) for v in getattr(obj, self.name)]

    def check(self, value, ctx, where):
        if not isinstance(value, list):
            self._bad(where, "a list")
        for v in value:
            ctx.blob(v, "%s.%s" % (where, self.name))

    def load(self, obj, value, ctx):
        setattr(obj, self.name, [bytes(ctx.blob(v, self.name)) for v in value])


class Timer(Field):
    """A pending clock timer held in attribute ``name`` whose callback is the method
    ``callback``: saved as [deadline ns, queue order], re-armed on load."""

    def __init__(self, name, callback):
        Field.__init__(self, name)
        self.callback = callback

    def save(self, obj, ctx):
        timer = getattr(obj, self.name)
        if timer is None or timer.cancelled:
            return None
        ctx.timers.append(timer)
        return [timer.deadline, timer.seq]

    def check(self, value, ctx, where):
        if value is not None and not (isinstance(value, list) and len(value) == 2
                                      and _is_int(value[0]) and _is_int(value[1])):
            self._bad(where, "a timer (deadline, order) or null")

    def load(self, obj, value, ctx):
        if value is None:
            setattr(obj, self.name, None)
        else:
            setattr(obj, self.name, ctx.clock.restore_timer(value[0], value[1], getattr(obj, self.callback)))


class IrqLevel(Field):
    """The level a chip drives on its IRQ line (the line object is wiring; its level is state).
    Loaded without signalling: the PIC's own state already records what it saw."""

    def save(self, obj, ctx):
        line = getattr(obj, self.name)
        return None if line is None else bool(line.level)

    def check(self, value, ctx, where):
        if value is not None and not isinstance(value, bool):
            self._bad(where, "an IRQ level")

    def load(self, obj, value, ctx):
        line = getattr(obj, self.name)
        if line is not None and value is not None:
            line.level = value


class Member(Field):
    """A reference to one element of the list ``collection`` on the same object (or None),
    saved as its index: an ATA channel's transfer belongs to one of its two drives."""

    def __init__(self, name, collection):
        Field.__init__(self, name)
        self.collection = collection

    def save(self, obj, ctx):
        target = getattr(obj, self.name)
        if target is None:
            return None
        for i, item in enumerate(getattr(obj, self.collection)):
            if item is target:
                return i
        raise ValueError("%s.%s refers to nothing in %s" % (type(obj).__name__, self.name, self.collection))

    def check(self, value, ctx, where):
        if value is not None and not _is_int(value):
            self._bad(where, "an index or null")

    def load(self, obj, value, ctx):
        items = getattr(obj, self.collection)
        setattr(obj, self.name, None if value is None else items[value])


class Child(Field):
    """A part with its own description (the 8259A pair's master and slave)."""

    def __init__(self, name, description):
        Field.__init__(self, name)
        self.description = description

    def save(self, obj, ctx):
        return self.description.save(getattr(obj, self.name), ctx)

    def check(self, value, ctx, where):
        self.description.check(value, ctx, "%s.%s" % (where, self.name))

    def load(self, obj, value, ctx):
        self.description.load(getattr(obj, self.name), value, ctx)


class Children(Field):
    """A fixed list of parts (the 8254's counters, an ATA channel's drive slots; None = empty slot).
    The slots must match: a drive where the state has none is a different machine."""

    def __init__(self, name, description):
        Field.__init__(self, name)
        self.description = description

    def save(self, obj, ctx):
        return [None if part is None else self.description.save(part, ctx) for part in getattr(obj, self.name)]

    def check(self, value, ctx, where):
        if not isinstance(value, list):
            self._bad(where, "a list")
        for i, part in enumerate(value):
            if part is not None:
                self.description.check(part, ctx, "%s.%s[%d]" % (where, self.name, i))

    def check_against(self, obj, value, where):
        parts = getattr(obj, self.name)
        if len(parts) != len(value) or any((p is None) != (v is None) for p, v in zip(parts, value)):
            raise StateError("the state's %s.%s do not match this machine's" % (where, self.name))

    def load(self, obj, value, ctx):
        for part, data in zip(getattr(obj, self.name), value):
            if part is not None:
                self.description.load(part, data, ctx)


# ---------------------------------------------------------------------------- descriptions

class Description:
    """What a device's state is: ``fields`` (Field objects), a ``post_load`` method name
    called after loading, and ``wiring``, the attributes that are not state."""

    def __init__(self, name, fields, post_load=None, wiring=(), version=1):
        self.name = name
        self.fields = list(fields)
        self.post_load = post_load
        self.wiring = frozenset(wiring)
        self.version = version

    def field_names(self):
        return [f.name for f in self.fields]

    def save(self, obj, ctx):
        data = {"version": self.version}
        for f in self.fields:
            data[f.name] = f.save(obj, ctx)
        return data

    def check(self, data, ctx, where=None):
        where = where or self.name
        if not isinstance(data, dict):
            raise StateError("damaged state: %s is missing" % where)
        if data.get("version") != self.version:
            raise StateError("the state's %s is version %r; this pcemu reads version %d"
                             % (where, data.get("version"), self.version))
        for f in self.fields:
            if f.name not in data:
                raise StateError("damaged state: %s has no %s" % (where, f.name))
            f.check(data[f.name], ctx, where)

    def check_against(self, obj, data, where=None):
        """Checks that need the live object (list shapes)."""
        where = where or self.name
        for f in self.fields:
            if isinstance(f, Children):
                f.check_against(obj, data[f.name], where)
                for i, (part, value) in enumerate(zip(getattr(obj, f.name), data[f.name])):
                    if part is not None:
                        f.description.check_against(part, value, "%s.%s[%d]" % (where, f.name, i))
            elif isinstance(f, Child):
                f.description.check_against(getattr(obj, f.name), data[f.name], "%s.%s" % (where, f.name))
            elif isinstance(f, Member) and data[f.name] is not None:
                if not 0 <= data[f.name] < len(getattr(obj, f.collection)):
                    raise StateError("damaged state: %s.%s points past %s" % (where, f.name, f.collection))

    def load(self, obj, data, ctx):
        for f in self.fields:
            f.load(obj, data[f.name], ctx)
        if self.post_load:
            getattr(obj, self.post_load)()

    def unlisted(self, obj):
        """Attributes of ``obj`` that are neither fields nor wiring (should be empty)."""
        known = set(self.field_names()) | self.wiring
        return sorted(a for a in vars(obj) if a not in known)


# ---------------------------------------------------------------------------- the file

def write_file(path, header, blobs):
    """Write ``header`` (JSON-able) and ``blobs`` atomically: a crash leaves the old file."""
    # hashlib (OpenSSL through cffi under PyPy) and json cost 0.05-0.1 s to import: only states need them
    import hashlib
    import json

    head = json.dumps(header, separators=(",", ":"), sort_keys=True).encode("utf-8")
    parts = [struct.pack("<I", len(head)), head]
    table = []
    offset = 0
    for b in blobs:
        table.append(len(b))
        offset += len(b)
    # The blob lengths travel at the end of the header block, after the JSON.
    lengths = struct.pack("<I%dQ" % len(table), len(table), *table)
    raw = b"".join(parts + [lengths] + list(blobs))
    payload = zlib.compress(raw, 1)
    data = _HEAD.pack(MAGIC, FORMAT_VERSION, len(payload), hashlib.sha256(payload).digest()) + payload
    path = os.fspath(path)
    tmp = "%s.tmp-%d" % (path, os.getpid())
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise StateError("cannot write state file %s: %s" % (path, e.strerror or e))


def read_file(path):
    """(header, blobs) from a state file, or StateError with one line saying why not."""
    import hashlib
    import json

    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise StateError("%s: no such state file" % path)
    except OSError as e:
        raise StateError("%s: cannot read state file: %s" % (path, e.strerror or e))
    if len(data) < len(MAGIC) or data[:len(MAGIC)] != MAGIC:
        raise StateError("%s: not a pcemu state file" % path)
    if len(data) < _HEAD.size:
        raise StateError("%s: state file is truncated" % path)
    _, version, length, digest = _HEAD.unpack_from(data)
    if version != FORMAT_VERSION:
        raise StateError("%s: state file format %d; this pcemu reads format %d" % (path, version, FORMAT_VERSION))
    payload = data[_HEAD.size:]
    if len(payload) < length:
        raise StateError("%s: state file is truncated (%d of %d bytes)" % (path, len(data), _HEAD.size + length))
    if len(payload) > length:
        raise StateError("%s: state file has %d bytes of trailing garbage" % (path, len(payload) - length))
    if hashlib.sha256(payload).digest() != digest:
        raise StateError("%s: state file is damaged (checksum mismatch)" % path)
    try:
        raw = zlib.decompress(payload)
        (head_len,) = struct.unpack_from("<I", raw, 0)
        header = json.loads(raw[4:4 + head_len].decode("utf-8"))
        pos = 4 + head_len
        (count,) = struct.unpack_from("<I", raw, pos)
        lengths = struct.unpack_from("<%dQ" % count, raw, pos + 4)
        pos += 4 + 8 * count
        blobs = []
        view = memoryview(raw)
        for n in lengths:
            if pos + n > len(raw):
                raise ValueError("blob past the end")
            blobs.append(view[pos:pos + n])
            pos += n
    except (zlib.error, struct.error, ValueError, UnicodeDecodeError) as e:
        raise StateError("%s: state file is damaged (%s)" % (path, e))
    if not isinstance(header, dict):
        raise StateError("%s: state file is damaged (no header)" % path)
    return header, blobs
