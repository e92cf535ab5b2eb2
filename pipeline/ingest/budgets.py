"""Content budgets: refuse a document whose content would inflate beyond :class:`~.limits.Limits`
before a parser holds it all in memory.

* PDF: every stream that is not an image is inflated incrementally (never held whole) and the
  total is counted against ``max_stream_bytes``; a flate bomb stops at the budget.
* DOCX: the XML parts' declared sizes (which :mod:`zipfile` enforces when reading) against
  ``max_xml_bytes``.
* Any format: the characters read against ``max_chars``.

Each refusal is a :class:`~pipeline.errors.TooLarge` error with a hint naming the setting.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from typing import Iterable

from ..errors import TooLarge
from .limits import Limits

_STREAM = re.compile(rb"stream\r?\n")
_CHUNK = 1024 * 1024
_MB = 1024 * 1024


def _hint(setting: str) -> str:
    return (f"The document holds more than this installation accepts; split it, or raise the limit "
            f"({setting}) if it is a genuine document.")


def _dictionary_before(data: bytes, start: int) -> bytes:
    """The object dictionary just before a ``stream`` keyword (up to 2 KB back)."""
    head = data[max(0, start - 2048):start]
    at = head.rfind(b"obj")
    return head[at:] if at >= 0 else head


def inflated_stream_bytes(data: bytes, budget: int) -> int:
    """Bytes the Flate-compressed, non-image streams of a PDF inflate to, counted up to just over
    ``budget`` (inflation stops there). Streams that are not Flate or fail to inflate count as
    their raw size."""
    total = 0
    for match in _STREAM.finditer(data):
        start = match.end()
        head = _dictionary_before(data, match.start())
        if b"/Image" in head:
            continue
        if b"/FlateDecode" not in head and b"/Fl " not in head and b"/Fl]" not in head:
            continue
        inflater = zlib.decompressobj()
        pos = start
        try:
            while pos < len(data) and not inflater.eof:
                piece = data[pos:pos + 64 * 1024]
                pos += len(piece)
                out = inflater.decompress(piece, _CHUNK)
                total += len(out)
                while inflater.unconsumed_tail and total <= budget:
                    out = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
                    total += len(out)
                if total > budget:
                    return total
        except zlib.error:
            continue
    return total


def check_pdf_streams(data: bytes, filename: str, limits: Limits) -> None:
    """Refuse a PDF whose text streams would inflate beyond ``limits.max_stream_bytes``."""
    if not data.startswith(b"%PDF") and b"%PDF" not in data[:1024]:
        return
    total = inflated_stream_bytes(data, limits.max_stream_bytes)
    if total > limits.max_stream_bytes:
        raise TooLarge(
            f"{filename!r}: its streams inflate to more than {limits.max_stream_bytes // _MB} MiB "
            f"(a {len(data) / _MB:.1f} MiB file); possible decompression bomb",
            hint=_hint("VNPLAN_MAX_STREAM_MB"))


def check_docx_xml(data: bytes, filename: str, limits: Limits) -> None:
    """Refuse a DOCX whose XML parts hold more than ``limits.max_xml_bytes``."""
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = sum(i.file_size for i in archive.infolist() if i.filename.lower().endswith((".xml", ".rels")))
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # the reader names the damage
    if xml > limits.max_xml_bytes:
        raise TooLarge(
            f"{filename!r} holds {xml / _MB:.0f} MiB of XML, over the limit of {limits.max_xml_bytes // _MB} MiB",
            hint=_hint("VNPLAN_MAX_XML_MB"))


def check_chars(pages: Iterable[str], filename: str, limits: Limits) -> None:
    """Refuse a document whose text is longer than ``limits.max_chars`` characters."""
    total = sum(len(p) for p in pages)
    if total > limits.max_chars:
        raise TooLarge(
            f"{filename!r} holds {total:,} characters of text, over the limit of {limits.max_chars:,}",
            hint=_hint("VNPLAN_MAX_CHARS"))


def check_text_bytes(data: bytes, filename: str, limits: Limits) -> None:
    """Refuse a plain text that cannot fit ``max_chars`` whatever its encoding (4 bytes a
    character at most), before it is decoded."""
    if len(data) > 4 * limits.max_chars:
        raise TooLarge(f"{filename!r} is {len(data):,} bytes of text, more than {limits.max_chars:,} characters",
                       hint=_hint("VNPLAN_MAX_CHARS"))
