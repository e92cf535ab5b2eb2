"""RTF reader: LibreOffice converts to DOCX, the DOCX reader reads (fonts, tables and all).

RTF is text, but its markup is not prose, and its font table (``\\fonttbl``) is what tells
a TCVN3 or VNI run from a Unicode one, so it is converted rather than stripped of markup.
"""

from __future__ import annotations

import codecs

from ...core.model import RawDocument
from ..limits import DEFAULT_LIMITS, Limits
from . import docx, office

MEDIA_TYPE = "application/rtf"
RTF_MAGIC = b"{\\rtf"
_SKIP = b" \t\r\n"


def sniff(data: bytes) -> bool:
    """True for bytes starting with ``{\\rtf`` after optional whitespace or a UTF-8 BOM."""
    head = data[:1024]
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8):]
    return head.lstrip(_SKIP).startswith(RTF_MAGIC)


def read(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> RawDocument:
    """Read an RTF file: convert it to DOCX with LibreOffice, read the DOCX."""
    converted, converter = office.convert_to_docx(data, filename, suffix=".rtf", infilter="Rich Text Format")
    raw = docx.read_docx_bytes(converted, filename, what="RTF document", limits=limits)
    raw.media_type = MEDIA_TYPE
    raw.ingest["reader"] = "rtf"
    raw.ingest["converter"] = converter.label
    return raw
