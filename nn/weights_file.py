"""Reading a weights file (``.npz``) within bounds: every header checked before any array is read.

An ``.npz`` is a zip archive with one ``.npy`` member per parameter (``0.weight.npy``).
`read_weights` trusts no number in the file before checking it against the model it is
loaded into, given as each parameter's name and shape:

1. the file may be no larger than weights for that model can be (`most_bytes`: 16 bytes a
   number, the widest real type, plus room for the headers), so the zip's directory is small;
2. each member must be stored or deflated (as ``np.savez`` and ``np.savez_compressed``
   write them) and named after a parameter, each parameter once;
3. each member's ``.npy`` header (at most 10,000 bytes: numpy's header reader) must give the
   parameter's shape and real numbers, and the unpacked size the zip declares for the member
   must be exactly that header plus shape × item size: a zip bomb declares more;
4. only then is each array read, exactly the bytes its header describes (the zip checks the
   member's checksum at that end), so a member that unpacks to more is never read past it.

A header that claims 10**15 entries, or a 3.9 MiB member unpacking to 3.7 GiB, is refused
before anything is allocated, in one line naming the file and the member. The messages for
names and shapes that do not fit are shared with `nn.checkpoint.load_state_dict`.
"""

from __future__ import annotations

import contextlib
import math
import os
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from chaingrad.autograd.arrays import shape_text

_ZIP_MAGIC = b"PK"  # every zip archive (an .npz) starts with these bytes
_NPY_MAGIC = b"\x93NUMPY"  # a single .npy array
_WIDEST = 16  # bytes per number of the widest real dtype (np.longdouble)
_MEMBER_ROOM = 16 * 1024  # a member's .npy header (at most 10,000 bytes) and zip records
_ARCHIVE_ROOM = 1024  # the zip's end records
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


class WeightsFileError(ValueError):
    """A weights file that cannot be loaded into the model: unreadable, larger than its
    weights can be, or not fitting it (names, shapes, declared sizes)."""


@dataclass(frozen=True)
class _Member:
    """One checked ``.npy`` member: where its data starts, and what its header says."""

    info: zipfile.ZipInfo
    header_size: int
    dtype: np.dtype
    shape: tuple[int, ...]
    fortran_order: bool


def most_bytes(shapes: Mapping[str, tuple[int, ...]]) -> int:
    """The most bytes a weights file for parameters of these shapes takes, in any real dtype."""
    numbers = sum(math.prod(shape) for shape in shapes.values())
    return _WIDEST * numbers + _MEMBER_ROOM * len(shapes) + _ARCHIVE_ROOM


def read_weights(
    path: str | os.PathLike[str], shapes: Mapping[str, tuple[int, ...]], where: str
) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` weights file at `path`, by name, each checked against
    `shapes` (every parameter's name and shape) from its header before it is read.

    Raises `WeightsFileError` (a ValueError) for a file that is not a readable ``.npz``, is
    larger than `most_bytes`, or whose names, shapes or declared sizes do not fit, and
    TypeError for arrays of anything but real numbers; messages start with `where`.
    """
    limit = most_bytes(shapes)
    with _unreadable_as_error(where), open(path, "rb") as file:
        start = file.read(len(_NPY_MAGIC))
        if start == _NPY_MAGIC:
            raise ValueError("a single .npy array, not an .npz archive of named weights")
        if not start.startswith(_ZIP_MAGIC):
            raise ValueError("it does not start like an .npz (zip) archive")
        size = os.fstat(file.fileno()).st_size
        if size > limit:
            raise WeightsFileError(
                f"{where}: the file is {_bytes(size)}, more than weights for this model take "
                f"(at most {_bytes(limit)} for its {sum(map(math.prod, shapes.values()))} "
                "numbers); pass a file saved (nn.save) from a model with the same layers"
            )
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            members = _members(archive, shapes, where)
            return {name: _read(archive, member) for name, member in members.items()}


def names_mismatch(where: str, expected: Sequence[str], names: Sequence[str]) -> str | None:
    """The message for weights whose `names` are not exactly the model's (`expected`),
    or None when they are."""
    missing = [name for name in expected if name not in names]
    unexpected = [name for name in names if name not in expected]
    if not missing and not unexpected:
        return None
    parts = []
    if missing:
        parts.append(f"missing {_listed(missing)}")
    if unexpected:
        parts.append(f"unexpected {_listed(unexpected)}")
    return (
        f"{where}: the weights do not fit this model: {'; '.join(parts)} "
        f"(the model's keys: {', '.join(expected)})"
    )


def shape_mismatch(where: str, name: str, shape: tuple[int, ...], expected: tuple[int, ...]) -> str:
    """The message for weights `name` of `shape` where the model's parameter has `expected`."""
    return (
        f"{where}: {name!r} has shape {shape_text(shape)} but the model's {name} has shape "
        f"{shape_text(expected)}"
    )


def _members(
    archive: zipfile.ZipFile, shapes: Mapping[str, tuple[int, ...]], where: str
) -> dict[str, _Member]:
    """Every member checked from the zip's directory and its header, in the model's order."""
    infos = archive.infolist()
    names = [info.filename.removesuffix(".npy") for info in infos]
    mismatch = names_mismatch(where, list(shapes), names)
    if mismatch is not None:
        raise WeightsFileError(mismatch)
    twice = [name for name, count in Counter(names).items() if count > 1]
    if twice:
        raise WeightsFileError(
            f"{where}: the archive holds {twice[0]!r} more than once; pass a file written by "
            "nn.save"
        )
    members = {}
    for info, name in zip(infos, names):
        if info.compress_type not in _METHODS:
            raise WeightsFileError(
                f"{where}: {name!r} is compressed with zip method {info.compress_type}; weights "
                "files are stored or deflated (np.savez, np.savez_compressed): pass a file "
                "written by nn.save"
            )
        members[name] = _header(archive, info, name, shapes[name], where)
    return {name: members[name] for name in shapes}


def _header(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    expected: tuple[int, ...],
    where: str,
) -> _Member:
    """Read and check one member's ``.npy`` header, and the size the zip declares for it."""
    with archive.open(info) as stream:
        version = np.lib.format.read_magic(stream)
        read_header = _HEADER_READERS.get(version)
        if read_header is None:
            raise ValueError(f"{name!r} is an .npy array of format version {version}")
        shape, fortran_order, dtype = read_header(stream)
        header_size = stream.tell()
    if shape != tuple(expected):
        raise WeightsFileError(shape_mismatch(where, name, shape, expected))
    if dtype.hasobject or dtype.kind not in "fiub":
        raise TypeError(
            f"{where}: {name!r}: data must be real numbers, got an array of dtype {dtype}; "
            "pass a file written by nn.save"
        )
    described = header_size + math.prod(shape) * dtype.itemsize
    if info.file_size != described:
        raise WeightsFileError(
            f"{where}: {name!r} declares {_bytes(info.file_size)} unpacked, but its header "
            f"describes {_bytes(described)} ({shape_text(shape)} {dtype}); the file is damaged "
            "or was not written by nn.save"
        )
    return _Member(info, header_size, dtype, shape, fortran_order)


def _read(archive: zipfile.ZipFile, member: _Member) -> np.ndarray:
    """The member's array: exactly the bytes its header describes (its declared size)."""
    size = member.info.file_size - member.header_size
    with archive.open(member.info) as stream:
        stream.read(member.header_size)
        data = stream.read(size)
    if len(data) != size:
        raise EOFError(f"{member.info.filename} ends after {len(data)} of its {size} bytes")
    array = np.frombuffer(data, dtype=member.dtype)
    return array.reshape(member.shape, order="F" if member.fortran_order else "C")


@contextlib.contextmanager
def _unreadable_as_error(where: str) -> Iterator[None]:
    """Turn what zipfile and numpy raise for a damaged file into one `WeightsFileError`."""
    try:
        yield
    except WeightsFileError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise WeightsFileError(
            f"{where}: not a readable .npz weights file ({error}); pass a file written by nn.save"
        ) from None


def _bytes(count: int) -> str:
    """A size as people read it: 266 bytes, 3.9 MiB, 3.7 GiB."""
    if count < 1024:
        return f"{count} bytes"
    power = min(int(math.log(count, 1024)), 3)
    return f"{count / 1024**power:.1f} {('KiB', 'MiB', 'GiB')[power - 1]}"


def _listed(names: Sequence[str], most: int = 10) -> str:
    """Names joined by commas, at most `most` of them (a crafted archive may hold thousands)."""
    shown = ", ".join(map(str, names[:most]))
    return shown if len(names) <= most else f"{shown} and {len(names) - most} more"
