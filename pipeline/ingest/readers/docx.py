"""DOCX reader: paragraphs and tables in document order, run by run, legacy fonts decoded.

The body's children are walked in order: a paragraph is one line; a table row is one line
with its cells joined by " | " (a merged cell is written once, at its first position);
content controls (``w:sdt``) are opened. Text boxes follow the paragraph that anchors them;
footnotes and endnotes come after the body; headers and footers are left out (they hold
page numbers), and so are page-number fields, deleted text and field codes. Hidden text
(``w:vanish``) is kept: documents saved from legal-text web sites hide their metadata
(number, dates, signer) that way.

Text is read run by run (``w:t``; ``w:tab`` -> tab; ``w:br``/``w:cr`` -> newline;
``w:softHyphen`` -> U+00AD; ``w:noBreakHyphen`` -> "-"), including runs inside hyperlinks,
insertions, smart tags, simple fields and inline content controls. Each run's effective
font is resolved the way Word does it: the run's own ``w:rFonts`` (``w:hAnsi``, the font
Word uses for characters above U+007F, then ``w:ascii``), else its character style's, else
its paragraph style's (``basedOn`` chains followed), else the document defaults. Runs in a
legacy Vietnamese font (TCVN3 ``.VnTime``/``.VnTimeH``, VNI ``VNI-Times``...) hold Latin-1
mojibake, and are converted to Unicode by their font's encoding
(:func:`pipeline.ingest.legacy.convert`); the other runs go through content-based detection
(:func:`pipeline.ingest.legacy.repair`), which leaves Unicode text unchanged. Style fonts are
resolved once per style and font encodings once per font name.

The zip is checked before parsing: archives that would inflate past
:data:`MAX_UNCOMPRESSED` or with an absurd compression ratio are refused.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from functools import lru_cache

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.parser import parse_xml
from lxml.etree import XMLSyntaxError, _Element

from ...core.model import CELL_SEPARATOR, Line, RawDocument
from ...errors import EmptyDocument, ReaderError
from .. import legacy
from ..layout import looks_like_header
from ..limits import DEFAULT_LIMITS, Limits
from .text import check_unicode_vietnamese

ZIP_MAGIC = b"PK\x03\x04"
MAIN_PART = "word/document.xml"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200
RATIO_MIN_SIZE = 10 * 1024 * 1024  # the ratio check applies to members larger than this
#: A table among the first lines of the body may be the official header laid out as a table.
HEADER_TABLE_WITHIN = 3
MAX_HEADER_TABLE_CHARS = 1200

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"


def _w(name: str) -> str:
    return _W + name


_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT = map(_w, ("p", "tbl", "tr", "tc", "sdt", "sdtContent"))
_R, _T, _TAB, _PTAB, _BR, _CR = map(_w, ("r", "t", "tab", "ptab", "br", "cr"))
_SOFT_HYPHEN, _NB_HYPHEN, _SYM = map(_w, ("softHyphen", "noBreakHyphen", "sym"))
_RPR, _PPR, _RFONTS, _RSTYLE, _PSTYLE = map(_w, ("rPr", "pPr", "rFonts", "rStyle", "pStyle"))
_FLD_CHAR, _INSTR, _FLD_SIMPLE = map(_w, ("fldChar", "instrText", "fldSimple"))
_TXBX, _DRAWING, _PICT, _OBJECT = map(_w, ("txbxContent", "drawing", "pict", "object"))
_TC_PR, _V_MERGE, _TR_PR = map(_w, ("tcPr", "vMerge", "trPr"))
_FOOTNOTE, _ENDNOTE = _w("footnote"), _w("endnote")
_ALTERNATE, _CHOICE, _FALLBACK = _MC + "AlternateContent", _MC + "Choice", _MC + "Fallback"
_VAL, _TYPE, _STYLE_ID, _DEFAULT = _w("val"), _w("type"), _w("styleId"), _w("default")
_FLD_CHAR_TYPE, _INSTR_ATTR = _w("fldCharType"), _w("instr")
#: Where a run's font is named, most specific first (a theme font is never a legacy font).
_FONT_ATTRS = tuple(map(_w, ("hAnsiTheme", "hAnsi", "asciiTheme", "ascii")))
#: Inline wrappers whose runs are part of the text.
_INLINE_WRAPPERS = frozenset(map(_w, ("hyperlink", "ins", "smartTag", "fldSimple", "customXml", "dir", "bdo", "moveTo")))
#: Block wrappers (``w:customXml``, ``w:ins`` around paragraphs...) whose blocks are part of the text.
_BLOCK_WRAPPERS = frozenset(map(_w, ("customXml", "ins", "moveTo")))
#: Fields whose result is a page number, meaningless in a page-less text.
_PAGE_FIELDS = frozenset({"PAGE", "NUMPAGES", "SECTIONPAGES", "PAGEREF"})
#: Characters only Unicode Vietnamese has: a run holding them is not legacy mojibake.
_UNICODE_VIETNAMESE = re.compile("[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]")
#: Word's Symbol-font characters that have a plain Unicode reading (``w:sym``, code F0xx or xx).
_SYMBOL_CHARS = {
    0x2D: "\u2212", 0xA3: "\u2264", 0xB3: "\u2265", 0xB1: "\u00b1", 0xB4: "\u00d7", 0xB8: "\u00f7",
    0xB9: "\u2260", 0xBB: "\u2248", 0xB0: "\u00b0", 0xAE: "\u2192", 0xAC: "\u2190", 0xDE: "\u21d2",
    0xB7: "\u2022", 0xD6: "\u221a", 0xA5: "\u221e", 0xBA: "\u2261", 0xE5: "\u2211",
}


def sniff(data: bytes) -> bool:
    """True for a zip holding ``word/document.xml``.

    A zip too damaged to list still counts when a local header names the main part, so the
    reader can report it as corrupt instead of as an unknown format.
    """
    if not data.startswith(ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return MAIN_PART in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return MAIN_PART.encode() in data


def check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse zip bombs: too much data in total, or a large member compressed absurdly well."""
    infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED:
        raise ReaderError(
            f"DOCX refused: it would inflate to {total / 2**20:.0f} MiB "
            f"(limit {MAX_UNCOMPRESSED // 2**20} MiB); possible zip bomb"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_SIZE and ratio > MAX_RATIO:
            raise ReaderError(
                f"DOCX refused: member {info.filename!r} is compressed {ratio:.0f}:1 "
                f"(limit {MAX_RATIO}:1 above {RATIO_MIN_SIZE // 2**20} MiB); possible zip bomb"
            )


# ------------------------------------------------------------------ fonts


def _rfonts_name(rpr: _Element | None) -> str | None:
    """The font an ``w:rPr`` names for non-ASCII text (``hAnsi`` before ``ascii``), if any."""
    if rpr is None:
        return None
    rfonts = rpr.find(_RFONTS)
    if rfonts is None:
        return None
    for attr in _FONT_ATTRS:
        value = rfonts.get(attr)
        if value:
            return "+theme:" + value if attr.endswith("Theme") else value
    return None


@lru_cache(maxsize=512)
def font_encoding(fontname: str | None) -> legacy.FontEncoding | None:
    """The legacy encoding of a font name (cached); ``".VnTime;Courier New"`` uses its first name."""
    if not fontname or fontname.startswith("+theme:"):
        return None
    found = legacy.font_encoding(fontname)
    if found is None and ";" in fontname:
        found = legacy.font_encoding(fontname.split(";", 1)[0].strip())
    return found


class FontResolver:
    """Effective run fonts from ``styles.xml``: each style's font resolved once, ``basedOn`` followed."""

    def __init__(self, styles: _Element | None) -> None:
        self._own: dict[str, tuple[str | None, str | None]] = {}  # styleId -> (basedOn, own font)
        self._resolved: dict[str, str | None] = {}
        self.default_paragraph: str | None = None
        self.document_default: str | None = None
        if styles is None:
            return
        defaults = styles.find(f"{_w('docDefaults')}/{_w('rPrDefault')}")
        if defaults is not None:
            self.document_default = _rfonts_name(defaults.find(_RPR))
        for style in styles.iterchildren(_w("style")):
            style_id = style.get(_STYLE_ID)
            if not style_id:
                continue
            based = style.find(_w("basedOn"))
            self._own[style_id] = (based.get(_VAL) if based is not None else None, _rfonts_name(style.find(_RPR)))
            if style.get(_TYPE) == "paragraph" and style.get(_DEFAULT) in ("1", "true", "on"):
                self.default_paragraph = style_id

    def style_font(self, style_id: str | None) -> str | None:
        """The font a style names itself or inherits through ``basedOn`` (None: not set)."""
        if style_id is None:
            return None
        if style_id in self._resolved:
            return self._resolved[style_id]
        font, current, seen = None, style_id, set()
        while current is not None and current not in seen and current in self._own:
            seen.add(current)
            based, own = self._own[current]
            if own is not None:
                font = own
                break
            if current in self._resolved:
                font = self._resolved[current]
                break
            current = based
        self._resolved[style_id] = font
        return font

    def paragraph_font(self, paragraph: _Element) -> str | None:
        """The font of a paragraph's runs that name none: its style's, else the document default."""
        ppr = paragraph.find(_PPR)
        pstyle = ppr.find(_PSTYLE) if ppr is not None else None
        style_id = pstyle.get(_VAL) if pstyle is not None else None
        if style_id not in self._own:  # no style, or one the document does not define
            style_id = self.default_paragraph
        return self.style_font(style_id) or self.document_default


# ------------------------------------------------------------------ text


class _Reader:
    """Walks one DOCX package: body, text boxes, notes; converts legacy-font runs on the way."""

    def __init__(self, fonts: FontResolver) -> None:
        self.fonts = fonts
        self.report = legacy.EncodingReport()
        self.fields: list[list] = []  # open complex fields: [instruction, in_result]
        self.lines_seen = 0  # non-empty lines read from the body so far (the header table comes first)
        self.header_done = False

    # -- blocks

    def body(self, body: _Element) -> Iterator[Line]:
        """The lines of the document body; a header table at its start gives header lines."""
        for line in self.blocks(body, top=True):
            if line.text.strip():
                self.lines_seen += 1
            yield line

    def blocks(self, container: _Element, top: bool = False) -> Iterator[Line]:
        """Lines of the paragraphs and tables directly inside ``container``, in order."""
        for child in container.iterchildren():
            tag = child.tag
            if tag == _P:
                yield from self.paragraph(child)
            elif tag == _TBL and top and not self.header_done and self.lines_seen <= HEADER_TABLE_WITHIN:
                self.header_done = True
                header = self.header_table(child)
                yield from header if header is not None else self.table(child)
            elif tag == _TBL:
                self.header_done = self.header_done or top
                yield from self.table(child)
            elif tag == _SDT:
                for content in child.iterchildren(_SDT_CONTENT):
                    yield from self.blocks(content)
            elif tag in _BLOCK_WRAPPERS:
                yield from self.blocks(child)
            elif tag == _ALTERNATE:
                branch = _branch(child)
                if branch is not None:
                    yield from self.blocks(branch)

    def _cells(self, row: _Element) -> Iterator[list[Line]]:
        """The lines of each cell of a table row; merged cells once (at their first part)."""
        for cell in _children(row, _TC):
            tc_pr = cell.find(_TC_PR)
            merge = tc_pr.find(_V_MERGE) if tc_pr is not None else None
            if merge is not None and merge.get(_VAL, "continue") == "continue":
                continue  # the lower part of a vertically merged cell: written with its first part
            yield list(self.blocks(cell))

    def table(self, table: _Element) -> Iterator[Line]:
        """One line per row; cells joined by " | "; merged cells written once."""
        for row in _children(table, _TR):
            cells = [" ".join(line.text.strip() for line in lines if line.text.strip()) for lines in self._cells(row)]
            if any(cells):
                yield Line(CELL_SEPARATOR.join(cells), kind="table_row")

    def header_table(self, table: _Element) -> list[Line] | None:
        """The official header laid out as a Word table (issuing body and number on the left,
        motto and place-and-date on the right): its cells' lines, left column first, as header
        lines; None when the table is not such a header."""
        columns: dict[int, list[Line]] = {}
        for row in _children(table, _TR):
            cells = list(self._cells(row))
            if len(cells) < 2:
                return None
            for k, lines in enumerate(cells):
                column = 0 if k == 0 else 1
                for line in lines:
                    for part in line.text.split("\n"):
                        if part.strip():
                            columns.setdefault(column, []).append(Line(part, kind="header", column=column))
        text = "\n".join(line.text for lines in columns.values() for line in lines)
        if not looks_like_header(text) or len(text) > MAX_HEADER_TABLE_CHARS:
            return None
        return [line for column in sorted(columns) for line in columns[column]]

    def paragraph(self, paragraph: _Element) -> Iterator[Line]:
        """The paragraph's line, then the lines of the text boxes anchored in it."""
        boxes: list[_Element] = []
        segments: list[list] = []  # [text, font] of consecutive runs in the same font
        para_font = self.fonts.paragraph_font(paragraph)
        self._inline(paragraph, para_font, segments, boxes)
        yield Line("".join(self._decode(text, font) for text, font in segments), kind="paragraph")
        for box in boxes:
            yield from self.blocks(box)

    # -- runs

    def _inline(self, parent: _Element, para_font: str | None, segments: list[list], boxes: list[_Element]) -> None:
        for child in parent.iterchildren():
            tag = child.tag
            if tag == _R:
                self._run(child, para_font, segments, boxes)
            elif tag in _INLINE_WRAPPERS:
                page_field = tag == _FLD_SIMPLE and _field_name(child.get(_INSTR_ATTR, "")) in _PAGE_FIELDS
                if not page_field:
                    self._inline(child, para_font, segments, boxes)
            elif tag == _SDT:
                for content in child.iterchildren(_SDT_CONTENT):
                    self._inline(content, para_font, segments, boxes)
            elif tag == _ALTERNATE:
                branch = _branch(child)
                if branch is not None:
                    self._inline(branch, para_font, segments, boxes)

    def _run(self, run: _Element, para_font: str | None, segments: list[list], boxes: list[_Element]) -> None:
        font: str | None = None
        parts: list[str] = []
        for child in run.iterchildren():
            tag = child.tag
            if tag == _RPR:
                font = _rfonts_name(child)
                if font is None:
                    rstyle = child.find(_RSTYLE)
                    if rstyle is not None:
                        font = self.fonts.style_font(rstyle.get(_VAL))
                continue
            if tag == _FLD_CHAR:
                kind = child.get(_FLD_CHAR_TYPE)
                if kind == "begin":
                    self.fields.append(["", False])
                elif kind == "separate" and self.fields:
                    self.fields[-1][1] = True
                elif kind == "end" and self.fields:
                    self.fields.pop()
                continue
            if tag == _INSTR:
                if self.fields:
                    self.fields[-1][0] += child.text or ""
                continue
            if tag in (_DRAWING, _PICT, _ALTERNATE, _OBJECT):
                boxes.extend(_outer_text_boxes(child))
                continue
            if self.fields and self._hidden_by_field():
                continue
            if tag == _T:
                parts.append(child.text or "")
            elif tag in (_TAB, _PTAB):
                parts.append("\t")
            elif tag in (_BR, _CR):
                parts.append("\n")
            elif tag == _SOFT_HYPHEN:
                parts.append("\u00ad")
            elif tag == _NB_HYPHEN:
                parts.append("-")
            elif tag == _SYM:
                parts.append(_symbol(child))
        if not parts:
            return
        text = "".join(parts)
        if font is None:
            font = para_font
        if segments and segments[-1][1] == font:
            segments[-1][0] += text
        else:
            segments.append([text, font])

    def _hidden_by_field(self) -> bool:
        """True inside a field's code, or in the result of a page-number field."""
        for instruction, in_result in self.fields:
            if not in_result or _field_name(instruction) in _PAGE_FIELDS:
                return True
        return False

    def _decode(self, text: str, font: str | None) -> str:
        """Unicode text of one same-font segment: by its font's encoding, else by its content."""
        encoding = font_encoding(font)
        if encoding is not None and not _UNICODE_VIETNAMESE.search(text):
            if text.isascii() and not encoding.upper:
                return text
            converted = legacy.convert(text, encoding.encoding, upper=encoding.upper)
            if converted != text:
                self.report.add(encoding.encoding, len(text), "font")
            return converted
        if text.isascii():
            return text
        # Content detection on composed text: decomposed Unicode ("ô" + U+0301) must not
        # look like legacy codes. Text it leaves alone is returned as it was read.
        composed = unicodedata.normalize("NFC", text)
        repaired = legacy.repair(composed, self.report)
        return text if repaired is composed or repaired == composed else repaired

    # -- notes

    def notes(self, root: _Element | None, tag: str) -> Iterator[Line]:
        """Lines of the footnotes or endnotes (not the separator pseudo-notes)."""
        if root is None:
            return
        for note in root.iterchildren(tag):
            if note.get(_TYPE) in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            yield from self.blocks(note)


def _children(parent: _Element, tag: str) -> Iterator[_Element]:
    """``parent``'s ``tag`` children, looking through ``w:sdt``/``w:customXml`` wrappers."""
    for child in parent.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag == _SDT:
            for content in child.iterchildren(_SDT_CONTENT):
                yield from _children(content, tag)
        elif child.tag in _BLOCK_WRAPPERS:
            yield from _children(child, tag)


def _branch(alternate: _Element) -> _Element | None:
    """The one branch of ``mc:AlternateContent`` to read: the first choice, else the fallback."""
    for child in alternate.iterchildren(_CHOICE, _FALLBACK):
        return child
    return None


def _outer_text_boxes(element: _Element) -> list[_Element]:
    """The text boxes in a drawing, not counting boxes nested in them, from one branch only.

    ``mc:AlternateContent`` holds the same box twice (DrawingML choice, VML fallback).
    """
    if element.tag == _ALTERNATE:
        branch = _branch(element)
        return _outer_text_boxes(branch) if branch is not None else []
    return [box for box in element.iter(_TXBX) if _outermost(box, element)]


def _outermost(box: _Element, stop: _Element) -> bool:
    """True when, below ``stop``, no text box and no second-choice branch encloses ``box``."""
    for ancestor in box.iterancestors():
        if ancestor is stop:
            return True
        if ancestor.tag == _TXBX or (ancestor.tag == _FALLBACK and ancestor.getprevious() is not None):
            return False
    return True


def _field_name(instruction: str) -> str:
    words = instruction.split()
    return words[0].upper() if words else ""


def _symbol(sym: _Element) -> str:
    """A ``w:sym`` character: Symbol-font signs with a Unicode reading; other fonts' glyphs dropped."""
    try:
        code = int(sym.get(_w("char"), ""), 16)
    except ValueError:
        return ""
    if code >= 0xF000:
        code -= 0xF000
    font = (sym.get(_w("font")) or "").lower()
    if font == "symbol":
        return _SYMBOL_CHARS.get(code, "")
    return ""


# ------------------------------------------------------------------ package


def _part_root(part) -> _Element | None:
    """The XML root of a package part (parsed without entity expansion)."""
    element = getattr(part, "element", None)
    if element is not None:
        return element
    blob = getattr(part, "blob", None)
    return parse_xml(blob) if blob else None


def _related(document_part, reltype: str) -> _Element | None:
    for rel in document_part.rels.values():
        if rel.reltype == reltype and not rel.is_external:
            return _part_root(rel.target_part)
    return None


def _encoding_warning(summary: dict) -> str:
    """One warning line naming the legacy encodings converted, e.g. "TCVN3 (5120 characters)"."""
    chars = summary.get("chars") or {}
    names = summary.get("detected") or sorted(chars)
    parts = [f"{name.upper()} ({chars[name]} characters)" if name in chars else name.upper() for name in names]
    methods = summary.get("methods") or []
    how = {"font": "by font name", "content": "by content"}
    method = " and ".join(how.get(m, m) for m in methods)
    return ("legacy Vietnamese font encoding converted to Unicode: " + (", ".join(parts) or "yes")
            + (f", detected {method}" if method else ""))


def read_docx_bytes(data: bytes, filename: str, *, what: str = "DOCX", limits: Limits = DEFAULT_LIMITS) -> RawDocument:
    """Read DOCX bytes into one page of text (shared by the DOCX, ``.doc`` and RTF readers).

    ``what`` names the document in messages ("DOCX", "Word document"...).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_archive(archive)
        document = docx.Document(io.BytesIO(data))
        part = document.part
        fonts = FontResolver(_related(part, RT.STYLES))
        footnotes = _related(part, RT.FOOTNOTES)
        endnotes = _related(part, RT.ENDNOTES)
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, PackageNotFoundError, XMLSyntaxError) as exc:
        raise ReaderError(f"{filename!r} is a corrupt {what}: {type(exc).__name__}: {exc}") from exc
    reader = _Reader(fonts)
    lines = list(reader.body(document.element.body))
    reader.fields.clear()
    notes = [*reader.notes(footnotes, _FOOTNOTE), *reader.notes(endnotes, _ENDNOTE)]
    if any(line.text.strip() for line in notes):
        lines += [Line("", kind="paragraph"), *notes]
    text = "\n".join(line.text for line in lines)
    if not text.strip():
        raise EmptyDocument(f"{what} has no text")
    check_unicode_vietnamese(text, f"{what} text")
    raw = RawDocument([text], MEDIA_TYPE, paged=False, lines=[lines])
    raw.ingest["reader"] = "docx"
    if reader.report:
        summary = reader.report.to_dict()
        raw.ingest["encoding"] = summary
        raw.warnings.append(_encoding_warning(summary))
    return raw


def read(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> RawDocument:
    """Read a DOCX file into one page of text."""
    return read_docx_bytes(data, filename, limits=limits)
