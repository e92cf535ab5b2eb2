"""Word 97-2003 (and Word 6/95) ``.doc`` reader: LibreOffice converts, the DOCX reader reads.

A ``.doc`` is an OLE2 compound file (magic ``D0 CF 11 E0 A1 B1 1A E1``) holding a
``WordDocument`` stream; Excel, Outlook and PowerPoint files share the container but not
that stream, so :func:`sniff` reads the compound file's directory. Before converting, the
Word file header (FIB) is checked: a password-protected document raises
:class:`EncryptedDocument` (as does a password-protected DOCX/XLSX, which Office wraps in
the same container as an ``EncryptedPackage`` stream), and its version picks LibreOffice's
import filter, so a damaged file is refused instead of being imported as plain text.
"""

from __future__ import annotations

import struct

from ...core.model import RawDocument
from ...errors import EncryptedDocument, ReaderError
from ..limits import DEFAULT_LIMITS, Limits
from . import docx, office

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MEDIA_TYPE = "application/msword"
WORD_STREAM = "WordDocument"
ENCRYPTED_STREAM = "EncryptedPackage"
_WORD_NAME = WORD_STREAM.encode("utf-16-le")

_FREE, _END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE
_MAX_REGULAR_SECTOR = 0xFFFFFFFA
_DIR_ENTRY = 128
_STREAM, _ROOT = 2, 5


class CompoundFileError(ValueError):
    """The OLE2 compound file structure is damaged."""


class CompoundFile:
    """A minimal read-only OLE2 (CFB) parser: the directory, and the head of a stream."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(OLE_MAGIC):
            raise CompoundFileError("not an OLE2 compound file")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise CompoundFileError(f"bad sector shift {shift}/{mini_shift}")
        self.sector_size = 1 << shift
        self.mini_cutoff = struct.unpack_from("<I", data, 0x38)[0]
        self.sector_count = max(-(-(len(data) - self.sector_size) // self.sector_size), 0)
        self.fat = self._read_fat()
        self.entries = self._read_directory(struct.unpack_from("<I", data, 0x30)[0])
        self.mini_fat_start = struct.unpack_from("<I", data, 0x3C)[0]

    def _sector(self, index: int) -> bytes:
        if index > _MAX_REGULAR_SECTOR or index >= self.sector_count:
            raise CompoundFileError(f"sector {index} outside the file")
        start = (index + 1) * self.sector_size
        return self.data[start:start + self.sector_size]

    def _read_fat(self) -> list[int]:
        data, per_sector = self.data, self.sector_size // 4
        fat_count, difat_start, difat_count = (struct.unpack_from("<I", data, 0x2C)[0],
                                               *struct.unpack_from("<II", data, 0x44))
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s <= _MAX_REGULAR_SECTOR]
        sector, seen = difat_start, 0
        while sector <= _MAX_REGULAR_SECTOR and seen < min(difat_count, self.sector_count):
            values = struct.unpack(f"<{per_sector}I", self._sector(sector))
            fat_sectors += [s for s in values[:-1] if s <= _MAX_REGULAR_SECTOR]
            sector, seen = values[-1], seen + 1
        fat_sectors = fat_sectors[:max(fat_count, 1)]
        fat: list[int] = []
        for index in fat_sectors:
            fat += struct.unpack(f"<{per_sector}I", self._sector(index))
        if not fat:
            raise CompoundFileError("empty sector allocation table")
        return fat

    def _chain(self, start: int, table: list[int]) -> list[int]:
        chain, sector = [], start
        while sector != _END_OF_CHAIN:
            if sector >= len(table) or len(chain) > len(table):
                raise CompoundFileError(f"broken sector chain at {sector}")
            chain.append(sector)
            sector = table[sector]
        return chain

    def _read_directory(self, start: int) -> dict[str, tuple[int, int, int]]:
        raw = b"".join(self._sector(s) for s in self._chain(start, self.fat))
        entries: dict[str, tuple[int, int, int]] = {}
        for offset in range(0, len(raw) - _DIR_ENTRY + 1, _DIR_ENTRY):
            name_len, kind = struct.unpack_from("<HB", raw, offset + 64)
            if kind not in (1, _STREAM, _ROOT) or not 2 <= name_len <= 64:
                continue
            name = raw[offset:offset + name_len - 2].decode("utf-16-le", "replace")
            first, size = struct.unpack_from("<IQ", raw, offset + 116)
            if self.sector_size == 512:
                size &= 0xFFFFFFFF
            entries.setdefault(name, (kind, first, size))
        if not any(kind == _ROOT for kind, _, _ in entries.values()):
            raise CompoundFileError("no root directory entry")
        return entries

    def has_stream(self, name: str) -> bool:
        return self.entries.get(name, (0, 0, 0))[0] == _STREAM

    def head(self, name: str, length: int = 512) -> bytes:
        """The first ``length`` bytes of stream ``name`` (regular or mini stream)."""
        kind, first, size = self.entries[name]
        length = min(length, size)
        if size >= self.mini_cutoff:
            out = b""
            for sector in self._chain(first, self.fat):
                out += self._sector(sector)
                if len(out) >= length:
                    break
            return out[:length]
        root = next(entry for entry in self.entries.values() if entry[0] == _ROOT)
        mini_fat_raw = b"".join(self._sector(s) for s in self._chain(self.mini_fat_start, self.fat))
        mini_fat = list(struct.unpack(f"<{len(mini_fat_raw) // 4}I", mini_fat_raw))
        mini_stream = b"".join(self._sector(s) for s in self._chain(root[1], self.fat))
        out = b""
        for sector in self._chain(first, mini_fat):
            out += mini_stream[sector * 64:(sector + 1) * 64]
            if len(out) >= length:
                break
        return out[:length]


def sniff(data: bytes) -> bool:
    """True for an OLE2 compound file with a ``WordDocument`` stream (or a password-wrapped OOXML).

    A compound file too damaged to parse still counts when a ``WordDocument`` directory
    name is in it, so the reader reports it as corrupt rather than as an unknown format.
    """
    if not data.startswith(OLE_MAGIC):
        return False
    try:
        ole = CompoundFile(data)
    except (CompoundFileError, struct.error):
        return _WORD_NAME in data
    return ole.has_stream(WORD_STREAM) or ole.has_stream(ENCRYPTED_STREAM)


def damaged(data: bytes) -> bool:
    """True for bytes that start like a compound file but whose structure cannot be parsed.

    Used with a ``.doc`` file name: such a file is reported as a corrupt Word document.
    """
    if not data.startswith(OLE_MAGIC):
        return False
    try:
        CompoundFile(data)
    except (CompoundFileError, struct.error):
        return True
    return False


def import_filter(fib: bytes) -> str | None:
    """LibreOffice's import filter for this Word version (from the FIB's ``nFib``)."""
    if len(fib) < 4:
        return None
    ident, n_fib = struct.unpack_from("<HH", fib, 0)
    if ident not in (0xA5EC, 0xA5DC):
        return None
    if n_fib >= 0xC0:
        return "MS Word 97"
    if n_fib >= 0x68:
        return "MS Word 95"
    if n_fib >= 0x65:
        return "MS WinWord 6.0"
    return None


def inspect(data: bytes, filename: str) -> str | None:
    """Check the compound file before converting; returns the import filter to use.

    Raises :class:`EncryptedDocument` for a password-protected document and
    :class:`ReaderError` for a damaged file or one without a Word document in it.
    """
    try:
        ole = CompoundFile(data)
        if ole.has_stream(ENCRYPTED_STREAM) and not ole.has_stream(WORD_STREAM):
            raise EncryptedDocument(f"{filename!r} is a password-protected Office document (encrypted package)")
        if not ole.has_stream(WORD_STREAM):
            raise ReaderError(f"{filename!r} is an OLE2 file without a WordDocument stream: not a Word document")
        fib = ole.head(WORD_STREAM, 32)
    except (CompoundFileError, struct.error, KeyError, StopIteration) as exc:
        raise ReaderError(f"{filename!r} is a corrupt Word document: {exc}") from exc
    if len(fib) >= 12:
        flags = struct.unpack_from("<H", fib, 0x0A)[0]
        if flags & 0x0100:  # fEncrypted (with fObfuscated: XOR obfuscation, also password-protected)
            raise EncryptedDocument(f"{filename!r} is a password-protected Word document")
    return import_filter(fib)


def read(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> RawDocument:
    """Read a ``.doc`` file: check it, convert it to DOCX with LibreOffice, read the DOCX."""
    infilter = inspect(data, filename)
    converted, converter = office.convert_to_docx(data, filename, suffix=".doc", infilter=infilter)
    raw = docx.read_docx_bytes(converted, filename, what="Word document", limits=limits)
    raw.media_type = MEDIA_TYPE
    raw.ingest["reader"] = "doc"
    raw.ingest["converter"] = converter.label
    return raw
