"""Read files out of a Qt binary resource bundle (``.rcc``).

What it is for: the GCompris photos used as training sources (Debian package
``gcompris-qt-data``, folder ``usr/share/gcompris-qt/rcc/``) do not ship as plain
files but inside one Qt resource bundle per activity, e.g. ``erase.rcc`` holds
``gcompris/src/activities/erase/resource/*.webp`` and the activity's ``README``
(with the photos' licences). This module lists and extracts those files with the
Python standard library alone, so no Qt is needed to rebuild the training set.

Format (all integers big-endian), versions 1, 2 and 3:

* Header: magic ``b"qres"``, u32 version, u32 tree offset, u32 data offset,
  u32 names offset, and for version >= 3 a u32 flags field (which compression
  algorithms the bundle uses: 0x01 zlib, 0x04 zstd). All offsets are from the
  start of the file.
* Names table (at names offset + a node's name offset): u16 length in UTF-16
  code units, u32 hash of the name, then the name in UTF-16BE.
* Tree (at tree offset): fixed-size nodes, 14 bytes in version 1 and 22 bytes
  in version 2+ (an extra u64 last-modified time, ms since the epoch, at the
  end). Node 0 is the root directory. Each node: u32 name offset, u16 flags
  (0x02 directory, 0x01 zlib-compressed, 0x04 zstd-compressed), then
  for a directory u32 child count + u32 index of its first child node (children
  are consecutive), for a file u16 country + u16 language + u32 data offset.
* File data (at data offset + the node's data offset): u32 size, then that many
  bytes. A zlib-compressed payload starts with a u32 uncompressed length, then
  the zlib stream; a zstd-compressed payload is a zstd frame, read with the
  optional ``zstandard`` package.

A path may appear more than once with different locales (country/language);
:func:`list_files` lists it once and :func:`extract` returns the locale-neutral
entry (country 0, language 0 or 1 = "C") if there is one, else the first.

API: :func:`list_files`, :func:`extract`, :func:`read_all` take a path to a
``.rcc`` file; :func:`parse` and :func:`read_entry` work on bytes already read.
Malformed input (not ``qres``, unknown version, truncated, cycles in the tree,
bad compressed data) raises :class:`ValueError`.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass

__all__ = [
    "RccEntry",
    "parse",
    "read_entry",
    "list_files",
    "extract",
    "read_all",
    "FLAG_COMPRESSED",
    "FLAG_DIRECTORY",
    "FLAG_COMPRESSED_ZSTD",
]

MAGIC = b"qres"
FLAG_COMPRESSED = 0x01
FLAG_DIRECTORY = 0x02
FLAG_COMPRESSED_ZSTD = 0x04

_NODE_SIZE_V1 = 14
_NODE_SIZE_V2 = 22


@dataclass(frozen=True)
class RccEntry:
    """One file node of a bundle."""

    path: str  # "dir/sub/name", no leading "/" or ":/"
    flags: int
    country: int
    language: int
    data_offset: int  # absolute offset of the u32 size that precedes the payload
    last_modified: int | None  # ms since the epoch (version 2+), else None

    @property
    def zlib_compressed(self) -> bool:
        return bool(self.flags & FLAG_COMPRESSED)

    @property
    def zstd_compressed(self) -> bool:
        return bool(self.flags & FLAG_COMPRESSED_ZSTD)


def _unpack(fmt: str, data: bytes, offset: int, what: str) -> tuple[int, ...]:
    size = struct.calcsize(fmt)
    if offset < 0 or offset + size > len(data):
        raise ValueError(
            f"truncated Qt resource bundle: {what} at offset {offset} needs {size} bytes, "
            f"file has {len(data)}"
        )
    return struct.unpack_from(fmt, data, offset)


def _name_at(data: bytes, names_offset: int, name_offset: int) -> str:
    at = names_offset + name_offset
    (length,) = _unpack(">H", data, at, "name length")
    start = at + 6  # u16 length + u32 hash
    end = start + 2 * length
    if end > len(data):
        raise ValueError(
            f"truncated Qt resource bundle: name at offset {at} ({length} UTF-16 units) "
            f"runs past the end of the file ({len(data)} bytes)"
        )
    try:
        return data[start:end].decode("utf-16-be")
    except UnicodeDecodeError as exc:
        raise ValueError(f"bad UTF-16 name at offset {at} in Qt resource bundle") from exc


def parse(data: bytes) -> list[RccEntry]:
    """All file entries of a bundle held in memory, in tree order."""
    if len(data) < 4 or data[:4] != MAGIC:
        raise ValueError("not a Qt resource bundle (missing b'qres' magic)")
    version, tree_offset, data_offset, names_offset = _unpack(">IIII", data, 4, "header")
    if version not in (1, 2, 3):
        raise ValueError(f"unsupported Qt resource bundle version {version} (know 1, 2, 3)")
    if version >= 3:
        _unpack(">I", data, 20, "header flags")
    node_size = _NODE_SIZE_V1 if version == 1 else _NODE_SIZE_V2

    def node(index: int) -> tuple[int, int, int, int, int, int | None]:
        at = tree_offset + index * node_size
        name_off, flags, a, b = _unpack(">IHII", data, at, f"tree node {index}")
        modified: int | None = None
        if version >= 2:
            (modified,) = _unpack(">Q", data, at + 14, f"tree node {index} timestamp")
        return index, name_off, flags, a, b, modified

    _, _, root_flags, _, _, _ = node(0)
    if not root_flags & FLAG_DIRECTORY:
        raise ValueError("malformed Qt resource bundle: root node is not a directory")

    entries: list[RccEntry] = []
    seen: set[int] = {0}
    stack: list[tuple[int, str]] = [(0, "")]  # (directory node index, its path)
    while stack:
        dir_index, dir_path = stack.pop()
        _, _, _, child_count, first_child, _ = node(dir_index)
        pending_dirs: list[tuple[int, str]] = []
        for child in range(first_child, first_child + child_count):
            if child in seen:
                raise ValueError(
                    f"malformed Qt resource bundle: tree node {child} reached twice (cycle)"
                )
            seen.add(child)
            _, name_off, flags, a, b, modified = node(child)
            name = _name_at(data, names_offset, name_off)
            path = f"{dir_path}/{name}" if dir_path else name
            if flags & FLAG_DIRECTORY:
                pending_dirs.append((child, path))
            else:
                country, language = a >> 16, a & 0xFFFF
                entries.append(
                    RccEntry(
                        path=path,
                        flags=flags,
                        country=country,
                        language=language,
                        data_offset=data_offset + b,
                        last_modified=modified,
                    )
                )
        # Reverse so that directories come off the stack in tree order.
        stack.extend(reversed(pending_dirs))
    return entries


def read_entry(data: bytes, entry: RccEntry) -> bytes:
    """The (decompressed) content of one entry of a bundle held in memory."""
    (size,) = _unpack(">I", data, entry.data_offset, f"size of {entry.path!r}")
    start = entry.data_offset + 4
    if start + size > len(data):
        raise ValueError(
            f"truncated Qt resource bundle: {entry.path!r} needs {size} bytes at offset "
            f"{start}, file has {len(data)}"
        )
    payload = data[start : start + size]
    if entry.zstd_compressed:
        return _zstd_decompress(payload, entry.path)
    if entry.zlib_compressed:
        if size < 4:
            raise ValueError(f"zlib entry {entry.path!r} is shorter than its length prefix")
        (expected,) = struct.unpack_from(">I", payload, 0)
        try:
            out = zlib.decompress(payload[4:])
        except zlib.error as exc:
            raise ValueError(f"bad zlib data in {entry.path!r}: {exc}") from exc
        if len(out) != expected:
            raise ValueError(
                f"zlib entry {entry.path!r} decompressed to {len(out)} bytes, "
                f"header says {expected}"
            )
        return out
    return payload


def _zstd_decompress(payload: bytes, path: str) -> bytes:
    try:
        import zstandard
    except ImportError as exc:
        raise ValueError(
            f"entry {path!r} is zstd-compressed; install the 'zstandard' package to read it"
        ) from exc
    try:
        # A decompressobj copes with frames that do not record their content size.
        return zstandard.ZstdDecompressor().decompressobj().decompress(payload)
    except zstandard.ZstdError as exc:
        raise ValueError(f"bad zstd data in {path!r}: {exc}") from exc


def _read(rcc_path: str | os.PathLike[str]) -> bytes:
    with open(rcc_path, "rb") as f:
        return f.read()


def _pick(entries: list[RccEntry]) -> dict[str, RccEntry]:
    """One entry per path: the locale-neutral one if present, else the first."""
    chosen: dict[str, RccEntry] = {}
    for e in entries:
        neutral = e.country == 0 and e.language in (0, 1)
        if e.path not in chosen or (
            neutral
            and not (chosen[e.path].country == 0 and chosen[e.path].language in (0, 1))
        ):
            chosen[e.path] = e
    return chosen


def _normalise(resource_path: str) -> str:
    return resource_path.removeprefix(":").lstrip("/")


def list_files(rcc_path: str | os.PathLike[str]) -> list[str]:
    """Resource paths of all files in the bundle, e.g.
    ``"gcompris/src/activities/erase/resource/bee.webp"``, in tree order, each once."""
    return list(_pick(parse(_read(rcc_path))))


def extract(rcc_path: str | os.PathLike[str], resource_path: str) -> bytes:
    """Content of one file; ``resource_path`` may start with ``/`` or ``:/``.
    Raises KeyError with the path if the bundle has no such file."""
    data = _read(rcc_path)
    entry = _pick(parse(data)).get(_normalise(resource_path))
    if entry is None:
        raise KeyError(resource_path)
    return read_entry(data, entry)


def read_all(rcc_path: str | os.PathLike[str]) -> dict[str, bytes]:
    """Every file of the bundle, path -> content, in tree order."""
    data = _read(rcc_path)
    return {path: read_entry(data, e) for path, e in _pick(parse(data)).items()}
