"""Plain-text reader, and the text helpers every reader shares.

* :func:`decode` turns bytes into ``str``: a BOM first (UTF-8, UTF-16, UTF-32), then strict
  UTF-8, then a declared charset (HTML ``<meta charset>``), then charset-normalizer's guess
  (e.g. ``cp1258`` for Windows-1258 Vietnamese).
  Bytes that are not UTF-8 are also read as Windows-1252, the way TCVN3/VNI files (8-bit
  font encodings) read, and whichever reading is more Vietnamese once legacy text is
  converted is kept.
* :func:`web_text_document` converts text in pre-Unicode Vietnamese font encodings
  (TCVN3/ABC, VNI), which decode without error but read as Latin-1 gibberish ("QuyÕt
  ®Þnh"), to Unicode by its content (:func:`pipeline.ingest.legacy.repair`), and records what it
  converted in ``ingest["encoding"]``. :func:`check_unicode_vietnamese` still refuses text
  that looks legacy after that.
* :func:`strip_site_chrome` drops the widgets, counters and "Tin tức khác" lists that texts
  copied from government web sites carry; the patterns are data
  (``pipeline/lang/vi/site_chrome.json``). Every other line is kept exactly as it was:
  whitespace is left to the normalisation stage.

Unicode normalisation is not done here; readers return the text as decoded.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from charset_normalizer import from_bytes

from ...core.model import RawDocument
from ...errors import EmptyDocument, LegacyEncoding, ReaderError
from ...lang.syllables import text_quality
from ..chrome import CHROME_FILE, chrome_patterns, strip_site_chrome  # noqa: F401 (part of this reader's interface)
from ..legacy import EncodingReport, repair
from ..limits import DEFAULT_LIMITS, Limits

SNIFF_BYTES = 8192

# Longest BOM first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UTF8 = {"utf-8", "utf-8-sig"}
LEGACY_CODEPAGE = "cp1252"
# Windows-1252 as Windows reads it: the five bytes the codec leaves undefined map to U+0080+b.
_CP1252 = {b: bytes([b]).decode(LEGACY_CODEPAGE, errors="ignore") or chr(b) for b in range(0x80, 0xA0)}

# Latin-1 letters and signs that Unicode Vietnamese never uses, but TCVN3 and VNI text
# decoded as a Western code page is full of ("¸", "µ", "®", "ñ", "ø" ...).
_FOREIGN = re.compile("[\u00a1-\u00ff]")
_FOREIGN_OK = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ«»°±×§\u00a0")
# Letters and combining tone marks only Unicode Vietnamese has.
_VIETNAMESE = re.compile("[ĂăĐđĨĩŨũƠơƯư\u1ea0-\u1ef9\u0300\u0301\u0303\u0309\u0323]")
LEGACY_MIN_CHARS = 20
LEGACY_MIN_WORDS = 5  # a code page no detector names is accepted as TCVN3/VNI from this many words
LEGACY_MIN_SYLLABLES = 0.5  # ... of which at least this share are Vietnamese syllables once converted
LEGACY_SAMPLE_BYTES = 65536  # how much of a file decides between its detected code page and Windows-1252


def bom_encoding(data: bytes) -> str | None:
    """The codec a byte-order mark at the start of ``data`` calls for, if any."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def looks_binary(data: bytes) -> bool:
    """True for NUL bytes near the start of a file that has no UTF-16/32 BOM."""
    return bom_encoding(data) is None and b"\x00" in data[:SNIFF_BYTES]


def _guess_encoding(data: bytes) -> str | None:
    """charset-normalizer's best guess, or ``None`` when it finds nothing coherent."""
    best = from_bytes(data).best()
    return best.encoding if best is not None else None


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``; returns the text and the codec name used.

    Raises :class:`ReaderError` when no encoding fits.
    """
    bom = bom_encoding(data)
    if bom:
        try:
            return data.decode(bom), bom
        except UnicodeDecodeError as exc:
            raise ReaderError(f"text has a {bom} byte-order mark but does not decode as {bom}: {exc}") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return _prefer_legacy_reading(data, data.decode(declared), codecs.lookup(declared).name)
        except (LookupError, UnicodeDecodeError):
            pass
    guess = _guess_encoding(data)
    if guess is None:
        if looks_legacy_vietnamese(decode_cp1252(data[:LEGACY_SAMPLE_BYTES])):  # TCVN3 reads as incoherent
            return decode_cp1252(data), LEGACY_CODEPAGE
        raise ReaderError("cannot tell the text encoding (not UTF-8, and no code page fits)")
    return _prefer_legacy_reading(data, data.decode(guess, errors="replace"), codecs.lookup(guess).name)


def decode_cp1252(data: bytes) -> str:
    """``data`` as Windows-1252, never failing (undefined bytes become U+0080-U+009F)."""
    return data.decode("latin-1").translate(_CP1252)


def looks_legacy_vietnamese(text: str) -> bool:
    """True when ``text`` holds TCVN3/VNI runs and reads as Vietnamese once they are converted."""
    report = EncodingReport()
    quality = text_quality(repair(text, report))
    return bool(report) and quality.words >= LEGACY_MIN_WORDS and quality.syllable_ratio >= LEGACY_MIN_SYLLABLES


def _vietnamese_score(text: str) -> int:
    return text_quality(repair(text)).score


def _prefer_legacy_reading(data: bytes, text: str, codec: str) -> tuple[str, str]:
    """``(text, codec)``, or the Windows-1252 reading when it is more Vietnamese once converted.

    TCVN3/VNI files are 8-bit text that charset detection calls anything (cp1258, cp1250...).
    The two readings are compared on the first :data:`LEGACY_SAMPLE_BYTES`.
    """
    if codec == LEGACY_CODEPAGE:
        return text, codec
    sample = data[:LEGACY_SAMPLE_BYTES]
    native, western = sample.decode(codec, errors="replace"), decode_cp1252(sample)
    if western != native and _vietnamese_score(western) > _vietnamese_score(native):
        return decode_cp1252(data), LEGACY_CODEPAGE
    return text, codec


def check_unicode_vietnamese(text: str, what: str) -> None:
    """Raise :class:`LegacyEncoding` when ``text`` is TCVN3/VNI font-encoded Vietnamese.

    Readers call it after converting what they could, so it fires on legacy text that no
    font named and content detection did not recognise.
    """
    foreign = [ch for ch in _FOREIGN.findall(text) if ch not in _FOREIGN_OK]
    if len(foreign) < LEGACY_MIN_CHARS:
        return
    native = len(_VIETNAMESE.findall(text))
    if len(foreign) > 3 * native:
        sample = next(line.strip() for line in text.splitlines() if any(ch in line for ch in foreign))
        raise LegacyEncoding(
            f"{what} looks like a legacy Vietnamese font encoding (TCVN3/VNI): {len(foreign)} "
            f"pre-Unicode characters against {native} Vietnamese letters, e.g. {sample[:60]!r}"
        )


def web_text_document(text: str, media_type: str, encoding: str) -> RawDocument:
    """The one-page document for decoded web or plain text: legacy text converted, chrome stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise EmptyDocument("file is empty")
    report = EncodingReport()
    text = repair(text, report)
    check_unicode_vietnamese(text, "text")
    body = strip_site_chrome(text)
    if not body.strip():
        raise EmptyDocument("no text left after removing web-site chrome")
    warnings = [] if encoding in _UTF8 else [f"encoding: {encoding}"]
    ingest: dict[str, Any] = {}
    if report:
        ingest["encoding"] = report.to_dict()
        warnings.append(f"converted legacy encoding: {report.describe()}")
    return RawDocument([body], media_type, paged=False, warnings=warnings, ingest=ingest)


def sniff(data: bytes) -> bool:
    """True for bytes that are text: UTF-8, UTF-16/32 with a BOM, a detectable code page, or TCVN3/VNI.

    RTF is text too, but reading its markup as prose would be wrong, so it is refused.
    """
    head = data[:SNIFF_BYTES]
    if bom_encoding(head):
        return True
    if b"\x00" in head or head.lstrip().startswith(b"{\\rtf"):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return True
    except UnicodeDecodeError:
        return _guess_encoding(head) is not None or looks_legacy_vietnamese(decode_cp1252(head))


def read(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> RawDocument:
    """Read a plain-text file."""
    if not data.strip():
        raise EmptyDocument("file is empty")
    if looks_binary(data):
        raise ReaderError(f"{filename!r} looks like a binary file (NUL bytes), not text")
    text, encoding = decode(data)
    return web_text_document(text, "text/plain", encoding)
