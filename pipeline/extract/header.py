"""The header grammar of Vietnamese official documents: who issued a text, its number, date,
kind and title, read from the places the standard puts them.

Nghị định 30/2020/NĐ-CP (Phụ lục VI, and the rules before it) and the Party's rules for its
documents print the header in two columns: on the left the issuing body (the parent body on
the upper line when there is one, the signing unit under it) and the number line ("Số:
1555/KH-SKHCN", "Số 45-KH/TU", "Luật số: 15/2003/QH11"); on the right the national motto (or
"ĐẢNG CỘNG SẢN VIỆT NAM") and the place-and-date line ("Đồng Nai, ngày 14 tháng 9 năm 2021").
Under them the kind line ("KẾ HOẠCH") and the title; a letter (Công văn) has no kind line but a
"V/v ..." subject under its number. Texts read from two-column pages come with the columns in
either order or run together on one line; the grammar reads both.

What is printed only in part is kept as printed: a blank or illegible number gives ``number``
None and the printed part ("…/2017/QĐ-UBND") as ``number_partial``; a blank or illegible day
gives ``issued_on`` None and ``issued_month`` (or ``issued_year``). Nothing is filled from
elsewhere in the text.

Other layouts of the same facts:

* the heading of texts printed in the official gazette, "QUYẾT ĐỊNH CỦA THỦ TƯỚNG CHÍNH PHỦ SỐ
  115/2004/QĐ-TTG NGÀY 25 THÁNG 6 NĂM 2004 VỀ ...";
* a part issued with another document (Quy định, Phụ lục, a table "đính kèm"): its heading
  followed by "(Ban hành kèm theo Quyết định số ... ngày ... của ...)", which names the document
  it is attached to, never its own number;
* a law's date, the day the Quốc hội passed it ("... thông qua ngày 26 tháng 11 năm 2003");
* a consolidated text's number and date, in its closing "XÁC THỰC VĂN BẢN HỢP NHẤT" block.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from ..core.model import Document, Evidence
from ..ingest.layout import is_upper
from ..ingest.layout import vocabulary as layout_vocabulary
from ..lang import load_json, vocabulary
from ..nlp.syllables import split_glued
from .entities import canonical_kind, find_provinces, kind_regex, recase

#: How far into the text a header is looked for.
HEAD_CHARS = 4000
_RULE = re.compile(r"[-_=.*…·–—~\s]{3,}")
_NUMBER_START = re.compile(r"(?:(?<=^)|(?<=[\s|]))(?:(?P<kind>Luật|Pháp lệnh|Lệnh)\s+)?S[ốo]\s*(?:[:.]\s*|(?=[\d./…_\s]))", re.IGNORECASE)
_PLACE_DATE = re.compile(r"(?P<place>[A-ZĐÀ-Ỹ][^\n,;:|]{0,40}?)\s*,\s*(?=ngày\b)", re.UNICODE)
_PLACE_DATE_LINES = re.compile(r"(?P<place>[A-ZĐÀ-Ỹ][^,;:|]{0,40}?)\s*,\s*(?=ngày\b)", re.UNICODE)
_DATE_PARTS = re.compile(
    r"ngày\s*(?P<d>[^\s]{0,4}?)\s*(?:tháng\s*(?P<m>[^\s]{0,4}?)\s*năm\s*(?P<y>\d{4})|[/.-]\s*(?P<m2>\d{1,2})\s*[/.-]\s*(?P<y2>\d{4}))",
    re.IGNORECASE)
_SUBJECT = re.compile(r"^(?:V/v|V/V|Về việc|VỀ VIỆC)\b\s*[:.]?\s*", re.UNICODE)
_ADDRESSEE = re.compile(r"^Kính\s+gửi\b", re.IGNORECASE)
_DRAFT = re.compile(r"^\(?\s*Dự\s+thảo\b[^)]*\)?$", re.IGNORECASE)
_NUMBER_TAIL = re.compile(r"/(?:\d{4}/)?[A-ZĐƯƠ][\w.&–-]*(?:/[\w.&–-]+)*$")
_FULL_NUMBER = re.compile(r"\d{1,6}[a-zA-Z]?(?:[/-])(?:\d{4}/)?[A-ZĐƯƠ].*")


def fold(s: str) -> str:
    """Upper-case key without diacritics, spaces squeezed (for comparing header words)."""
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    s = "".join(c for c in s if unicodedata.category(c) != "Mn").upper()
    return re.sub(r"\s+", " ", s).strip()


@dataclass(frozen=True)
class Grammar:
    """The vocabulary of the header grammar (``pipeline/lang/vi/header.json``), folded."""

    continues: tuple[str, ...]
    units: tuple[str, ...]
    incomplete: frozenset[str]
    central: tuple[str, ...]
    enacting: tuple[str, ...]
    title_stops: re.Pattern[str]
    attached: re.Pattern[str]
    connectives: frozenset[str]
    passed: re.Pattern[str]
    consolidated: re.Pattern[str]
    motto: re.Pattern[str]


@lru_cache(maxsize=1)
def grammar() -> Grammar:
    lists = ("continues", "units", "incomplete", "central", "enacting", "title_stops", "attached", "connectives")
    data = load_json("header.json", {**{k: list for k in lists}, "passed": str, "consolidated": str, "motto": str})

    def folded(key: str) -> tuple[str, ...]:
        return tuple(sorted({fold(w) for w in data[key]}, key=len, reverse=True))

    stops = "|".join(re.escape(s) for s in sorted(data["title_stops"], key=len, reverse=True))
    cues = "|".join(re.escape(s) for s in sorted(data["attached"], key=len, reverse=True))
    return Grammar(
        continues=folded("continues"), units=folded("units"), incomplete=frozenset(folded("incomplete")),
        central=folded("central"), enacting=folded("enacting"),
        title_stops=re.compile(rf"^(?:{stops})(?!\w)"),
        attached=re.compile(rf"^\(?\s*(?:{cues})\b", re.IGNORECASE),
        connectives=frozenset(w.lower() for w in data["connectives"]),
        passed=re.compile(data["passed"], re.IGNORECASE), consolidated=re.compile(data["consolidated"]),
        motto=re.compile(data["motto"], re.IGNORECASE),
    )


def starts_with(key: str, words: tuple[str, ...]) -> bool:
    """Whether folded ``key`` starts with one of the folded ``words`` as whole words."""
    return any(key == w or key.startswith(w + " ") or (not w[-1].isalnum() and key.startswith(w)) for w in words)


def is_central(name: str) -> bool:
    """Whether ``name`` is that of a central body (Chính phủ, a ministry, the Quốc hội ...)."""
    return starts_with(fold(name), grammar().central)


@dataclass
class Value:
    """One header value with the span it was read from."""

    value: object
    start: int
    end: int


@dataclass
class Header:
    """What a document's header states. ``units`` are the names of the issuer block, upper one
    first (the last one signs); ``central`` says the issuing body is a central one (no province)."""

    layout: str  # "standard", "gazette", "attached", "heading"
    units: list[Value] = field(default_factory=list)
    number: Value | None = None
    number_partial: Value | None = None
    issued_on: Value | None = None
    issued_month: Value | None = None
    issued_year: Value | None = None
    place: Value | None = None
    kind: Value | None = None
    title: Value | None = None
    subject: bool = False  # the title is a letter's "V/v" subject
    attached_to: dict | None = None
    attached_span: tuple[int, int] | None = None
    kind_from_number: bool = False
    label: Value | None = None  # "Phụ lục I"
    date_from: str = "header"  # or "passed" (a law), "consolidated"
    span: tuple[int, int] | None = None
    central: bool = False


@dataclass
class _Anchor:
    """Where the header is anchored when it has no motto: the number line's start."""

    at: int
    stop: int

    def start(self) -> int:
        return self.at

    def end(self) -> int:
        return self.stop


@dataclass
class Piece:
    """A stretch of one line between column breaks, mottos and rules."""

    start: int
    end: int
    text: str
    line: int


def pieces(text: str, end: int) -> list[Piece]:
    """The text's pieces up to ``end``: lines cut at " | ", at the mottos and at wide gaps; rules
    and motto text left out, pieces of noise (no word of two letters) too."""
    mottos = [(m.start(), m.end()) for m in grammar().motto.finditer(text, 0, end)]
    out = []
    pos, n = 0, 0
    for line in text[:end].split("\n"):
        line_start = pos
        pos += len(line) + 1
        n += 1
        cuts = [(max(0, s - line_start), min(len(line), e - line_start)) for s, e in mottos
                if s < line_start + len(line) and e > line_start]
        cuts += [(m.start(), m.end()) for m in re.finditer(r"\s*\|\s*|\s{3,}|\t+", line)]
        cuts.sort()
        last = 0
        spans = []
        for s, e in cuts:
            if s >= last:
                spans.append((last, s))
                last = e
        spans.append((last, len(line)))
        for s, e in spans:
            raw = line[s:e]
            stripped = raw.strip()
            if not stripped or _RULE.fullmatch(stripped):
                continue
            letters = re.findall(r"[^\W\d_]", stripped)
            if (len(letters) < 2 or (len(letters) == 2 and not is_upper(stripped))) and not re.search(r"\d", stripped) \
                    and not _NUMBER_START.match(stripped):
                continue  # OCR specks, a lone bullet
            if re.fullmatch(r"[A-Z]{1,3}\d+", stripped):
                continue  # a stamp's or scanner's code ("XV80")
            lead = len(raw) - len(raw.lstrip())
            out.append(Piece(line_start + s + lead, line_start + s + lead + len(stripped), stripped, n))
    return out


def number_token(text: str, pos: int) -> tuple[int, int] | None:
    """The number printed from ``pos``: non-space runs joined by separators with or without
    spaces around them ("17 /2009/QĐ-UBND", "225 - KH/TWĐTN-CTTN"), ending at a word that is
    not part of it (the place of the place-and-date line on the same printed row)."""
    n = len(text)
    i = pos
    while i < n and text[i] in " \t":
        i += 1
    if i < n and text[i] == "\n":  # "Số:" at the end of a line, the number on the next
        i += 1
    start = i
    end = i
    while i < n:
        c = text[i]
        if c in "\n|":
            break
        if c.isspace():
            j = i
            while j < n and text[j] in " \t":
                j += 1
            before = text[end - 1] if end > start else ""
            if _RULE.match(text, j) and re.match(r"[-_=.*…]{3}", text[j:j + 3]):
                break  # a rule printed beside the number
            if j < n and (text[j] in "/-–." or before in "/-–."):
                i = j
                continue
            break
        i += 1
        end = i
    return (start, end) if end > start else None


def clean_number(raw: str) -> str:
    """A number as printed, with the spaces around its separators taken out."""
    return re.sub(r"\s*([/\-–])\s*", r"\1", raw).strip().rstrip(".,;")


def read_number(doc: Document, piece_start: int, after: int) -> tuple[Value | None, Value | None]:
    """The number from the "Số:" at ``piece_start`` (its text from ``after``): a full number, or
    a partial one (what is printed of a blank or illegible number)."""
    span = number_token(doc.text, after)
    if span is None:
        return None, None
    raw = doc.text[span[0]:span[1]]
    number = clean_number(raw)
    if _FULL_NUMBER.fullmatch(number) and re.search(r"[A-ZĐ]{1,}", number):
        return Value(number, *span), None
    tail = _NUMBER_TAIL.search(number)
    if tail:
        return None, Value("…" + tail.group(0), *span)
    return None, None


def read_date(doc: Document, start: int, end: int) -> dict[str, Value]:
    """The date of a place-and-date line from ``start``: ``issued_on`` when day, month and year
    are legible, else ``issued_month`` or ``issued_year`` for what is."""
    m = _DATE_PARTS.search(doc.text, start, end)
    if m is None:
        return {}
    d = m.group("d")
    mo = m.group("m") if m.group("m") is not None else m.group("m2")
    y = m.group("y") or m.group("y2")
    span = (m.start(), m.end())
    year = int(y)
    month = int(mo) if mo and mo.isdigit() and 1 <= int(mo) <= 12 else None
    day = int(d) if d and d.isdigit() else None
    if month is not None and day is not None:
        try:
            return {"issued_on": Value(dt.date(year, month, day).isoformat(), *span)}
        except ValueError:
            pass
    if month is not None:
        return {"issued_month": Value(f"{year:04d}-{month:02d}", *span)}
    return {"issued_year": Value(f"{year:04d}", *span)}


def kind_line(text: str) -> re.Match[str] | None:
    """The kind word a kind line starts with ("KẾ HOẠCH", "BẢN QUY ĐỊNH", "QUYẾT ĐỊNH CỦA ...")."""
    if not is_upper(text):
        return None
    body = re.sub(r"^BẢN\s+", "", text)
    m = kind_regex().match(body)
    if m is None:
        squeezed = fold(body).replace(" ", "")
        for k in vocabulary().kinds:  # a kind word with a space or a mark wrong ("K ÉT LUẬN")
            if squeezed == fold(k.name).replace(" ", ""):
                return re.match(r".+", text)
        return None
    rest = body[m.end():].strip()
    if rest and not re.match(r"(?:CỦA|VỀ|SỐ|V/V|\(|:)", rest, re.IGNORECASE):
        return None
    return m


def kind_name(raw: str) -> str:
    """The vocabulary name of a kind word as printed, spaces and marks misread included."""
    name = canonical_kind(raw)
    if name in {k.name for k in vocabulary().kinds}:
        return name
    squeezed = fold(raw).replace(" ", "")
    return next((k.name for k in vocabulary().kinds if fold(k.name).replace(" ", "") == squeezed), name)


def _units(grammar_: Grammar, lines: list[Piece]) -> list[Value]:
    """The names of the issuer block: its upper-case lines, each joined to the line above when
    it continues that name."""
    units: list[list[Piece]] = []
    for p in lines:
        key = fold(p.text)
        if units:
            above = fold(" ".join(x.text for x in units[-1]))
            continues = (above in grammar_.incomplete or (len(above.split()) == 1 and len(above) <= 5)
                         or above.endswith(("-", "–", " VA", ",", "&"))
                         or (starts_with(key, grammar_.continues) and not starts_with(key, grammar_.units))
                         or bool(find_provinces(p.text.title(), 0, len(p.text)) and
                                 find_provinces(p.text.title(), 0, len(p.text))[0].start == 0))
            if continues:
                units[-1].append(p)
                continue
        units.append([p])
    out = []
    for group in units:
        raw = " ".join(x.text for x in group)
        out.append(Value(_name(raw), group[0].start, group[-1].end))
    return out


def _name(raw: str) -> str:
    """A header name in reading case ("SỞ TƯ PHÁP" -> "Sở Tư pháp")."""
    s = re.sub(r"\s+", " ", raw).strip(" :.-")
    s = recase(s) if is_upper(s) else s
    abbr = vocabulary().abbreviations
    words = s.split(" ")
    # a short form that opens the name is written out ("BQL các Khu công nghiệp" -> "Ban Quản lý ...")
    if words and words[0].upper() in abbr and words[0].upper() not in ("UBND", "HĐND"):
        words[0] = abbr[words[0].upper()]
    return " ".join(words)


def _is_number_piece(p: Piece) -> re.Match[str] | None:
    m = _NUMBER_START.match(p.text)
    return m


def parse_header(doc: Document) -> Header | None:
    """The standard header of ``doc``, or the gazette heading, or an attached part's heading."""
    return _standard(doc) or _gazette(doc) or _attached(doc, None) or _top_heading(doc)


def _standard(doc: Document) -> Header | None:
    text = doc.text
    limit = min(len(text), HEAD_CHARS)
    g = grammar()
    ps = pieces(text, limit)
    motto = g.motto.search(text, 0, limit)
    if motto is not None:
        first = next((i for i, p in enumerate(ps) if p.start >= motto.end()), len(ps))
    else:
        # No motto (a youth union's or a mass organisation's text, a web copy without it):
        # the number line anchors the header.
        first = next((i for i, p in enumerate(ps[:25]) if _is_number_piece(p)
                      and any(read_number(doc, p.start, p.start + _is_number_piece(p).end()))), None)
        if first is None:
            return None
        motto = _Anchor(ps[first].start, ps[first].start)
    head = Header("standard")
    # Backwards from the motto: the issuer block, the number line, a letter's subject.
    before = ps[max(0, first - 14):first]
    subject_at = next((i for i, p in enumerate(before) if _SUBJECT.match(p.text)), None)
    issuer_lines: list[Piece] = []
    number_piece = None
    for i in range(len(before) - 1, -1, -1):
        p = before[i]
        if _is_number_piece(p):
            number_piece = number_piece or p
            continue
        if _ADDRESSEE.match(p.text) or _DRAFT.match(p.text) or _PLACE_DATE.match(p.text):
            continue
        if subject_at is not None and i >= subject_at:
            continue
        if is_upper(p.text):
            issuer_lines.insert(0, p)
            continue
        break
    # Forwards: issuer lines run together with the motto, the number, the date, the kind line.
    kind_at = None
    date_piece = next((p for p in before if _PLACE_DATE.match(text, p.start)), None)
    for i in range(first, min(len(ps), first + 16)):
        p = ps[i]
        if _is_number_piece(p):
            number_piece = number_piece or p
            continue
        if _PLACE_DATE.match(text, p.start):
            date_piece = date_piece or p
            continue
        if date_piece is not None and p.line == date_piece.line + 1 and re.match(r"ngày\b", p.text):
            continue  # "Bình Định,\nngày 29 tháng 5 năm 2018"
        if number_piece is not None and _NUMBER_START.fullmatch(number_piece.text) and p.line == number_piece.line + 1 \
                and _FULL_NUMBER.fullmatch(clean_number(p.text)):
            continue  # "Số:" at the end of a line, the number on the next
        if kind_line(p.text):
            kind_at = i
            break
        if _SUBJECT.match(p.text) or _ADDRESSEE.match(p.text) or _DRAFT.match(p.text):
            if _SUBJECT.match(p.text) and subject_at is None:
                before.append(p)
                subject_at = len(before) - 1
            continue
        if is_upper(p.text) and number_piece is None and date_piece is None and (
                not issuer_lines or p.line - issuer_lines[-1].line <= 3):
            issuer_lines.append(p)
            continue
        near = max((x.line for x in (date_piece, number_piece) if x is not None), default=None)
        if is_upper(p.text) and subject_at is None and near is not None and p.line - near <= 4 \
                and not re.search(r"\d{1,2}\s+THÁNG", p.text):
            kind_at = i  # a title with no kind line over it ("VỀ NHIỆM VỤ ...", "PHÂN CÔNG NHIỆM VỤ")
            break
    head.units = _units(g, issuer_lines)
    head.central = any(starts_with(fold(u.value), g.central) for u in head.units)
    date_from = None
    if number_piece is not None:
        m = _is_number_piece(number_piece)
        head.number, head.number_partial = read_number(doc, number_piece.start, number_piece.start + m.end())
        if m.group("kind"):
            head.kind = Value(canonical_kind(m.group("kind")), number_piece.start, number_piece.start + len(m.group("kind")))
        got = head.number or head.number_partial
        if got is not None and date_piece is None:
            pd = _PLACE_DATE.match(text, got.end + 1) if text[got.end:got.end + 1] == " " else None
            if pd is not None and pd.end() <= number_piece.end:
                date_from = pd
    if date_piece is not None:
        date_from = _PLACE_DATE.match(text, date_piece.start)
        k = ps.index(date_piece)
        above = ps[k - 1] if k else None
        if above is not None and above.line == date_piece.line - 1 and len(above.text.split()) <= 2 \
                and not is_upper(above.text) and above.text[:1].isupper():
            date_from = _PLACE_DATE_LINES.match(text, above.start) or date_from  # "Khánh\nHòa, ngày ..."
    if date_from is not None:
        for key, value in read_date(doc, date_from.end(), min(len(text), date_from.end() + 60)).items():
            setattr(head, key, value)
        place = date_from.group("place").strip()
        head.place = Value(re.sub(r"\s+", " ", place), date_from.start("place"), date_from.start("place") + len(place))
    # A letter's subject is its title; otherwise the kind line and the title under it.
    if subject_at is not None:
        _subject(doc, head, before[subject_at])
    if kind_at is not None:
        _kind_and_title(doc, head, ps[kind_at])
    if head.kind is None and head.number is not None:
        kind = _kind_of_number(str(head.number.value))
        if kind:
            head.kind = Value(kind, head.number.start, head.number.end)
            head.kind_from_number = True
        elif head.subject:
            head.kind = Value("Công văn", head.title.start, head.title.end) if head.title else None
            head.kind_from_number = True
    if head.kind is None and head.subject and head.title is not None:
        head.kind = Value("Công văn", head.title.start, head.title.end)
        head.kind_from_number = True
    if head.title is not None:
        _attached(doc, head)
    _law_and_consolidated(doc, head)
    if not (head.units or head.number or head.number_partial or head.kind):
        return None
    end = max(v.end for v in (head.title, head.kind, head.issued_on, head.number) if v is not None) if (
        head.title or head.kind or head.issued_on or head.number) else motto.end()
    head.span = (head.kind.start if head.kind else motto.start(), end)
    return head


def _kind_of_number(number: str) -> str | None:
    """The kind a number's code names ("20/2017/QĐ-UBND" -> "Quyết định", "45-KH/TU" -> "Kế hoạch")."""
    code = re.sub(r"^[^/-]*[/-](?:\d{4}/)?", "", number)
    first = re.split(r"[-/.–]", code)[0]
    return vocabulary().kind_for_symbol(first) if first else None


def _subject(doc: Document, head: Header, p: Piece) -> None:
    """A letter's "V/v ..." subject, over one or more lines (up to "Kính gửi" or the motto)."""
    text = doc.text
    m = _SUBJECT.match(p.text)
    start = p.start + (m.end() if p.text.startswith(("V/v", "V/V")) else 0)
    end = p.end
    for q in pieces(text, min(len(text), HEAD_CHARS)):
        if q.start <= p.start:
            continue
        if q.line != p.line + 1 + (q.line - p.line - 1) or _ADDRESSEE.match(q.text) or is_upper(q.text) \
                or _NUMBER_START.match(q.text) or _PLACE_DATE.match(q.text) or q.line - p.line > 3:
            break
        if q.text[:1].islower():
            end = q.end
            p = q
            continue
        break
    value = re.sub(r"\s+", " ", text[start:end]).strip().rstrip(".")
    if value:
        head.title = Value(value[:1].upper() + value[1:], start, end)
        head.subject = True


def _kind_and_title(doc: Document, head: Header, kind_piece: Piece) -> None:
    """The kind line and the title lines under it (a gazette heading's parts too)."""
    text = doc.text
    km = kind_line(kind_piece.text)
    offset = kind_piece.text.index(km.group(0)) if km else 0
    if km is not None:
        if head.kind is None or head.kind_from_number:
            head.kind = Value(kind_name(km.group(0)), kind_piece.start + offset, kind_piece.start + offset + len(km.group(0)))
        title_from = kind_piece.start + offset + len(km.group(0))
        rest = text[title_from:kind_piece.end].strip()
        if re.match(r"CỦA\b", rest) or not rest:
            heading = _gazette_heading(doc, title_from, head)
            if heading:
                return
        if rest and not re.match(r"CỦA\b", rest):
            title_from = text.index(rest, title_from)
        else:
            title_from = kind_piece.end
    else:
        title_from = kind_piece.start
    head.title = title_lines(doc, title_from, head) or head.title


def _text_lines(text: str, pos: int, count: int) -> list[tuple[int, int, str]]:
    """Up to ``count`` lines from ``pos`` as (start, end, stripped text); blank lines as ''."""
    out = []
    cursor = pos
    while cursor < len(text) and len(out) < count:
        nl = text.find("\n", cursor)
        nl = len(text) if nl < 0 else nl
        raw = text[cursor:nl]
        line = raw.strip().strip("|").strip()
        start = cursor + (raw.find(line) if line else 0)
        out.append((start, start + len(line), "" if _RULE.fullmatch(line or "---") else line))
        cursor = nl + 1
    return out


def title_lines(doc: Document, pos: int, head: Header | None = None) -> Value | None:
    """The title printed from ``pos``: lines up to a blank line after it, the body's first
    line, an attached part's "(Ban hành kèm theo ...)", or the enacting body's line. An
    upper-case title may go on in small letters ("... ĐỊNH HƯỚNG / về xây dựng ..."); a line in
    small letters that starts with a capital goes on a title in small letters only after a word
    that cannot end one ("của", "và", ...), when short (a name), or when a blank line or the body
    follows it."""
    g = grammar()
    text = doc.text
    own = {fold(u.value) for u in head.units} if head else set()
    rows = _text_lines(text, pos, 16)
    lines: list[tuple[int, int, str]] = []
    for k, (start, end, line) in enumerate(rows):
        if not line:
            if lines:
                break
            continue
        if g.attached.match(line) or _ADDRESSEE.match(line):
            break
        if g.title_stops.match(line) and not (not lines and _implementing_title(line)):
            break
        if lines and not re.search(r"[^\W\d_]", line):
            lines.append((start, end, line))  # "2025”": the end of the line above
            continue
        if lines:
            prev = lines[-1][2]
            key = fold(line)
            if is_upper(line) and (starts_with(key, g.enacting) or key.rstrip(",") in own):
                break
            if is_upper(prev) and not is_upper(line):
                if not line[:1].islower():
                    break
            elif not is_upper(prev) and is_upper(line):
                break
            elif not is_upper(line) and line[:1].isupper():
                last = prev.rstrip().split(" ")[-1].lower() if prev.strip() else ""
                nxt = next((r[2] for r in rows[k + 1:k + 2]), "")
                ends = not nxt or g.title_stops.match(nxt) or g.attached.match(nxt) or is_upper(nxt)
                if not (prev.rstrip().endswith((",", "-", "–")) or last in g.connectives or len(line.split()) <= 3 or ends):
                    break
            if prev.rstrip().endswith((".", ";", ":")) and not is_upper(prev):
                break
        if layout_vocabulary().marker.match(line) and not re.match(r"(?:V/v|Về)\b", line) and \
                (lines or not is_upper(line)):
            break
        lines.append((start, end, line))
        if len(lines) >= 8:
            break
    if not lines:
        return None
    start, end = lines[0][0], lines[-1][1]
    value = re.sub(r"\s+", " ", " ".join(x[2] for x in lines)).strip()
    value = _SUBJECT.sub("", value) if value.startswith(("V/v", "V/V")) else value
    value = split_glued(value.strip(" .;:"))  # "PHÊDUYỆT KẾ HOẠCH" copied from a web page
    if is_upper(value):
        value = sentence_case(value)
    if not value:
        return None
    return Value(value[:1].upper() + value[1:], start, end)


def _implementing_title(line: str) -> bool:
    """A first title line "Thực hiện Nghị quyết số ... về ..." under the kind line of an action
    programme or a plan: it names the document implemented and, unlike the body's opening
    "Thực hiện ..., Ủy ban ... ban hành kế hoạch như sau:", does not end as a sentence."""
    return bool(re.match(r"(?:Thực hiện|THỰC HIỆN)\s+\S", line)) and not line.rstrip().endswith((".", ":", ";"))


def sentence_case(upper: str) -> str:
    """An upper-case title in reading case: known names capitalised, numbers and codes
    ("37/2019/QĐ-UBND", "UBND") kept as printed."""
    kept = {w for w in upper.split() if re.search(r"\d|/", w)}
    s = recase(upper)
    return " ".join(w if w.upper() in kept else w for w in s.split(" ")) if not kept else \
        " ".join(next((k for k in kept if k.lower() == w.lower()), w) for w in s.split(" "))


def _gazette_heading(doc: Document, pos: int, head: Header) -> bool:
    """A heading "CỦA <body> SỐ <number> NGÀY <date> VỀ <title>" after the kind word."""
    text = doc.text
    end = pos
    lines = []
    cursor = pos
    while cursor < len(text) and len(lines) < 10:
        nl = text.find("\n", cursor)
        nl = len(text) if nl < 0 else nl
        line = text[cursor:nl].strip()
        if not line and not lines and cursor == pos:
            cursor = nl + 1
            pos = cursor
            continue
        if not line or not is_upper(line) or (lines and starts_with(fold(line), grammar().enacting) and not re.search(r"\bSỐ\b|\bNGÀY\b|\bVỀ\b", line)):
            break
        lines.append(line)
        end = nl
        cursor = nl + 1
    block = text[pos:end]
    m = re.match(r"\s*CỦA\s+(?P<body>.+?)\s+SỐ\s*:?\s*", block, re.DOTALL)
    if m is None:
        return False
    if head.units == []:
        body = m.group("body")
        head.units = [Value(_name(body), pos + m.start("body"), pos + m.end("body"))]
        head.central = starts_with(fold(body), grammar().central)
    nspan = number_token(text, pos + m.end())
    if nspan:
        number = clean_number(text[nspan[0]:nspan[1]])
        if _FULL_NUMBER.fullmatch(number):
            head.number = Value(number, *nspan)
    after = nspan[1] if nspan else pos + m.end()
    date = read_date(doc, after, min(len(text), after + 50)) if re.match(r"\s*NGÀY\b", text[after:after + 10]) else {}
    for key, value in date.items():
        setattr(head, key, value)
    dm = _DATE_PARTS.search(text, after, min(len(text), after + 50)) if date else None
    tstart = dm.end() if dm else after
    rest = text[tstart:end]
    lead = len(rest) - len(rest.lstrip())
    if rest.strip():
        value = sentence_case(re.sub(r"\s+", " ", rest).strip(" .;:"))
        head.title = Value(value, tstart + lead, end)
    return True


def _gazette(doc: Document) -> Header | None:
    """A gazette heading at the top of a text with no standard header."""
    text = doc.text
    for p in pieces(text, min(len(text), 600))[:4]:
        km = kind_line(p.text)
        if km is None:
            continue
        head = Header("gazette")
        head.kind = Value(kind_name(km.group(0)), p.start + p.text.index(km.group(0)), p.start + p.text.index(km.group(0)) + len(km.group(0)))
        if not _gazette_heading(doc, head.kind.end, head):
            return None
        head.span = (head.kind.start, head.title.end if head.title else head.kind.end)
        return head
    return None


def _top_heading(doc: Document) -> Header | None:
    """A text that opens with its kind line and title, without a header (a report)."""
    text = doc.text
    ps = pieces(text, min(len(text), 400))[:2]
    for p in ps[:1]:
        km = kind_line(p.text)
        if km is None or len(p.text) > len(km.group(0)) + 2:
            continue
        head = Header("heading")
        head.kind = Value(kind_name(km.group(0)), p.start + p.text.index(km.group(0)), p.start + p.text.index(km.group(0)) + len(km.group(0)))
        head.title = title_lines(doc, p.end + 1, head)
        head.span = (head.kind.start, head.title.end if head.title else head.kind.end)
        return head
    return None


_ATTACHED_REF = re.compile(
    r"\(\s*(?:Ban\s+hành\s+)?(?:kèm\s+theo|đính\s+kèm)\s+(?P<kind>[^\d(]{2,30}?)\s+(?:số\s*:?\s*)?(?P<number>\d[^\s,;)]*(?:\s*[/\-–]\s*[^\s,;)]+)*)"
    r"(?P<rest>[^)]{0,200})\)", re.IGNORECASE)


def _attached(doc: Document, head: Header | None) -> Header | None:
    """A part issued with another document: "(Ban hành kèm theo Quyết định số ... của ...)"
    under its heading. With ``head`` (a standard header already read), the cue under its title
    makes the text an attached part of the document named; without, the heading is looked for
    in the first lines of the text."""
    text = doc.text
    if head is not None:
        window = (head.title.end, min(len(text), head.title.end + 30)) if head.title else None
        if window is None:
            return None
        m = _ATTACHED_REF.search(text, window[0], min(len(text), window[0] + 400))
        if m is None or not text[window[0]:m.start()].strip() == "":
            return None
        _attach(doc, head, m)
        return head
    limit = min(len(text), 1500)
    m = _ATTACHED_REF.search(text, 0, limit)
    if m is None:
        return None
    before = [p for p in pieces(text, m.start()) if p.end <= m.start()]
    if not before or len(before) > 6:
        return None
    head = Header("attached")
    # The heading: a kind line ("QUY ĐỊNH", "Phụ lục I") and the title lines above the cue.
    title_pieces: list[Piece] = []
    for p in reversed(before):
        km = kind_line(p.text) or (re.match(r"^(Phụ\s+lục|PHỤ\s+LỤC)\b", p.text) and kind_regex().match(p.text))
        if km and kind_line(p.text) is None:
            head.label = Value(p.text, p.start, p.end)
        if km:
            head.kind = Value(kind_name(km.group(0)), p.start, p.start + len(km.group(0)))
            break
        if re.search(r"\bMẫu\s+số\b", p.text, re.IGNORECASE) or re.fullmatch(r"[\d\s.]+", p.text):
            break
        title_pieces.insert(0, p)
    if title_pieces:
        value = re.sub(r"\s+", " ", " ".join(p.text for p in title_pieces)).strip(" .")
        head.title = Value(sentence_case(value) if is_upper(value) else value, title_pieces[0].start, title_pieces[-1].end)
    _attach(doc, head, m)
    if head.title is None and head.kind is None:
        return None
    head.span = ((head.kind or head.title).start, m.end())
    return head


def _attach(doc: Document, head: Header, m: re.Match[str]) -> None:
    text = doc.text
    nspan = number_token(text, m.start("number"))
    number = clean_number(text[nspan[0]:nspan[1]] if nspan else m.group("number")).rstrip(")")
    kind = canonical_kind(m.group("kind").strip())
    attached: dict = {"kind": kind if kind != m.group("kind").strip() or kind in {k.name for k in vocabulary().kinds} else None,
                      "number": number, "issued_on": None}
    date = read_date(doc, m.start("rest"), m.end("rest"))
    if "issued_on" in date:
        attached["issued_on"] = date["issued_on"].value
    else:
        dm = re.search(r"ngày\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})", m.group("rest"))
        if dm:
            try:
                attached["issued_on"] = dt.date(int(dm.group(3)), int(dm.group(2)), int(dm.group(1))).isoformat()
            except ValueError:
                pass
    head.attached_to = attached
    head.attached_span = (m.start(), m.end())
    if not head.units:
        by = re.search(r"\bcủa\s+(?P<body>[^)]+?)\s*$", m.group("rest"), re.IGNORECASE | re.DOTALL)
        if by:
            body = re.sub(r"\s+", " ", by.group("body")).strip()
            s = m.start("rest") + by.start("body")
            head.units = [Value(body, s, s + len(by.group("body").rstrip()))]
            head.central = starts_with(fold(body), grammar().central)
    head.number = None  # a part has no number of its own


def _law_and_consolidated(doc: Document, head: Header) -> None:
    """A law's date is the day the Quốc hội passed it; a consolidated text's number and date
    are those of its closing authentication block."""
    text = doc.text
    g = grammar()
    if head.issued_on is None and head.issued_month is None and head.kind is not None and head.kind.value in ("Luật", "Pháp lệnh", "Nghị quyết"):
        for m in g.passed.finditer(text, max(0, len(text) - 6000)):
            date = read_date(doc, m.end() - len("ngày"), min(len(text), m.end() + 40))
            if "issued_on" in date:
                head.issued_on = date["issued_on"]
                head.date_from = "passed"
    if head.number is None and head.number_partial is None:
        m = g.consolidated.search(text, max(0, len(text) - 4000))
        if m is None:
            return
        num = _NUMBER_START.search(text, m.end(), min(len(text), m.end() + 300))
        if num is None:
            return
        head.number, _ = read_number(doc, num.start(), num.end())
        pd = _PLACE_DATE.search(text, num.end(), min(len(text), num.end() + 200))
        if pd is not None:
            date = read_date(doc, pd.end(), min(len(text), pd.end() + 60))
            if "issued_on" in date:
                head.issued_on = date["issued_on"]
        line_start = text.rfind("\n", 0, m.start()) + 1
        body = text[line_start:m.start()].strip(" |")
        if body and is_upper(body):
            s = text.index(body, line_start)
            head.units = [Value(_name(body), s, s + len(body))]
            head.central = starts_with(fold(body), g.central)
        head.date_from = "consolidated"


def evidence(doc: Document, v: Value) -> Evidence:
    return doc.evidence(v.start, v.end)
