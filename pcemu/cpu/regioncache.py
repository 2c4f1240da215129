"""Translated regions shared by every machine in one process.

Why: a test bench restores a fresh machine for every test (the pytest
plugin's ``dos`` fixture), and each new machine gets a new translating tier.
Without this cache every one of them counts the same DOS code hot again,
decodes it, generates the same Python source, ``compile()``s it, and runs the
new code objects cold: PyPy's JIT keeps its traces per code object, so
test 2 learns nothing from test 1. Here the second machine that gets hot at
the same code is handed the function the first one compiled, traces included.

What a translated region depends on: the translator itself (one per process),
its options (CPU model, the region size and call-inlining limits), the CS:IP it starts at, and
the guest memory the decoder looked at: the bytes it read and the kind of each
page it looked at (it stops at MMIO). ``ReadLog`` stands between the decoder
and the memory and records exactly those. A region is handed out again only
when every recorded byte and page kind is the same in the asking machine now:
the decoder would then read the same bytes and produce the same source, so the
cached function is the one translating afresh would give. A different program
at the same CS:IP (another test's, code loaded over old code) misses. Page kinds
are compared with CODE as RAM: CODE is RAM that has translations, which depends on
what else was translated first, and the decoder reads it like RAM.

What stays per machine: the ``Region`` object with its liveness, its pages,
the codemap counts and invalidation. A cached region is installed like a fresh
one and dropped like one when the guest writes into its bytes.

Translations that failed (nothing at that CS:IP can be translated) are cached
too, on the same terms.
"""

import collections

from pcemu.bus import CODE, RAM

MAX_REGIONS = 2048       # regions kept per process (the least recently used go first)
MAX_PER_PLACE = 8        # different programs remembered at one CS:IP


def _page_kind(kind):
    return RAM if kind == CODE else kind


class _LoggedBytes(object):
    """``Memory.data`` as the decoder reads it: every byte read is remembered."""

    __slots__ = ("data", "seen")

    def __init__(self, data):
        self.data = data
        self.seen = {}

    def __getitem__(self, i):
        if isinstance(i, slice):
            for a in range(*i.indices(len(self.data))):
                self.seen[a] = self.data[a]
            return self.data[i]
        v = self.data[i]
        self.seen[i] = v
        return v

    def __len__(self):
        return len(self.data)


class _LoggedKinds(object):
    """``Memory.kind`` as the decoder reads it: every page looked at is remembered."""

    __slots__ = ("kind", "seen")

    def __init__(self, kind):
        self.kind = kind
        self.seen = {}

    def __getitem__(self, page):
        v = self.kind[page]
        self.seen[page] = _page_kind(v)
        return v

    def __len__(self):
        return len(self.kind)


class ReadLog(object):
    """The memory the decoder is given while a region is built: it reads through to
    ``mem`` and records what was read. Anything else of the memory is not offered, so a
    decoder that starts reading memory another way fails at once instead of being
    cached on inputs nobody recorded."""

    def __init__(self, mem):
        self.data = _LoggedBytes(mem.data)
        self.kind = _LoggedKinds(mem.kind)


class CachedRegion(object):
    """What a translated region is, apart from the machine it was made in."""

    __slots__ = ("name", "source", "filename", "fn", "entries", "lins",
                 "addrs", "values", "pages", "kinds")

    def __init__(self, log, region):
        seen = log.data.seen
        self.addrs = sorted(seen)
        self.values = bytes(seen[a] for a in self.addrs)
        self.pages = sorted(log.kind.seen)
        self.kinds = [log.kind.seen[p] for p in self.pages]
        if region is None:          # nothing translates here
            self.fn = None
            return
        self.name = region.name
        self.source = region.source
        self.filename = region.filename
        self.fn = region.fn
        self.entries = {key: (pc, lp) for key, (fn, pc, lp) in region.entries.items()}
        self.lins = tuple(region.lins)

    def matches(self, mem):
        kind = mem.kind
        for p, k in zip(self.pages, self.kinds):
            if _page_kind(kind[p]) != k:
                return False
        data = mem.data
        return bytes([data[a] for a in self.addrs]) == self.values


class RegionCache(object):
    """Regions by place, (CS, IP, CPU model, size limit, call depth), each checked against the
    asking memory."""

    def __init__(self, max_regions=MAX_REGIONS):
        self.max_regions = max_regions
        self.places = {}
        self.order = collections.OrderedDict()   # id(cached) -> (place, cached), oldest first
        self.hits = 0
        self.misses = 0

    def find(self, mem, place):
        """The cached translation for ``place`` valid in ``mem`` now: a CachedRegion
        (``fn`` None: nothing translates there), or None when there is none."""
        for cached in self.places.get(place, ()):
            if cached.matches(mem):
                self.hits += 1
                self.order.move_to_end(id(cached))
                return cached
        self.misses += 1
        return None

    def add(self, place, log, region):
        cached = CachedRegion(log, region)
        candidates = self.places.setdefault(place, [])
        candidates.insert(0, cached)
        self.order[id(cached)] = (place, cached)
        if len(candidates) > MAX_PER_PLACE:
            self._drop(place, candidates[-1])
        while len(self.order) > self.max_regions:
            _, (old_place, old) = self.order.popitem(last=False)
            self._remove(old_place, old)
        return cached

    def _drop(self, place, cached):
        self.order.pop(id(cached), None)
        self._remove(place, cached)

    def _remove(self, place, cached):
        candidates = self.places.get(place)
        if candidates is not None and cached in candidates:
            candidates.remove(cached)
            if not candidates:
                del self.places[place]

    def clear(self):
        self.places.clear()
        self.order.clear()

    def __len__(self):
        return len(self.order)


# The one cache of this process, used by every Translator unless it is given another.
SHARED = RegionCache()
