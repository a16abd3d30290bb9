"""The DOCX's zip: deflated entries with fixed timestamps, written byte for byte as ``zipfile`` does.

A room of its own because it knows nothing of Word or templates: the
straightforward renderer rewrites docxtpl's zip through it (fixed times and
order, so two builds are byte-identical), and ``CompiledTemplate`` writes a
letter from parts it deflated once for the whole batch.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

#: Zip entries get this timestamp so two builds are byte-identical.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

#: One zip entry, deflated: (CRC-32, compressed bytes, uncompressed size).
Deflated = tuple[int, bytes, int]


def deflate(data: bytes) -> Deflated:
    """*data* deflated with zipfile's own settings for ZIP_DEFLATED, so the archive is what zipfile writes."""
    c = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return zlib.crc32(data), c.compress(data) + c.flush(), len(data)


def normalise_zip(data: bytes) -> bytes:
    """Rewrite the zip with fixed timestamps and order; content unchanged."""
    src = zipfile.ZipFile(io.BytesIO(data))
    return write_zip([(info.filename, src.read(info.filename)) for info in src.infolist()])


def write_zip(entries: list[tuple[str, bytes | Deflated]]) -> bytes:
    """A deflated zip with fixed timestamps and 0644 permissions, byte for byte what
    ``zipfile`` writes for the same entries (``tests/render/test_fast_path.py``
    checks it), but taking entries that are already deflated: a batch deflates a
    template's unchanged parts once, not once per letter.
    """
    dosdate = (ZIP_EPOCH[0] - 1980) << 9 | ZIP_EPOCH[1] << 5 | ZIP_EPOCH[2]
    dostime = ZIP_EPOCH[3] << 11 | ZIP_EPOCH[4] << 5 | (ZIP_EPOCH[5] // 2)
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, data in entries:
        crc, packed, size = deflate(data) if isinstance(data, bytes) else data
        try:
            fname, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            fname, flags = name.encode("utf-8"), 0x800
        # The fields the local header and the central directory record share,
        # from the flags to the name's length, in the same order in both.
        shared = struct.pack(
            "<4HL2LH", flags, zipfile.ZIP_DEFLATED, dostime, dosdate, crc, len(packed), size, len(fname)
        )
        # Local: signature, version needed 2.0, then no extra field.
        header = b"PK\003\004" + struct.pack("<H", 20) + shared + struct.pack("<H", 0)
        # Central: signature, made by 2.0 on Unix (3), version needed 2.0, then
        # no extra field or comment, disk 0, internal attributes 0, external
        # attributes (mode 0644) and the local header's offset.
        central.append(
            b"PK\001\002"
            + struct.pack("<2BH", 20, 3, 20)
            + shared
            + struct.pack("<4H2L", 0, 0, 0, 0, 0o644 << 16, offset)
            + fname
        )
        out += (header, fname, packed)
        offset += len(header) + len(fname) + len(packed)
    directory = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\005\006", 0, 0, len(entries), len(entries), len(directory), offset, 0)
    return b"".join(out) + directory + end
