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
from functools import lru_cache
from bisect import bisect_right

from ..core.model import Document
from ..ingest.layout import is_upper
from ..ingest.layout import vocabulary as layout_vocabulary
from ..lang import vocabulary
from . import doc_citations, mentions, register
from .abbreviations import extract_abbreviations
from .citations import kind_for_number
from .header import Value, fold, parse_header
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
    """The identity the document's header states (:mod:`pipeline.extract.header`)."""
    head = parse_header(doc)
    if head is None:
        return None
    cand = PlanCandidate("header", 100, span=head.span)

    def put(key: str, v, how: str = "header") -> None:
        if v is not None:
            cand.fields[key] = _field(doc, v.value, v.start, v.end)
            if how != "header":
                cand.provenance[key] = how

    put("number", head.number, "body" if head.date_from == "consolidated" else "header")
    put("number_partial", head.number_partial)
    put("issued_on", head.issued_on, "body" if head.date_from != "header" else "header")
    put("issued_month", head.issued_month)
    put("issued_year", head.issued_year)
    if head.kind is not None and head.kind_from_number and head.kind.value == "Công văn":
        own = SELF_REFERENCE.search(doc.text)
        if own:  # the letter names itself: "Văn bản này", "Công văn này"
            head.kind = Value(canonical_kind(own.group(1)), own.start(1), own.end(1))
    put("kind", head.kind, "inferred" if head.kind_from_number else "header")
    put("title", head.title)
    if head.units:
        put("issuer", head.units[-1])
        if len(head.units) > 1:
            put("parent", head.units[-2])
    if head.attached_to:
        cand.fields["attached_to"] = Field(head.attached_to, doc.evidence(*head.attached_span))
    # The province: named in the issuer's or the parent's name; none for a central body; else
    # the place of the place-and-date line when it is a province (inferred).
    for unit in reversed(head.units):
        provs = find_provinces(_readable(doc.text[unit.start:unit.end]))
        if provs:
            p = provs[-1]
            cand.fields["province"] = _field(doc, p.value, unit.start + p.start, unit.start + p.end)
            break
    else:
        if head.central:
            cand.fields["province"] = Field(None, doc.evidence(head.units[0].start, head.units[0].end))
        elif head.place is not None:
            provs = find_provinces(doc.text, head.place.start, head.place.end)
            if provs and provs[0].start == head.place.start:
                cand.fields["province"] = _field(doc, provs[0].value, provs[0].start, provs[0].end)
                cand.provenance["province"] = "inferred"
    return cand


def _readable(segment: str) -> str:
    """An upper-case header line title-cased, offsets kept (province names are found capitalised)."""
    return segment.title() if is_upper(segment) else segment


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
        coded = kind_for_number(cit.number)
        if cit.kind and coded and coded != cit.kind:
            # "ban hành quyết định số 120/KH-UBND về Kế hoạch ...": the number's code names the kind
            cand.fields["kind"] = _field(doc, coded, *cit.number_span)
            cand.provenance["kind"] = "inferred"
            cand.conflicts["kind"] = [cit.kind, coded]
        elif cit.kind:
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
    found = None
    for org in find_orgs(text):
        k = bisect_right(cited_starts, org.start)  # citations starting at or before the org ...
        if k and reach[k - 1] > org.start:  # ... one of which ends after its start
            continue
        m = verb_rx.match(text, org.end)
        if m:
            found = (org.start, org.end, org.value, m)
            break
    if found is None:
        found = _agency_subject(doc, verb_rx)
    if found is not None:
        start, end, value, m = found
        cand = PlanCandidate("subject", 40, span=(start, m.end()))
        cand.fields["issuer"] = _field(doc, value, start, end)
        km = kind_regex().match(text, m.end() + 1) if text[m.end():m.end() + 1] == " " else None
        if km and canonical_kind(km.group(0)) in vocabulary().plan_kinds:
            cand.fields["kind"] = _field(doc, canonical_kind(km.group(0)), km.start(), km.end())
        return cand
    return None


#: How far into a report its subject is looked for: the headline and the lead.
LEAD_CHARS = 1500
_CLAUSE_START = re.compile(r"(?:^|\n|[.!?;]\s+|,\s+|\)\s*[-–]\s*|[-–]\s+)")
_AGENCY_TAIL = re.compile(r"\s+(?:đã|vừa|mới|sẽ)$")


@lru_cache(maxsize=1)
def _agency_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """An agency's head word (capitalised, as names are written) and what an issuing verb issues."""
    voc = vocabulary()
    heads = "|".join(phrase_pattern(h) for h in sorted(voc.agency_heads, key=len, reverse=True))
    objects = "|".join(phrase_pattern(o) for o in sorted(voc.issued_objects, key=len, reverse=True))
    return re.compile(rf"(?:{heads})(?=\s)"), re.compile(rf"\s+(?:{objects})(?!\w)", re.IGNORECASE)


def _agency_subject(doc: Document, verb_rx: re.Pattern[str]) -> tuple[int, int, str, re.Match[str]] | None:
    """A body named by its head word ("Trung tâm Phục vụ hành chính công", "Công an tỉnh Quảng
    Ninh") at the start of a clause of a report's lead, right before an issuing verb whose object
    is a plan, a movement or a decision ("... đã ban hành kế hoạch", "... tổ chức Lễ phát động
    phong trào"): the body the report says issued it. A headline often shortens the name the
    lead gives in full ("Công an Quảng Ninh", then "Công an tỉnh Quảng Ninh"): the fuller wins."""
    text = doc.text[:LEAD_CHARS]
    agency, obj = _agency_patterns()
    found: list[tuple[int, int, str, re.Match[str]]] = []
    for clause in _CLAUSE_START.finditer(text):
        head = agency.match(text, clause.end())
        if head is None:
            continue
        stop = re.search(r"[\n.,;:()]", text[head.end():head.end() + 90])
        limit = head.end() + (stop.start() if stop else 90)
        for gap in re.finditer(r"\s+", text[head.end():limit]):
            at = head.end() + gap.start()
            m = verb_rx.match(text, at)
            if m and obj.match(text, m.end()):
                name = _AGENCY_TAIL.sub("", text[clause.end():at].strip())
                if 2 <= len(name.split()) <= 15:
                    found.append((clause.end(), clause.end() + len(name), name, m))
                break
    if not found:
        return None
    best = found[0]
    for other in found[1:]:
        if set(fold(best[2]).split()) < set(fold(other[2]).split()):
            best = other
    defined = {a.short: a.long for a in extract_abbreviations(doc) if " " in a.long}
    if defined:  # "Hội CCB tỉnh", with "Cựu chiến binh (CCB)" in the text: "Hội Cựu chiến binh tỉnh"
        name = " ".join(defined.get(word, word) for word in best[2].split())
        best = (best[0], best[1], name, best[3])
    return best


_LEAD = re.compile(r"(?:^|(?<=[.:;]\s)|(?<=\n))(?:Theo\s+(?:đó,\s*)?)(?P<kind>[Kk]ế hoạch|[Cc]hương trình(?: hành động)?|[Đđ]ề án|[Pp]hương án)(?!\w)")


def lead_candidate(doc: Document) -> PlanCandidate | None:
    """A report's lead naming the plan it is about: "Theo Kế hoạch 191/KH-UBND về ...",
    "Theo đó, Chương trình đề ra ...", "Theo đề án Bảo tồn ..." (only the kind, and the number
    printed right after it)."""
    text = doc.text
    m = _LEAD.search(text, 0, min(len(text), 900))
    if m is None:
        return None
    cand = PlanCandidate("lead", 30, span=(m.start("kind"), m.end("kind")))
    kind = canonical_kind(m.group("kind"))
    cand.fields["kind"] = _field(doc, kind, m.start("kind"), m.end("kind"))
    after = re.match(r"\s+(?:số\s+)?", text[m.end():])
    num = next((x for x in mentions(doc) if x.label == "DOCNUM" and x.start == m.end() + (after.end() if after else 0)), None)
    if num is not None and kind_for_number(num.value) in (None, kind):
        cand.fields["number"] = _field(doc, num.value, num.start, num.end)
    return cand


@register("document")
def extract_document(doc: Document) -> list[PlanCandidate]:
    """All plan-identity candidates the rules find, strongest first."""
    found = [c for c in (header_candidate(doc), issuing_candidate(doc), title_candidate(doc), subject_candidate(doc),
                         lead_candidate(doc)) if c]
    return sorted(found, key=lambda c: -c.strength)
