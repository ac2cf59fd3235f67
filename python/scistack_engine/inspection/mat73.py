"""MATLAB's v7.3 MAT-file layout, written through HDF5 (``h5py``) for what v5 cannot hold.

A v7.3 MAT-file is an HDF5 file with a 512-byte user block. The block's first 128 bytes
are MATLAB's header: 116 bytes of text (``MATLAB 7.3 MAT-file, Platform: ..., Created
on: ... HDF5 schema 1.00 .`` padded with spaces), 8 zero bytes (no subsystem data), the
version ``0x0200`` and the endian mark ``IM``; the rest of the block is zeros. Every
variable is an object at the root carrying a ``MATLAB_class`` attribute:

* numeric and logical arrays are datasets of their type (logical as ``uint8`` with
  ``MATLAB_int_decode`` 1; complex as a compound of ``real`` and ``imag``);
* ``char`` is a ``uint16`` dataset of UTF-16 code units, ``MATLAB_int_decode`` 2;
* data is column-major: a dataset's HDF5 dimensions are the MATLAB size reversed, so a
  NumPy array (row-major) is written as its transpose and scalars are 1 x 1;
* an empty array stores its MATLAB size (``uint64``) as its data, with ``MATLAB_empty`` 1;
* a cell array is a dataset of object references to datasets in the ``/#refs#`` group;
* a struct is a group with a ``MATLAB_fields`` attribute (each field name as an array of
  one-byte strings): a scalar struct holds its fields directly, a struct array holds per
  field a reference dataset of the array's size, its elements in ``/#refs#``.

This module only lays out values that :func:`~scistack_engine.inspection.export.to_mat_value`
produced (the type map of ``docs/data-model.md``, shared with the v5 writer): it decides
no type itself.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import UnsupportedValueError

__all__ = ["HEADER_SIZE", "header", "write_mat73"]

HEADER_SIZE = 128  # bytes of MATLAB's header at the start of the 512-byte user block
_USERBLOCK = 512
_CLASSES = {"f8": "double", "f4": "single", "c16": "double", "c8": "single", "b1": "logical",
            "i1": "int8", "u1": "uint8", "i2": "int16", "u2": "uint16", "i4": "int32",
            "u4": "uint32", "i8": "int64", "u8": "uint64"}
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def header(now: dt.datetime | None = None) -> bytes:
    """The 128 bytes MATLAB writes at the start of a v7.3 file (English day and month)."""
    now = now or dt.datetime.now()
    text = (f"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: {_DAYS[now.weekday()]} "
            f"{_MONTHS[now.month - 1]} {now:%d %H:%M:%S %Y} HDF5 schema 1.00 .")
    return text.ljust(116).encode("ascii") + bytes(8) + b"\x00\x02IM"


def write_mat73(path: str | os.PathLike, variables: Mapping[str, Any]) -> None:
    """Write ``variables`` (name -> value as ``to_mat_value`` gives it, or a struct array
    as a NumPy structured array of objects) to a v7.3 MAT-file at ``path``.

    Needs ``h5py`` (``pip install 'scistack[mat]'``). Inside MATLAB or GNU Octave, which
    load their own HDF5 library first, h5py usually fails to import: the error then says
    to run ``scistack export`` from a shell instead.
    """
    try:
        import h5py
    except Exception as exc:  # an ImportError, or a clash with an HDF5 library loaded first
        raise UnsupportedValueError(
            f"writing {os.fspath(path)!r} as a v7.3 .mat file needs h5py, which cannot be "
            f"imported here ({exc}): install it (pip install 'scistack[mat]'), or, inside "
            "MATLAB or Octave (whose own HDF5 library is already loaded), run scistack "
            "export DB VAR --mat-version 7.3 -o OUT from a shell; values under 2 GB can "
            "also be exported as v5") from exc

    with h5py.File(path, "w", userblock_size=_USERBLOCK) as file:
        layout = _Layout(file)
        for name, value in variables.items():
            layout.put(file, name, value)
    with open(path, "r+b") as raw:
        raw.write(header())


class _Layout:
    """Places values in one open file; referenced values go to ``/#refs#``."""

    def __init__(self, file: Any) -> None:
        self.file = file
        self.refs = None
        self.count = 0

    def put(self, parent: Any, name: str, value: Any) -> Any:
        """Write ``value`` as ``parent[name]``; returns the dataset or group."""
        if isinstance(value, dict):
            return self._struct(parent, name, value)
        if isinstance(value, np.ndarray) and value.dtype.names:
            return self._struct_array(parent, name, value)
        if isinstance(value, np.ndarray) and value.dtype == object:
            return self._cell(parent, name, value)
        if isinstance(value, str):
            units = np.frombuffer(value.encode("utf-16-le"), dtype="<u2")
            return self._array(parent, name, units.reshape(1, -1) if value else
                               np.zeros((0, 0), "<u2"), "char", decode=2)
        array = np.asarray(value)
        key = array.dtype.kind + str(array.dtype.itemsize) if array.dtype.kind != "b" else "b1"
        return self._array(parent, name, array, _CLASSES[key],
                           decode=1 if array.dtype.kind == "b" else None)

    def _reference(self, value: Any) -> Any:
        if self.refs is None:
            self.refs = self.file.create_group("#refs#")
        self.count += 1
        return self.put(self.refs, f"r{self.count}", value).ref

    def _array(self, parent: Any, name: str, array: np.ndarray, cls: str,
               decode: int | None = None) -> Any:
        size = _matlab_size(array.shape)
        grid = array.reshape(size)
        if 0 in size:
            data = np.array(size, dtype="u8")
        elif grid.dtype.kind == "c":
            part = grid.real.dtype
            data = np.empty(size, [("real", part), ("imag", part)])
            data["real"], data["imag"] = grid.real, grid.imag
            data = data.T
        else:
            data = (grid.astype("u1") if grid.dtype.kind == "b" else grid).T
        dataset = parent.create_dataset(name, data=np.ascontiguousarray(data))
        _attribute(dataset, cls, empty=0 in size, decode=decode)
        return dataset

    def _cell(self, parent: Any, name: str, cells: np.ndarray) -> Any:
        import h5py

        size = _matlab_size(cells.shape)
        if 0 in size:
            return self._array(parent, name, np.zeros(cells.shape), "cell")
        grid = cells.reshape(size)
        refs = np.empty(size[::-1], dtype=h5py.ref_dtype)
        for index in np.ndindex(*size):
            refs[index[::-1]] = self._reference(grid[index])
        dataset = parent.create_dataset(name, data=refs)
        _attribute(dataset, "cell")
        return dataset

    def _struct(self, parent: Any, name: str, fields: Mapping[str, Any]) -> Any:
        group = parent.create_group(name)
        _attribute(group, "struct", fields=list(fields))
        for key, value in fields.items():
            self.put(group, key, value)
        return group

    def _struct_array(self, parent: Any, name: str, elements: np.ndarray) -> Any:
        names = list(elements.dtype.names or ())
        group = parent.create_group(name)
        _attribute(group, "struct", fields=names)
        for field in names:
            cells = np.empty(elements.shape, dtype=object)
            for index in np.ndindex(*elements.shape):
                cells[index] = elements[index][field]
            self._cell(group, field, cells)
        return group


def _matlab_size(shape: tuple[int, ...]) -> tuple[int, ...]:
    """MATLAB's size of a NumPy shape: at least two dimensions (a scalar is 1 x 1, a 1-D
    array a column)."""
    return (1, 1) if not shape else (shape[0], 1) if len(shape) == 1 else tuple(shape)


def _attribute(node: Any, cls: str, empty: bool = False, decode: int | None = None,
               fields: list[str] | None = None) -> None:
    import h5py

    node.attrs.create("MATLAB_class", np.bytes_(cls))
    if decode is not None:
        node.attrs.create("MATLAB_int_decode", np.int32(decode))
    if empty:
        node.attrs.create("MATLAB_empty", np.uint8(1))
    if fields is not None:
        names = np.empty(len(fields), dtype=h5py.vlen_dtype(np.dtype("S1")))
        for i, field in enumerate(fields):
            names[i] = np.array(list(field.encode("ascii")), dtype="u1").view("S1")
        node.attrs.create("MATLAB_fields", names)
