"""FAT12/FAT16 volumes inside disk images: list, read, write, make and remove.

Writes are planned entirely in memory (FAT changes, directory entries, data
clusters) and checked before the image is touched; only then are data clusters
written, followed by directory entries and finally the changed FAT sectors in
every FAT copy. Any refusal therefore leaves the image byte-for-byte unchanged.

Only 8.3 names are written. Existing VFAT long-name entries are skipped when
listing and retired together with their short entry when a file is removed.
"""
import collections
import fcntl
import os
import struct
import time

from . import mbr

ATTR_READ_ONLY = 0x01
ATTR_HIDDEN = 0x02
ATTR_SYSTEM = 0x04
ATTR_VOLUME_LABEL = 0x08
ATTR_DIRECTORY = 0x10
ATTR_ARCHIVE = 0x20
ATTR_LONG_NAME = 0x0F

ENTRY_SIZE = 32
DELETED_MARK = 0xE5
# A name starting with byte 0xE5 is stored with 0x05 so it does not read as deleted.
ESCAPED_E5 = 0x05

# Characters DOS accepts in 8.3 names besides letters and digits.
NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'()-@^_`{}~")

_ENTRY = struct.Struct("<11sBBBHHHHHHHI")


class FatError(Exception):
    """A refusal: bad name, missing file, damaged volume, not enough space..."""


class DirEntry(collections.namedtuple("DirEntry", "name attr size cluster date time raw_name index")):
    """A directory entry as listed.

    name is "BASE.EXT" (or "BASE"); date is (year, month, day) and time is
    (hour, minute, second) from the entry's last-write fields; index is the slot
    number inside its directory.
    """
    __slots__ = ()

    @property
    def is_dir(self):
        return bool(self.attr & ATTR_DIRECTORY)


def short_name(component):
    """The 11-byte directory form of an 8.3 name, upper-cased; FatError if the
    name is long or uses characters DOS does not allow."""
    upper = component.upper()
    base, dot, ext = upper.partition(".")
    if (not base or len(base) > 8 or len(ext) > 3 or "." in ext
            or any(ch not in NAME_CHARS for ch in base + ext)):
        raise FatError("%r is not a valid 8.3 name (up to 8 characters, a dot, up to 3; "
                       "letters, digits and !#$%%&'()-@^_`{}~ only)" % component)
    return (base.ljust(8) + ext.ljust(3)).encode("ascii")


def display_name(raw_name):
    """'BASE.EXT' from the 11 stored bytes."""
    raw = bytearray(raw_name)
    if raw[0] == ESCAPED_E5:
        raw[0] = DELETED_MARK
    base = bytes(raw[:8]).decode("cp437").rstrip(" ")
    ext = bytes(raw[8:11]).decode("cp437").rstrip(" ")
    return base + "." + ext if ext else base


def dos_datetime(timestamp):
    """(date, time) words for a POSIX timestamp in local time, clamped to the
    FAT range 1980..2107 (seconds are stored in 2-second units)."""
    tm = time.localtime(timestamp)
    year, month, day, hour, minute, second = tm[:6]
    if year < 1980:
        year, month, day, hour, minute, second = 1980, 1, 1, 0, 0, 0
    elif year > 2107:
        year, month, day, hour, minute, second = 2107, 12, 31, 23, 59, 58
    date = ((year - 1980) << 9) | (month << 5) | day
    clock = (hour << 11) | (minute << 5) | (min(second, 59) // 2)
    return date, clock


def decode_date(word):
    return 1980 + (word >> 9), (word >> 5) & 0x0F, word & 0x1F


def decode_time(word):
    return word >> 11, (word >> 5) & 0x3F, (word & 0x1F) * 2


def make_entry(raw_name, attr, cluster, size, timestamp):
    date, clock = dos_datetime(timestamp)
    return _ENTRY.pack(raw_name, attr, 0, 0, clock, date, date, 0, clock, date, cluster, size)


def split_path(path):
    """Path components, accepting / or \\ and an mtools-style leading '::'."""
    if path.startswith("::"):
        path = path[2:]
    return [part for part in path.replace("\\", "/").split("/") if part]


class BootSector(object):
    """The BIOS parameter block of a FAT12/FAT16 boot sector."""

    def __init__(self, sector):
        if not mbr.looks_like_boot_sector(sector):
            raise FatError("no FAT boot sector (no valid BIOS parameter block)")
        (self.bytes_per_sector, self.sectors_per_cluster, self.reserved_sectors,
         self.fat_count, self.root_entries, total16, self.media, self.fat_sectors,
         self.sectors_per_track, self.heads, self.hidden_sectors,
         total32) = struct.unpack_from("<HBHBHHBHHHII", sector, 11)
        self.oem = sector[3:11].decode("cp437")
        self.total_sectors = total16 or total32
        if self.fat_sectors == 0:
            raise FatError("FAT32 volumes are not supported (only FAT12 and FAT16)")
        if self.total_sectors == 0:
            raise FatError("boot sector gives the volume 0 sectors")
        self.has_extended_bpb = sector[38] == 0x29
        if self.has_extended_bpb:
            self.serial = struct.unpack_from("<I", sector, 39)[0]
            self.label = sector[43:54].decode("cp437").rstrip(" ")
            self.fs_type_field = sector[54:62].decode("cp437").rstrip(" ")
        else:
            self.serial = None
            self.label = ""
            self.fs_type_field = ""


class _Directory(object):
    """The raw bytes of one directory and where each 32-byte slot lives on disk."""

    def __init__(self, cluster, data, extents, chain):
        self.cluster = cluster        # 0 for the fixed root directory
        self.data = bytearray(data)
        self.extents = extents        # (volume byte offset, length) pieces in order
        self.chain = chain            # clusters of a subdirectory; None for the root

    @property
    def slot_count(self):
        return len(self.data) // ENTRY_SIZE

    def slot_offset(self, index):
        position = index * ENTRY_SIZE
        for offset, length in self.extents:
            if position < length:
                return offset + position
            position -= length
        raise IndexError(index)

    def entries(self):
        """(index, raw 32 bytes) of every slot up to the end-of-directory mark."""
        for index in range(self.slot_count):
            raw = bytes(self.data[index * ENTRY_SIZE:(index + 1) * ENTRY_SIZE])
            if raw[0] == 0:
                return
            yield index, raw


def _entry_from_raw(index, raw):
    (raw_name, attr, _nt, _tenth, _ctime, _cdate, _adate, _high, wtime, wdate,
     cluster, size) = _ENTRY.unpack(raw)
    return DirEntry(display_name(raw_name), attr, size, cluster,
                    decode_date(wdate), decode_time(wtime), raw_name, index)


class _Plan(object):
    """Pending changes to a volume: FAT entries, data clusters, directory slots."""

    def __init__(self, volume):
        self.volume = volume
        self.fat_changes = {}
        self.free_delta = 0
        self.data_writes = []          # (volume byte offset, bytes)
        self.dir_writes = {}           # volume byte offset -> 32-byte entry
        self.taken = set()             # clusters allocated by this plan
        self._in_use = None            # cluster -> directory entries reaching it

    def get(self, cluster):
        value = self.fat_changes.get(cluster)
        return self.volume.fat[cluster] if value is None else value

    def set(self, cluster, value):
        old = self.get(cluster)
        if old == 0 and value != 0:
            self.free_delta -= 1
        elif old != 0 and value == 0:
            self.free_delta += 1
        self.fat_changes[cluster] = value

    def free_clusters(self):
        return self.volume.free_clusters + self.free_delta

    def allocate(self, count):
        """count clusters chained together and ended, preferring clusters free
        before this change so that data being replaced is overwritten last.

        On a damaged volume a file's chain may run into a cluster the FAT marks
        free: that cluster still holds the file's data, so a cluster any
        directory entry reaches is never handed out (the one chain this plan
        frees is the exception)."""
        volume = self.volume
        if count == 0:
            return []
        if count > self.free_clusters():
            raise FatError("not enough space")
        if self._in_use is None:
            self._in_use = volume.clusters_in_use()
        in_use = self._in_use
        found = []
        for cluster in range(2, volume.max_cluster + 1):
            if volume.fat[cluster] == 0 and self.get(cluster) == 0 and cluster not in in_use \
                    and cluster not in self.taken:
                found.append(cluster)
                if len(found) == count:
                    break
        if len(found) < count:
            for cluster in range(2, volume.max_cluster + 1):
                if volume.fat[cluster] != 0 and self.get(cluster) == 0 and cluster not in self.taken \
                        and in_use.get(cluster, 0) <= 1:
                    found.append(cluster)
                    if len(found) == count:
                        break
        if len(found) < count:
            raise FatError("not enough space: the volume is damaged (clusters the FAT marks free "
                           "still hold files' data); check and repair it with fsck.fat")
        for current, following in zip(found, found[1:]):
            self.set(current, following)
        self.set(found[-1], volume.end_of_chain)
        self.taken.update(found)
        return found

    def free_chain(self, chain):
        for cluster in chain:
            self.set(cluster, 0)

    def write_entry(self, directory, index, raw):
        directory.data[index * ENTRY_SIZE:(index + 1) * ENTRY_SIZE] = raw
        self.dir_writes[directory.slot_offset(index)] = bytes(raw)

    def write_clusters(self, clusters, data):
        size = self.volume.cluster_bytes
        for position, cluster in enumerate(clusters):
            piece = data[position * size:(position + 1) * size]
            if len(piece) < size:
                piece = bytes(piece) + bytes(size - len(piece))
            self.data_writes.append((self.volume.cluster_offset(cluster), piece))


class Volume(object):
    """A FAT12/FAT16 volume at a byte offset inside an image file."""

    def __init__(self, path, offset=0, length=None):
        self.path = path
        self.offset = offset
        image_size = os.path.getsize(path)
        if length is None:
            length = image_size - offset
        if offset < 0 or offset + length > image_size or length < 512:
            raise FatError("volume at offset %d does not lie inside %s" % (offset, path))
        self._file = open(path, "rb", buffering=0)
        try:
            # The same advisory lock pcemu takes on its disks: reading beside a
            # running emulator is fine while it only reads; writing is not.
            self._lock(fcntl.LOCK_SH, "is being written by another program (a running pcemu?)")
            self._load(length)
        except Exception:
            self._file.close()
            raise

    def _lock(self, mode, why):
        try:
            fcntl.flock(self._file.fileno(), mode | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FatError("%s %s" % (self.path, why))

    def close(self):
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read(self, offset, length):
        self._file.seek(self.offset + offset)
        data = self._file.read(length)
        while len(data) < length:
            more = self._file.read(length - len(data))
            if not more:
                raise FatError("image is truncated: cannot read %d bytes at volume offset %d"
                               % (length, offset))
            data += more
        return data

    def _load(self, length):
        boot = BootSector(self._read(0, 512))
        self.boot = boot
        bps = boot.bytes_per_sector
        self.sector_size = bps
        if boot.total_sectors * bps > length:
            raise FatError("boot sector says the volume has %d sectors but only %d fit in the image"
                           % (boot.total_sectors, length // bps))
        self.fat_offset = boot.reserved_sectors * bps
        self.fat_bytes = boot.fat_sectors * bps
        self.root_offset = self.fat_offset + boot.fat_count * self.fat_bytes
        self.root_bytes = -(-boot.root_entries * ENTRY_SIZE // bps) * bps
        self.data_offset = self.root_offset + self.root_bytes
        self.cluster_bytes = boot.sectors_per_cluster * bps
        data_sectors = boot.total_sectors - self.data_offset // bps
        if data_sectors <= 0 or boot.root_entries == 0:
            raise FatError("boot sector describes an impossible layout (no data area or no root directory)")
        self.cluster_count = data_sectors // boot.sectors_per_cluster
        if self.cluster_count < 4085:
            self.fat_type = 12
        elif self.cluster_count < 65525:
            self.fat_type = 16
        else:
            raise FatError("volume has %d clusters: FAT32, which is not supported" % self.cluster_count)
        self.max_cluster = self.cluster_count + 1
        entries_room = self.fat_bytes * 2 // 3 if self.fat_type == 12 else self.fat_bytes // 2
        if entries_room < self.max_cluster + 1:
            raise FatError("FAT is too small for the volume's %d clusters" % self.cluster_count)
        if self.fat_type == 12:
            self.end_of_chain, self.bad_mark = 0xFFF, 0xFF7
        else:
            self.end_of_chain, self.bad_mark = 0xFFFF, 0xFFF7
        self.fat_raw = bytearray(self._read(self.fat_offset, self.fat_bytes))
        self.fat = self._decode_fat(self.fat_raw)
        if self.fat[0] & 0xFF != boot.media:
            raise FatError("damaged FAT: media byte 0x%02X in the FAT does not match 0x%02X in the boot sector"
                           % (self.fat[0] & 0xFF, boot.media))
        self._scan_fat()

    def _decode_fat(self, raw):
        count = self.max_cluster + 1
        if self.fat_type == 16:
            return list(struct.unpack_from("<%dH" % count, raw, 0))
        fat = [0] * count
        for cluster in range(count):
            position = cluster * 3 // 2
            pair = raw[position] | (raw[position + 1] << 8)
            fat[cluster] = (pair >> 4) if cluster & 1 else (pair & 0xFFF)
        return fat

    def _encode_fat_entry(self, raw, cluster, value):
        if self.fat_type == 16:
            struct.pack_into("<H", raw, cluster * 2, value)
            return
        position = cluster * 3 // 2
        if cluster & 1:
            raw[position] = (raw[position] & 0x0F) | ((value << 4) & 0xF0)
            raw[position + 1] = (value >> 4) & 0xFF
        else:
            raw[position] = value & 0xFF
            raw[position + 1] = (raw[position + 1] & 0xF0) | ((value >> 8) & 0x0F)

    def _scan_fat(self):
        """Count free clusters and how many FAT entries point at each cluster;
        refuse entries pointing outside the volume."""
        fat = self.fat
        last = self.max_cluster
        bad = self.bad_mark
        pointed = [0] * (last + 1)
        free = 0
        for cluster in range(2, last + 1):
            value = fat[cluster]
            if value == 0:
                free += 1
            elif value >= bad:
                continue
            elif value < 2 or value > last:
                raise FatError("damaged FAT: cluster %d points to cluster %d, outside the volume (2..%d)"
                               % (cluster, value, last))
            else:
                pointed[value] += 1
        self.free_clusters = free
        self._pointed = pointed

    # --- geometry -------------------------------------------------------

    def cluster_offset(self, cluster):
        return self.data_offset + (cluster - 2) * self.cluster_bytes

    @property
    def free_bytes(self):
        return self.free_clusters * self.cluster_bytes

    @property
    def total_bytes(self):
        return self.cluster_count * self.cluster_bytes

    @property
    def label(self):
        """The root directory's volume label entry, else the boot sector's."""
        root = self._root()
        for _, raw in root.entries():
            attr = raw[11]
            if raw[0] != DELETED_MARK and attr != ATTR_LONG_NAME and attr & ATTR_VOLUME_LABEL:
                return raw[:11].decode("cp437").rstrip(" ")
        # "NO NAME" is what formatters write when there is no label.
        return "" if self.boot.label == "NO NAME" else self.boot.label

    # --- chains and directories ----------------------------------------

    def clusters_in_use(self):
        """{cluster: how many directory entries reach it} over the whole tree,
        following chains as far as they go even when damaged: into a cluster
        marked free or bad (included, then stop), never round a loop or out of
        the volume."""
        fat = self.fat
        last = self.max_cluster
        counts = {}

        def follow(start):
            reached = []
            seen = set()
            cluster = start
            while 2 <= cluster <= last and cluster not in seen:
                seen.add(cluster)
                reached.append(cluster)
                value = fat[cluster]
                if value == 0 or value >= self.bad_mark:
                    break
                cluster = value
            return reached

        pending = [self._root().data]
        visited = set()
        while pending:
            data = pending.pop()
            for index in range(len(data) // ENTRY_SIZE):
                raw = bytes(data[index * ENTRY_SIZE:(index + 1) * ENTRY_SIZE])
                if raw[0] == 0:
                    break
                attr = raw[11]
                if raw[0] == DELETED_MARK or attr == ATTR_LONG_NAME or attr & ATTR_VOLUME_LABEL:
                    continue
                if raw[:11] in (b".          ", b"..         "):
                    continue
                start = struct.unpack_from("<H", raw, 26)[0]
                chain = follow(start)
                for cluster in chain:
                    counts[cluster] = counts.get(cluster, 0) + 1
                if attr & ATTR_DIRECTORY and chain and start not in visited:
                    visited.add(start)
                    pending.append(b"".join(self._read(self.cluster_offset(c), self.cluster_bytes)
                                            for c in chain))
        return counts

    def chain(self, start, what="file"):
        """Clusters of the chain starting at start, refusing loops, cross-links,
        free or bad clusters in the middle, and cluster numbers outside the volume."""
        if start < 2 or start > self.max_cluster:
            raise FatError("damaged volume: %s starts at cluster %d, outside the volume (2..%d)"
                           % (what, start, self.max_cluster))
        fat = self.fat
        seen = set()
        clusters = []
        cluster = start
        while True:
            seen.add(cluster)
            clusters.append(cluster)
            value = fat[cluster]
            if value > self.bad_mark:
                break
            if value == 0 or value == self.bad_mark:
                raise FatError("damaged FAT: %s's chain runs into a %s cluster (%d)"
                               % (what, "free" if value == 0 else "bad", cluster))
            if value in seen:
                raise FatError("looping cluster chain: %s comes back to cluster %d" % (what, value))
            cluster = value
        # Loops are ruled out, so a cluster pointed at by more FAT entries than
        # this chain accounts for belongs to another chain as well.
        for position, cluster in enumerate(clusters):
            if self._pointed[cluster] > (0 if position == 0 else 1):
                raise FatError("cross-linked cluster chain: %s shares cluster %d with another chain"
                               % (what, cluster))
        return clusters

    def _runs(self, clusters):
        """(volume offset, length) for each run of consecutive clusters."""
        runs = []
        for cluster in clusters:
            offset = self.cluster_offset(cluster)
            if runs and runs[-1][0] + runs[-1][1] == offset:
                runs[-1] = (runs[-1][0], runs[-1][1] + self.cluster_bytes)
            else:
                runs.append((offset, self.cluster_bytes))
        return runs

    def _root(self):
        return _Directory(0, self._read(self.root_offset, self.root_bytes),
                          [(self.root_offset, self.root_bytes)], None)

    def _subdirectory(self, cluster, what):
        clusters = self.chain(cluster, what)
        extents = self._runs(clusters)
        data = b"".join(self._read(offset, length) for offset, length in extents)
        return _Directory(cluster, data, extents, clusters)

    def _find(self, directory, raw_name):
        for index, raw in directory.entries():
            attr = raw[11]
            if raw[0] == DELETED_MARK or attr == ATTR_LONG_NAME or attr & ATTR_VOLUME_LABEL:
                continue
            stored = bytearray(raw[:11])
            if stored[0] == ESCAPED_E5:
                stored[0] = DELETED_MARK
            if bytes(stored).upper() == raw_name:
                return _entry_from_raw(index, raw)
        return None

    def _walk(self, components, path):
        """The directory named by components (each must be a directory)."""
        stack = [self._root()]
        for position, part in enumerate(components):
            if part == ".":
                continue
            if part == "..":
                if len(stack) > 1:
                    stack.pop()
                continue
            entry = self._find(stack[-1], short_name(part))
            shown = "/" + "/".join(components[:position + 1])
            if entry is None:
                raise FatError("%s: no such file or directory" % shown)
            if not entry.is_dir:
                raise FatError("%s: not a directory" % shown)
            if entry.cluster == 0:
                stack.append(self._root())
            else:
                stack.append(self._subdirectory(entry.cluster, "directory " + shown))
        return stack[-1]

    def _parent_and_name(self, path):
        components = split_path(path)
        if not components or components[-1] in (".", ".."):
            raise FatError("%r does not name a file" % path)
        return self._walk(components[:-1], path), components[-1], "/" + "/".join(components)

    # --- public reading API --------------------------------------------

    def listdir(self, path="/"):
        """DirEntry for each file and directory (including . and ..); skips
        deleted slots, long-name pieces and the volume label."""
        directory = self._walk(split_path(path), path)
        listing = []
        for index, raw in directory.entries():
            attr = raw[11]
            if raw[0] == DELETED_MARK or attr == ATTR_LONG_NAME or attr & ATTR_VOLUME_LABEL:
                continue
            listing.append(_entry_from_raw(index, raw))
        return listing

    def stat(self, path):
        """The DirEntry of a file or directory; FatError if missing."""
        parent, name, shown = self._parent_and_name(path)
        entry = self._find(parent, short_name(name))
        if entry is None:
            raise FatError("%s: no such file or directory" % shown)
        return entry

    def exists(self, path):
        try:
            self.stat(path)
        except FatError:
            return False
        return True

    def is_dir(self, path):
        if not split_path(path):
            return True
        try:
            return self.stat(path).is_dir
        except FatError:
            return False

    def read_file(self, path):
        entry = self.stat(path)
        shown = "/" + "/".join(split_path(path))
        if entry.is_dir:
            raise FatError("%s: is a directory" % shown)
        if entry.size == 0:
            return b""
        clusters = self.chain(entry.cluster, shown)
        needed = -(-entry.size // self.cluster_bytes)
        if len(clusters) < needed:
            raise FatError("damaged volume: %s is %d bytes but its chain has only %d clusters"
                           % (shown, entry.size, len(clusters)))
        data = b"".join(self._read(offset, length) for offset, length in self._runs(clusters[:needed]))
        return data[:entry.size]

    # --- public writing API --------------------------------------------

    def _free_slot(self, plan, directory, shown_dir):
        """Index of a free slot in directory, growing a subdirectory by one
        zeroed cluster when it is full."""
        for index in range(directory.slot_count):
            first = directory.data[index * ENTRY_SIZE]
            if first == DELETED_MARK:
                return index
            if first == 0:
                # Slots past the end mark are free but not guaranteed to be
                # zeroed: move the mark along so no stale entry comes to life.
                following = index + 1
                if following < directory.slot_count and directory.data[following * ENTRY_SIZE] != 0:
                    plan.write_entry(directory, following, bytes(ENTRY_SIZE))
                return index
        if directory.chain is None:
            raise FatError("root directory is full (%d entries)" % (directory.slot_count,))
        if plan.free_clusters() < 1:
            raise FatError("not enough space on the volume to grow directory %s" % shown_dir)
        new = plan.allocate(1)[0]
        plan.set(directory.chain[-1], new)
        plan.write_clusters([new], b"")
        index = directory.slot_count
        directory.data.extend(bytes(self.cluster_bytes))
        directory.extents.append((self.cluster_offset(new), self.cluster_bytes))
        directory.chain.append(new)
        return index

    def _check_not_shared(self, directory, entry, shown):
        """A start cluster used by two entries of the same directory would be
        freed under the other one."""
        for index, raw in directory.entries():
            if index == entry.index or raw[0] == DELETED_MARK or raw[11] == ATTR_LONG_NAME:
                continue
            if raw[11] & ATTR_VOLUME_LABEL:
                continue
            other = _entry_from_raw(index, raw)
            if other.cluster == entry.cluster and other.name not in (".", ".."):
                raise FatError("cross-linked cluster chain: %s and %s both start at cluster %d"
                               % (shown, other.name, entry.cluster))

    def write_file(self, path, data, timestamp=None):
        """Create or replace a file with data (bytes); timestamp (POSIX seconds)
        becomes its date/time, default now."""
        if timestamp is None:
            timestamp = time.time()
        parent, name, shown = self._parent_and_name(path)
        raw_name = short_name(name)
        existing = self._find(parent, raw_name)
        plan = _Plan(self)
        if existing is not None:
            if existing.is_dir:
                raise FatError("%s: is a directory" % shown)
            if existing.cluster:
                self._check_not_shared(parent, existing, shown)
                plan.free_chain(self.chain(existing.cluster, shown))
        needed = -(-len(data) // self.cluster_bytes)
        grow = 0
        if existing is None:
            has_slot = any(directory_byte in (0, DELETED_MARK)
                           for directory_byte in parent.data[::ENTRY_SIZE])
            if not has_slot:
                if parent.chain is None:
                    raise FatError("root directory is full (%d entries)" % parent.slot_count)
                grow = 1
        if needed + grow > plan.free_clusters():
            raise FatError("not enough space for %s: needs %d bytes, %d bytes free"
                           % (shown, (needed + grow) * self.cluster_bytes,
                              plan.free_clusters() * self.cluster_bytes))
        if existing is None:
            index = self._free_slot(plan, parent, shown.rsplit("/", 1)[0] or "/")
            attr = ATTR_ARCHIVE
        else:
            index = existing.index
            attr = existing.attr | ATTR_ARCHIVE
        clusters = plan.allocate(needed)
        plan.write_clusters(clusters, data)
        plan.write_entry(parent, index, make_entry(raw_name, attr, clusters[0] if clusters else 0,
                                                   len(data), timestamp))
        self._commit(plan)

    def mkdir(self, path, timestamp=None):
        if timestamp is None:
            timestamp = time.time()
        parent, name, shown = self._parent_and_name(path)
        raw_name = short_name(name)
        if self._find(parent, raw_name) is not None:
            raise FatError("%s: already exists" % shown)
        plan = _Plan(self)
        has_slot = any(b in (0, DELETED_MARK) for b in parent.data[::ENTRY_SIZE])
        if not has_slot and parent.chain is None:
            raise FatError("root directory is full (%d entries)" % parent.slot_count)
        needed = 1 if has_slot else 2
        if needed > plan.free_clusters():
            raise FatError("not enough space for directory %s: needs %d bytes, %d bytes free"
                           % (shown, needed * self.cluster_bytes, plan.free_clusters() * self.cluster_bytes))
        index = self._free_slot(plan, parent, shown.rsplit("/", 1)[0] or "/")
        cluster = plan.allocate(1)[0]
        contents = (make_entry(b".          ", ATTR_DIRECTORY, cluster, 0, timestamp)
                    + make_entry(b"..         ", ATTR_DIRECTORY, parent.cluster, 0, timestamp))
        plan.write_clusters([cluster], contents)
        plan.write_entry(parent, index, make_entry(raw_name, ATTR_DIRECTORY, cluster, 0, timestamp))
        self._commit(plan)

    def _retire_entry(self, plan, directory, index):
        """Mark a slot deleted, with the long-name pieces just before it."""
        raw = bytearray(directory.data[index * ENTRY_SIZE:(index + 1) * ENTRY_SIZE])
        raw[0] = DELETED_MARK
        plan.write_entry(directory, index, raw)
        previous = index - 1
        while previous >= 0:
            piece = bytearray(directory.data[previous * ENTRY_SIZE:(previous + 1) * ENTRY_SIZE])
            if piece[11] != ATTR_LONG_NAME or piece[0] == DELETED_MARK:
                break
            piece[0] = DELETED_MARK
            plan.write_entry(directory, previous, piece)
            previous -= 1

    def remove(self, path):
        """Delete a file (not a directory: see rmdir)."""
        parent, name, shown = self._parent_and_name(path)
        entry = self._find(parent, short_name(name))
        if entry is None:
            raise FatError("%s: no such file or directory" % shown)
        if entry.is_dir:
            raise FatError("%s: is a directory (use rmdir)" % shown)
        plan = _Plan(self)
        if entry.cluster:
            self._check_not_shared(parent, entry, shown)
            plan.free_chain(self.chain(entry.cluster, shown))
        self._retire_entry(plan, parent, entry.index)
        self._commit(plan)

    def rmdir(self, path):
        """Delete an empty directory."""
        parent, name, shown = self._parent_and_name(path)
        entry = self._find(parent, short_name(name))
        if entry is None:
            raise FatError("%s: no such file or directory" % shown)
        if not entry.is_dir:
            raise FatError("%s: not a directory (use rm)" % shown)
        if entry.cluster == 0:
            raise FatError("damaged volume: directory %s has no clusters" % shown)
        directory = self._subdirectory(entry.cluster, "directory " + shown)
        for _, raw in directory.entries():
            if raw[0] == DELETED_MARK or raw[11] == ATTR_LONG_NAME or raw[11] & ATTR_VOLUME_LABEL:
                continue
            if raw[:11] not in (b".          ", b"..         "):
                raise FatError("%s: directory is not empty" % shown)
        plan = _Plan(self)
        self._check_not_shared(parent, entry, shown)
        plan.free_chain(directory.chain)
        self._retire_entry(plan, parent, entry.index)
        self._commit(plan)

    # --- committing ------------------------------------------------------

    def _commit(self, plan):
        new_raw = bytearray(self.fat_raw)
        for cluster, value in plan.fat_changes.items():
            self._encode_fat_entry(new_raw, cluster, value)
        bps = self.sector_size
        changed = [start for start in range(0, self.fat_bytes, bps)
                   if new_raw[start:start + bps] != self.fat_raw[start:start + bps]]
        self._lock(fcntl.LOCK_EX, "is in use by another program (a running pcemu?): stop it first")
        with open(self.path, "r+b") as f:
            for offset, data in plan.data_writes:
                f.seek(self.offset + offset)
                f.write(data)
            for offset in sorted(plan.dir_writes):
                f.seek(self.offset + offset)
                f.write(plan.dir_writes[offset])
            f.flush()
            for copy in range(self.boot.fat_count):
                base = self.offset + self.fat_offset + copy * self.fat_bytes
                for start in changed:
                    f.seek(base + start)
                    f.write(new_raw[start:start + bps])
            f.flush()
            os.fsync(f.fileno())
        self.fat_raw = new_raw
        self.fat = self._decode_fat(new_raw)
        self._scan_fat()


def open_volume(path, partition=None, offset=None):
    """Open the FAT volume of an image.

    With offset: the volume at that byte offset. With partition (1..4): that
    MBR partition. Otherwise the whole image if it starts with a FAT boot
    sector (a floppy), else the first FAT partition of its MBR.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FatError("%s: no such image file" % path)
    if offset is not None:
        return Volume(path, offset)
    try:
        if partition is not None:
            part = mbr.find_partition(path, partition)
            return Volume(path, part.start_lba * mbr.SECTOR_SIZE, part.sectors * mbr.SECTOR_SIZE)
        partitions = mbr.read_partition_table(path)
    except mbr.MbrError as error:
        raise FatError(str(error))
    if partitions is None:
        return Volume(path, 0)
    for part in partitions:
        if part.type in mbr.FAT_PARTITION_TYPES:
            return Volume(path, part.start_lba * mbr.SECTOR_SIZE, part.sectors * mbr.SECTOR_SIZE)
    raise FatError("%s: no FAT12/FAT16 partition in the partition table" % path)
