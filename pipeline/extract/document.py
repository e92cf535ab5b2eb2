"""Candidates for the identity of the plan a text is about: kind, number, date, issuer, title.

Four rules propose candidates, strongest first; :mod:`pipeline.extract.resolve` picks among them:

* ``header``: the official layout's "Số: 1555/KH-SKHCN" line, place-and-date line,
  issuing body above it and the kind line ("KẾ HOẠCH") with the title under it;
* ``issuing``: a numbered document governed by an issuing verb ("đã ban hành Kế hoạch số ...");
* ``title``: an opening line that starts with a plan kind ("Kế hoạch phát động ...");
* ``subject``: a body that is the subject of an issuing verb ("Sở ... xây dựng kế hoạch").
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right

from ..core.model import Document
from ..ingest.layout import is_upper
from ..ingest.layout import vocabulary as layout_vocabulary
from ..lang import vocabulary
from . import doc_citations, mentions, register
from .citations import kind_for_number
from .entities import (
    canonical_kind,
    find_orgs,
    find_provinces,
    kind_regex,
    phrase_pattern,
)
from .values import Field, PlanCandidate

HEAD_CHARS = 2500
_NUMBER_LINE = re.compile(r"^\s*S[ốo]\s*[:.]?\s*", re.IGNORECASE | re.MULTILINE)
_NATIONAL = re.compile(r"CỘNG\s+HÒA\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM|ĐẢNG\s+CỘNG\s+SẢN\s+VIỆT\s+NAM|Độc lập\s*-\s*Tự do\s*-\s*Hạnh phúc", re.IGNORECASE)
SELF_REFERENCE = re.compile(r"(?<!\w)(Công văn|Văn bản)\s+này(?!\w)", re.IGNORECASE)
# What is left of a number that could not be read: a few marks, then the "/KH-UBND" part.
_BLANK_NUMBER = re.compile(r"[^\n]{0,10}?/\s*(?:\d{4}/)?[A-ZĐ]{1,6}[-–][A-ZĐ]", re.IGNORECASE)
_PLACE_DATE = re.compile(r"([A-ZĐÀ-Ỹ][^\n,;:]{1,40}),\s*ngày\b", re.UNICODE)


def _field(doc: Document, value, start: int, end: int) -> Field:
    return Field(value, doc.evidence(start, end))


def header_candidate(doc: Document) -> PlanCandidate | None:
    text = doc.text
    head = text[:HEAD_CHARS]
    ments = mentions(doc)
    cand = PlanCandidate("header", 100)
    number_line_end = None
    for m in _NUMBER_LINE.finditer(head):
        num = next((x for x in ments if x.label == "DOCNUM" and x.start == m.end()), None)
        if num:
            cand.fields["number"] = _field(doc, num.value, num.start, num.end)
            number_line_end = text.find("\n", num.end)
            number_line_end = len(text) if number_line_end < 0 else number_line_end
            break
    if number_line_end is None:
        # A "Số:" line whose number is not legible (written in by hand on a scan, OCR noise):
        # the header layout still dates and attributes the document.
        blank = next((m for m in _NUMBER_LINE.finditer(head) if _BLANK_NUMBER.match(text, m.end())), None)
        if blank is None:
            return None
        number_line_end = text.find("\n", blank.end())
        number_line_end = len(text) if number_line_end < 0 else number_line_end
    # Place and date: "Đồng Nai, ngày 14 tháng 9 năm 2021", on or just after the number line.
    for pd in _PLACE_DATE.finditer(text, 0, min(len(text), number_line_end + 200)):
        date = next((x for x in ments if x.label == "DATE" and pd.end() <= x.start <= pd.end() + 3), None)
        if date:
            cand.fields["issued_on"] = _field(doc, date.value, date.start, date.end)
            provs = find_provinces(text, pd.start(1), pd.end(1))
            if provs:
                cand.fields["province"] = _field(doc, provs[0].value, provs[0].start, provs[0].end)
            break
    # Issuing body: the last body in the header block, outside the national motto.
    national = [(m.start(), m.end()) for m in _NATIONAL.finditer(text, 0, number_line_end)]
    orgs = [o for o in find_orgs(text, 0, number_line_end) if not any(s <= o.start < e for s, e in national)]
    if orgs:
        org = orgs[-1]
        cand.fields["issuer"] = _field(doc, org.value, org.start, org.end)
        if "province" not in cand.fields:
            provs = [p for o in orgs for p in find_provinces(text, o.start, o.end)]
            if provs:
                cand.fields["province"] = _field(doc, provs[-1].value, provs[-1].start, provs[-1].end)
    # Kind line ("KẾ HOẠCH") and the title under it.
    for line in re.finditer(r"^(.+)$", text[:HEAD_CHARS + 1500], re.MULTILINE):
        if line.start() < number_line_end:
            continue
        km = kind_regex().fullmatch(line.group(1).strip())
        if km and line.group(1).strip().isupper():
            ks = line.start() + line.group(1).index(line.group(1).strip())
            cand.fields["kind"] = _field(doc, canonical_kind(km.group(0)), ks, ks + len(km.group(0)))
            title = _title_after(doc, line.end())
            if title:
                cand.fields["title"] = title
            cand.span = (ks, title.evidence.end if title else line.end())
            break
    if "kind" not in cand.fields and "number" in cand.fields:
        num = cand.fields["number"]
        kind = kind_for_number(num.value)
        if kind:
            cand.fields["kind"] = Field(kind, num.evidence)
        else:
            # An official letter's number carries no kind code; the letter names itself ("Văn bản này").
            own = SELF_REFERENCE.search(text)
            if own:
                cand.fields["kind"] = _field(doc, canonical_kind(own.group(1)), own.start(1), own.end(1))
    return cand


def _title_after(doc: Document, pos: int) -> Field | None:
    """The title lines under a kind line, up to a blank line or the first "Căn cứ"/"Thực hiện"."""
    text = doc.text
    lines = []
    cursor = pos + 1
    start = None
    while cursor < len(text) and len(lines) < 4:
        end = text.find("\n", cursor)
        end = len(text) if end < 0 else end
        line = text[cursor:end]
        if not line.strip() or re.match(r"(Căn cứ|Thực hiện|Trên cơ sở|Nhằm|I\.|1\.)", line.strip()):
            break
        if layout_vocabulary().rule.fullmatch(line.strip()):
            break  # the short rule printed under a title
        if lines and is_upper(line) != is_upper(lines[0]):
            break  # capitals after a title in small letters: the enacting body ("CHỦ TỊCH ỦY BAN ...")
        if start is None:
            start = cursor
        lines.append(line)
        cursor = end + 1
    if start is None:
        return None
    end = start + len("\n".join(lines))
    value = re.sub(r"\s+", " ", text[start:end]).strip()
    return _field(doc, value, start, end)


def issuing_candidate(doc: Document) -> PlanCandidate | None:
    text = doc.text
    for cit in doc_citations(doc):
        if not cit.issuing:
            continue
        cand = PlanCandidate("issuing", 80, span=(cit.start, cit.end))
        if cit.kind:
            cand.fields["kind"] = _field(doc, cit.kind, *(cit.kind_span or cit.number_span))
        cand.fields["number"] = _field(doc, cit.number, *cit.number_span)
        if cit.issued_on and cit.date_span:
            cand.fields["issued_on"] = _field(doc, cit.issued_on, *cit.date_span)
        subj = cit.subject
        if subj is not None:
            cand.fields["issuer"] = _field(doc, subj.value, subj.start, subj.end)
            if "issued_on" not in cand.fields:
                # "ngày 14/9/2021 Giám đốc Sở ... đã ban hành": the date opens the clause.
                before = [m for m in mentions(doc) if m.label == "DATE" and m.end <= subj.start and subj.start - m.end <= 40]
                if before and not re.search(r"[.;\n]", text[before[-1].end:subj.start]):
                    d = before[-1]
                    cand.fields["issued_on"] = _field(doc, d.value, d.start, d.end)
        elif cit.issuer and cit.issuer_span:
            cand.fields["issuer"] = _field(doc, cit.issuer, *cit.issuer_span)
        title_end = re.search(r"[.\n]|$", text[cit.end:])
        raw_title = text[cit.end:cit.end + title_end.start()]
        lead = re.match(r"[\s,]*(?:về việc|về|V/v)?\s*", raw_title, re.IGNORECASE)
        if raw_title[lead.end():].strip():
            cand.fields["title"] = _field(doc, re.sub(r"\s+", " ", raw_title[lead.end():]).strip(),
                                          cit.end + lead.end(), cit.end + len(raw_title))
        return cand
    return None


def title_candidate(doc: Document) -> PlanCandidate | None:
    """An opening line that starts with a plan kind: a web page's headline or a title line."""
    text = doc.text
    plan_kinds = vocabulary().plan_kinds
    count = 0
    for line in re.finditer(r"^(.+)$", text, re.MULTILINE):
        count += 1
        if count > 6:
            break
        km = kind_regex().match(line.group(1))
        if not km or canonical_kind(km.group(0)) not in plan_kinds or line.group(1).strip().isupper():
            continue
        if len(line.group(1).split()) < 4:
            continue
        cand = PlanCandidate("title", 60, span=(line.start(), line.end()))
        cand.fields["kind"] = _field(doc, canonical_kind(km.group(0)), line.start(), line.start() + len(km.group(0)))
        cand.fields["title"] = _field(doc, line.group(1).strip(), line.start(), line.end())
        orgs = [o for o in find_orgs(text, line.start(), line.end())
                if re.search(r"(?:của|do)\s*$", text[line.start():o.start])]
        if orgs:
            cand.fields["issuer"] = _field(doc, orgs[-1].value, orgs[-1].start, orgs[-1].end)
        return cand
    return None


def subject_candidate(doc: Document) -> PlanCandidate | None:
    """A body followed by an issuing verb, outside any cited document's description."""
    text = doc.text
    verbs = sorted(vocabulary().issuing_verbs, key=len, reverse=True)
    verb_rx = re.compile(rf"\s*(?:\([^()\n]{{1,20}}\)\s*)?(?:{'|'.join(phrase_pattern(v) for v in verbs)})(?!\w)", re.IGNORECASE)
    cited = sorted((c.start, c.end) for c in doc_citations(doc))
    cited_starts = [s for s, _ in cited]
    reach = list(itertools.accumulate((e for _, e in cited), max))  # the furthest end among the first k
    for org in find_orgs(text):
        k = bisect_right(cited_starts, org.start)  # citations starting at or before the org ...
        if k and reach[k - 1] > org.start:  # ... one of which ends after its start
            continue
        m = verb_rx.match(text, org.end)
        if not m:
            continue
        cand = PlanCandidate("subject", 40, span=(org.start, m.end()))
        cand.fields["issuer"] = _field(doc, org.value, org.start, org.end)
        km = kind_regex().match(text, m.end() + 1) if text[m.end():m.end() + 1] == " " else None
        if km and canonical_kind(km.group(0)) in vocabulary().plan_kinds:
            cand.fields["kind"] = _field(doc, canonical_kind(km.group(0)), km.start(), km.end())
        return cand
    return None


@register("document")
def extract_document(doc: Document) -> list[PlanCandidate]:
    """All plan-identity candidates the rules find, strongest first."""
    found = [c for c in (header_candidate(doc), issuing_candidate(doc), title_candidate(doc), subject_candidate(doc)) if c]
    return sorted(found, key=lambda c: -c.strength)
