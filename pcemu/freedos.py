"""The FreeDOS boot floppy built into pcemu (``pcemu/data/freedos.img.gz``).

FreeDOS is free software under the GNU GPL version 2 (or later); the licence
and where the exact sources are published are in ``pcemu/data/FREEDOS.txt``
next to the image. The image is built reproducibly from the FreeDOS Boot
Disks project's 1.44M floppy by ``tools/make_freedos_image.py``.

``pcemu`` with no disk boots it with writes kept in memory;
``pcemu-img create --freedos NAME.img`` writes a copy the user owns.
"""

import gzip

NAME = "built-in FreeDOS"
RESOURCE = "data/freedos.img.gz"
NOTICE = "data/FREEDOS.txt"

_cache = {}


def _resource(name):
    from .resources import data_file

    return data_file(name.rpartition("/")[2]).read_bytes()  # "data/NAME"


def image_bytes():
    """The 1.44M floppy image, uncompressed."""
    if "image" not in _cache:
        _cache["image"] = gzip.decompress(_resource(RESOURCE))
    return _cache["image"]


def image_digest():
    """SHA-256 of the image (what saved states and the run cache are keyed by)."""
    if "digest" not in _cache:
        import hashlib  # ~0.05 s to import under PyPy: only saved states and `pcemu run` need it

        _cache["digest"] = hashlib.sha256(image_bytes()).hexdigest()
    return _cache["digest"]


def notice_text():
    return _resource(NOTICE).decode("utf-8")


def open_disk():
    """A DiskImage of the built-in floppy; the guest's writes stay in memory."""
    from .disk import DiskImage

    disk = DiskImage.from_bytes(image_bytes(), NAME, kind="floppy")
    disk.builtin = True
    return disk
