"""Crafted weights files for the tests: zip archives written byte by byte, so that a member
can declare any size, lie in its .npy header or unpack to gigabytes from a few megabytes,
without the test ever holding what the file claims."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

import numpy as np

MiB = 1 << 20


@dataclass(frozen=True)
class Member:
    """One zip member: its name, the bytes stored, and what the zip's records say of them."""

    name: str
    payload: bytes
    unpacked: int  # the size the zip declares for the member once unpacked
    crc: int
    method: int = 0  # 0 stored, 8 deflated


def stored(name: str, content: bytes) -> Member:
    """A member stored as is, its records true."""
    return Member(name, content, len(content), zlib.crc32(content))


def npy(array: np.ndarray, version: tuple[int, int] | None = None) -> bytes:
    """`array` as an .npy file (header and data)."""
    out = io.BytesIO()
    np.lib.format.write_array(out, array, version=version, allow_pickle=False)
    return out.getvalue()


def npy_header(shape: tuple[int, ...], dtype: str = "<f8") -> bytes:
    """An .npy header alone, claiming `shape` and `dtype` (no data follows)."""
    out = io.BytesIO()
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(out, header)
    return out.getvalue()


def deflated_zeros(
    name: str, head: bytes, zeros_mib: int, *, unpacked: int | None = None
) -> Member:
    """A deflated member: `head`, then `zeros_mib` MiB of zero bytes, about 1 KiB per MiB.

    Each MiB of zeros is deflated once and its block repeated (a full flush makes the
    blocks independent), so a 3.7 GiB member costs 4 MB to write and nothing to hold.
    `unpacked` is the size the zip declares (default: the true one); the checksum is that
    of `head` alone, which is right only when nothing is read past it.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    payload = start + block * zeros_mib + compressor.flush()
    size = len(head) + zeros_mib * MiB if unpacked is None else unpacked
    return Member(name, payload, size, zlib.crc32(head), method=8)


def zip_bytes(members: list[Member]) -> bytes:
    """A zip archive of `members`, with their records as given (no zip64, no extras)."""
    local, central = b"", b""
    for m in members:
        name = m.name.encode()
        offset = len(local)
        sizes = (m.crc, len(m.payload), m.unpacked)
        local += struct.pack(
            "<4s5H3I2H", b"PK\x03\x04", 20, 0, m.method, 0, 0, *sizes, len(name), 0
        )
        local += name + m.payload
        central += struct.pack(
            "<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, m.method, 0, 0, *sizes, len(name), 0, 0, 0,
            0, 0, offset,
        )  # fmt: skip
        central += name
    count = len(members)
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, count, count, len(central), len(local), 0)
    return local + central + end
