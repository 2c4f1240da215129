"""The data files that ship inside the package, in ``pcemu/data/``.

The BIOS image and the VGA font are read through ``importlib.resources``, so
they are found the same way from a source checkout, an editable install or an
installed wheel (under CPython or PyPy), whatever the current directory is.
``pcemu/data/README.md`` says where each file comes from and under what licence.
"""

from importlib import resources

BIOS_IMAGE_NAME = "pcemu-bios.bin"
FONT_NAME = "cp437-8x16.bin"


def data_file(name):
    """``pcemu/data/NAME`` as an importlib.resources Traversable (``read_bytes()``, ``name``)."""
    return resources.files("pcemu").joinpath("data").joinpath(name)

