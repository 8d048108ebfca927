"""Building .docx files as an attacker would: real zips made with zipfile, then their
headers patched where zipfile will not write a lie (sizes, CRCs, flags, methods, names)."""

from __future__ import annotations

import io
import struct
import zipfile

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT = "word/document.xml"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def document(body: str | bytes, *, prefix: bytes = DECLARATION) -> bytes:
    """``body`` inside ``<w:document><w:body>``, the w: prefix declared as Word declares it."""
    inner = body.encode() if isinstance(body, str) else body
    head = f'<w:document xmlns:w="{W_NS}"><w:body>'.encode()
    return prefix + head + inner + b"</w:body></w:document>"


def paragraphs(*texts: str) -> bytes:
    return document("".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in texts))


def zipped(
    xml: bytes,
    *,
    method: int = zipfile.ZIP_DEFLATED,
    extra: list[tuple[str, bytes]] | None = None,
    name: str = DOCUMENT,
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for other, data in extra or []:
            archive.writestr(other, data)
        archive.writestr(name, xml)
    return buffer.getvalue()


# Offsets of the fields in a local file header (PK\3\4) and a central directory entry
# (PK\1\2): flags, method, CRC-32, compressed size, uncompressed size, name length, name.
_LOCAL = {"flags": 6, "method": 8, "crc": 14, "csize": 18, "size": 22, "name_len": 26, "name": 30}
_CENTRAL = {
    "flags": 8,
    "method": 10,
    "crc": 16,
    "csize": 20,
    "size": 24,
    "name_len": 28,
    "name": 46,
}
_FORMATS = {"flags": "<H", "method": "<H", "crc": "<I", "csize": "<I", "size": "<I"}


def _entries(data: bytearray, name: bytes) -> list[tuple[int, dict[str, int]]]:
    """Where ``name``'s local header and central entry start."""
    found = []
    for signature, fields in ((b"PK\x03\x04", _LOCAL), (b"PK\x01\x02", _CENTRAL)):
        at = data.find(signature)
        while at >= 0:
            (length,) = struct.unpack_from("<H", data, at + fields["name_len"])
            if data[at + fields["name"] : at + fields["name"] + length] == name:
                found.append((at, fields))
            at = data.find(signature, at + 4)
    return found


def patched(data: bytes, name: str | bytes = DOCUMENT, **values: int) -> bytes:
    """``data`` with header fields of ``name`` set in both its headers. ``flags_or`` sets bits."""
    out = bytearray(data)
    entries = _entries(out, name.encode() if isinstance(name, str) else name)
    assert entries, f"{name!r} not in the zip"
    for at, fields in entries:
        for key, value in values.items():
            field = "flags" if key == "flags_or" else key
            if key == "flags_or":
                value |= struct.unpack_from("<H", out, at + fields["flags"])[0]
            struct.pack_into(_FORMATS[field], out, at + fields[field], value)
    return bytes(out)


def renamed(data: bytes, old: str, new: bytes) -> bytes:
    """``old``'s name bytes replaced by ``new`` (same length) in both headers."""
    assert len(new) == len(old.encode())
    out = bytearray(data)
    for at, fields in _entries(out, old.encode()):
        out[at + fields["name"] : at + fields["name"] + len(new)] = new
    return bytes(out)


def member_data(data: bytes, name: str = DOCUMENT) -> tuple[int, int]:
    """Where ``name``'s compressed bytes start in ``data``, and how many there are."""
    for at, fields in _entries(bytearray(data), name.encode()):
        if fields is _LOCAL:
            name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
            (csize,) = struct.unpack_from("<I", data, at + _LOCAL["csize"])
            return at + 30 + name_len + extra_len, csize
    raise AssertionError(f"{name} not in the zip")


def with_zip64_directory_at(data: bytes, offset: int) -> bytes:
    """``data`` with a ZIP64 end record saying its central directory starts at ``offset``."""
    end = data.rfind(b"PK\x05\x06")
    cd_size, _ = struct.unpack_from("<II", data, end + 12)
    record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 1, 1, cd_size, offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    tail = bytearray(data[end:])
    struct.pack_into("<I", tail, 16, 0xFFFFFFFF)  # "see the ZIP64 record"
    return data[:end] + record + locator + bytes(tail)


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def ole_file(*, encrypted: bool) -> bytes:
    """The start of an OLE compound file, as Word writes a password-protected document (its
    directory names the stream ``EncryptedPackage``) or an old .doc (``WordDocument``)."""
    stream = "EncryptedPackage" if encrypted else "WordDocument"
    return OLE_MAGIC + b"\x00" * 504 + stream.encode("utf-16-le") + b"\x00" * 1024
