"""The data files that ship inside the package, in ``pcemu/data/``.

The BIOS image and the VGA font are found next to this module when the
package sits in a folder (a source checkout, an editable install, an
installed wheel), and through ``importlib.resources`` otherwise (a zip), so
they are found whatever the current directory is, under CPython or PyPy.
``importlib.resources`` is not imported unless needed: under PyPy it brings
zipfile, tempfile and shutil with it, about 25 ms of start-up. Nor is
``pathlib``: with the urllib.parse, ipaddress and fnmatch it imports, it took
9 ms of ``import pcemu.machine`` under PyPy (81 -> 72 ms), for two file names.
``pcemu/data/README.md`` says where each file comes from and under what licence.
"""

import os

BIOS_IMAGE_NAME = "pcemu-bios.bin"
FONT_NAME = "cp437-8x16.bin"

_DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


class DataFile(object):
    """A file by its path (``os.fspath``, ``str``), with ``name`` and ``read_bytes()``: as
    much of pathlib.Path as the package uses (the files in ``pcemu/data/``, a font file
    given by path)."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)

    def __fspath__(self):
        return self.path

    def __str__(self):
        return self.path

    def __repr__(self):
        return "DataFile(%r)" % self.path

    def read_bytes(self):
        with open(self.path, "rb") as f:
            return f.read()


def data_file(name):
    """``pcemu/data/NAME`` as a path-like object with ``read_bytes()`` and ``name``
    (a DataFile, or an importlib.resources Traversable when the package is not in a folder)."""
    if os.path.isdir(_DATA_DIR):
        return DataFile(os.path.join(_DATA_DIR, name))
    from importlib import resources

    return resources.files("pcemu").joinpath("data").joinpath(name)
