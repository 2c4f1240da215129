"""The data files that ship inside the package, in ``pcemu/data/``.

The BIOS image and the VGA font are found next to this module when the
package sits in a folder (a source checkout, an editable install, an
installed wheel), and through ``importlib.resources`` otherwise (a zip), so
they are found whatever the current directory is, under CPython or PyPy.
``importlib.resources`` is not imported unless needed: under PyPy it brings
zipfile, tempfile and shutil with it, about 25 ms of start-up.
``pcemu/data/README.md`` says where each file comes from and under what licence.
"""

import os
import pathlib

BIOS_IMAGE_NAME = "pcemu-bios.bin"
FONT_NAME = "cp437-8x16.bin"

_DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def data_file(name):
    """``pcemu/data/NAME`` as a path-like object with ``read_bytes()`` and ``name``
    (a pathlib.Path, or an importlib.resources Traversable when the package is not in a folder)."""
    if os.path.isdir(_DATA_DIR):
        return pathlib.Path(_DATA_DIR, name)
    from importlib import resources

    return resources.files("pcemu").joinpath("data").joinpath(name)
