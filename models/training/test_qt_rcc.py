"""Tests of qt_rcc on small .rcc bundles built here in memory."""

from __future__ import annotations

import importlib.util
import struct
import sys
import tempfile
import unittest
import zlib
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qt_rcc  # noqa: E402

PLAIN = b"hello, plain resource\n"
PACKED = b"zlib " * 200


def build_rcc(
    files: list[tuple[str, bytes, int]], dir_name: str = "dir", version: int = 3
) -> bytes:
    """A bundle with a root holding one directory `dir_name` that holds `files`.

    Each file is (name, stored payload, node flags); the payload is written as given,
    so the caller compresses it. Layout: header | data | names | tree.
    """
    header_size = 24 if version >= 3 else 20
    node_size = 14 if version == 1 else 22

    names = bytearray()

    def add_name(name: str) -> int:
        off = len(names)
        encoded = name.encode("utf-16-be")
        names.extend(struct.pack(">HI", len(encoded) // 2, 0) + encoded)
        return off

    data = bytearray()
    file_nodes: list[tuple[int, int, int]] = []  # (name offset, flags, data offset)
    for name, payload, flags in files:
        file_nodes.append((add_name(name), flags, len(data)))
        data.extend(struct.pack(">I", len(payload)) + payload)
    dir_name_off = add_name(dir_name)

    def node(name_off: int, flags: int, a: int, b: int) -> bytes:
        raw = struct.pack(">IHII", name_off, flags, a, b)
        if version >= 2:
            raw += struct.pack(">Q", 1_700_000_000_000)
        assert len(raw) == node_size
        return raw

    tree = node(0, qt_rcc.FLAG_DIRECTORY, 1, 1)  # root: one child, node 1
    tree += node(dir_name_off, qt_rcc.FLAG_DIRECTORY, len(files), 2)  # its files: nodes 2..
    for name_off, flags, data_off in file_nodes:
        tree += node(name_off, flags, (0 << 16) | 1, data_off)  # country 0, language C

    data_offset = header_size
    names_offset = data_offset + len(data)
    tree_offset = names_offset + len(names)
    header = b"qres" + struct.pack(">IIII", version, tree_offset, data_offset, names_offset)
    if version >= 3:
        header += struct.pack(">I", qt_rcc.FLAG_COMPRESSED)
    assert len(header) == header_size
    return header + bytes(data) + bytes(names) + tree


def zlib_payload(content: bytes) -> bytes:
    return struct.pack(">I", len(content)) + zlib.compress(content)


def standard_files() -> list[tuple[str, bytes, int]]:
    return [
        ("plain.txt", PLAIN, 0),
        ("packed.bin", zlib_payload(PACKED), qt_rcc.FLAG_COMPRESSED),
    ]


class QtRccTest(unittest.TestCase):
    def setUp(self) -> None:
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = Path(self._tmp.name)

    def tearDown(self) -> None:
        self._tmp.cleanup()

    def write(self, raw: bytes, name: str = "t.rcc") -> Path:
        path = self.tmp / name
        path.write_bytes(raw)
        return path

    def test_round_trip_all_versions(self) -> None:
        for version in (1, 2, 3):
            with self.subTest(version=version):
                path = self.write(build_rcc(standard_files(), version=version))
                self.assertEqual(qt_rcc.list_files(path), ["dir/plain.txt", "dir/packed.bin"])
                self.assertEqual(qt_rcc.extract(path, "dir/plain.txt"), PLAIN)
                self.assertEqual(qt_rcc.extract(path, "dir/packed.bin"), PACKED)
                self.assertEqual(qt_rcc.extract(path, ":/dir/packed.bin"), PACKED)
                self.assertEqual(
                    qt_rcc.read_all(path), {"dir/plain.txt": PLAIN, "dir/packed.bin": PACKED}
                )

    def test_entry_metadata(self) -> None:
        entries = qt_rcc.parse(build_rcc(standard_files(), version=2))
        self.assertEqual([e.zlib_compressed for e in entries], [False, True])
        self.assertEqual({(e.country, e.language) for e in entries}, {(0, 1)})
        self.assertEqual({e.last_modified for e in entries}, {1_700_000_000_000})
        self.assertIsNone(qt_rcc.parse(build_rcc(standard_files(), version=1))[0].last_modified)

    def test_non_ascii_name(self) -> None:
        path = self.write(build_rcc([("café ☃.txt", PLAIN, 0)], dir_name="ré"))
        self.assertEqual(qt_rcc.list_files(path), ["ré/café ☃.txt"])
        self.assertEqual(qt_rcc.extract(path, "ré/café ☃.txt"), PLAIN)

    def test_missing_path_is_key_error(self) -> None:
        path = self.write(build_rcc(standard_files()))
        with self.assertRaises(KeyError) as ctx:
            qt_rcc.extract(path, "dir/nope.txt")
        self.assertIn("dir/nope.txt", str(ctx.exception))
        with self.assertRaises(KeyError):
            qt_rcc.extract(path, "dir")  # a directory is not a file

    def test_truncated_is_value_error(self) -> None:
        raw = build_rcc(standard_files())
        for cut in (2, 10, 22, len(raw) - 3, len(raw) // 2):
            with self.subTest(cut=cut):
                path = self.write(raw[:cut])
                with self.assertRaises(ValueError):
                    qt_rcc.read_all(path)

    def test_truncated_data_is_value_error(self) -> None:
        raw = bytearray(build_rcc(standard_files()))
        # Claim a larger size for the first file's payload than the file holds.
        struct.pack_into(">I", raw, 24, len(raw) * 2)
        with self.assertRaises(ValueError):
            qt_rcc.extract(self.write(bytes(raw)), "dir/plain.txt")

    def test_not_qres_is_value_error(self) -> None:
        for raw in (b"", b"PK\x03\x04" + bytes(40)):
            with self.subTest(raw=raw[:4]), self.assertRaises(ValueError):
                qt_rcc.list_files(self.write(raw))
        bad_version = bytearray(build_rcc(standard_files()))
        struct.pack_into(">I", bad_version, 4, 9)
        with self.assertRaises(ValueError):
            qt_rcc.list_files(self.write(bytes(bad_version)))

    def test_bad_zlib_is_value_error(self) -> None:
        bad = struct.pack(">I", 10) + b"not zlib at all"
        path = self.write(build_rcc([("x", bad, qt_rcc.FLAG_COMPRESSED)]))
        with self.assertRaises(ValueError):
            qt_rcc.extract(path, "dir/x")

    def test_zstd_without_package_names_entry(self) -> None:
        path = self.write(build_rcc([("z.bin", b"\x28\xb5\x2f\xfd", qt_rcc.FLAG_COMPRESSED_ZSTD)]))
        self.assertEqual(qt_rcc.list_files(path), ["dir/z.bin"])  # listing needs no zstd
        with mock.patch.dict(sys.modules, {"zstandard": None}):
            with self.assertRaises(ValueError) as ctx:
                qt_rcc.extract(path, "dir/z.bin")
        self.assertIn("dir/z.bin", str(ctx.exception))
        self.assertIn("zstandard", str(ctx.exception))

    @unittest.skipUnless(importlib.util.find_spec("zstandard"), "zstandard not installed")
    def test_zstd_round_trip(self) -> None:
        import zstandard

        content = b"zstd " * 300
        for with_size in (True, False):
            frame = zstandard.ZstdCompressor(write_content_size=with_size).compress(content)
            with self.subTest(content_size_in_frame=with_size):
                path = self.write(build_rcc([("z.bin", frame, qt_rcc.FLAG_COMPRESSED_ZSTD)]))
                self.assertEqual(qt_rcc.extract(path, "dir/z.bin"), content)


if __name__ == "__main__":
    unittest.main()
