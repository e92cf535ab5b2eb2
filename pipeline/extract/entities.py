"""Finders for the named things extractors share: organisations, provinces and document kinds.

Patterns are compiled once from the vocabulary in ``pipeline/lang/vi``. Each finder returns
``(start, end, value)`` spans of the normalised text, ``value`` being the canonical name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..lang import vocabulary

# Old and new tone-mark placement are both in use ("Ủy"/"Uỷ", "hóa"/"hoá").
_VARIANTS = {"Ủy": "(?:Ủy|Uỷ)", "ủy": "(?:ủy|uỷ)", "hóa": "(?:hóa|hoá)", "Hòa": "(?:Hòa|Hoà)", "hòa": "(?:hòa|hoà)"}


@lru_cache(maxsize=4096)
def phrase_pattern(phrase: str) -> str:
    """Regex for a vocabulary phrase: flexible spaces and dashes, both tone-mark placements."""
    out = []
    for part in re.split(r"(\s+|\s*[-–]\s*)", phrase):
        if not part:
            continue
        if part.strip() in ("-", "–"):
            out.append(r"\s*[-–]\s*")
        elif part.isspace():
            out.append(r"\s+")
        else:
            esc = re.escape(part)
            for k, v in _VARIANTS.items():
                esc = esc.replace(re.escape(k), v)
            out.append(esc)
    return "".join(out)


def _alternation(phrases: list[str]) -> str:
    return "|".join(phrase_pattern(p) for p in sorted(set(phrases), key=len, reverse=True))


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    value: str


@lru_cache(maxsize=1)
def _province_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    voc = vocabulary()
    canon: dict[str, str] = {}
    names = []
    for p in voc.provinces:
        for n in (p.name, *p.aliases):
            canon[fold_key(n)] = p.name
            names.append(n)
    # the look-ahead names every letter a name can start with: a quick skip elsewhere
    rx = re.compile(rf"{first_letters(names)}(?<!\w)(?:{_alternation(names)})(?!\w)", re.IGNORECASE)
    return rx, canon


def first_letters(phrases: list[str]) -> str:
    """A look-ahead for the characters :func:`phrase_pattern` s of ``phrases`` can start with
    (both tone-mark placements), so a long alternation is tried only where one can match."""
    firsts = set()
    for phrase in phrases:
        firsts.add(phrase[0])
        for plain, either in _VARIANTS.items():
            if phrase.startswith(plain):
                firsts.update(option[0] for option in either[3:-1].split("|"))
    return f"(?=[{''.join(re.escape(c) for c in sorted(firsts))}])" if firsts else ""


def fold_key(s: str) -> str:
    """Lower-case key without spaces or dashes, for canonical look-ups."""
    return re.sub(r"[\s\-–]+", "", s.replace("Uỷ", "Ủy").replace("uỷ", "ủy")).casefold()


@lru_cache(maxsize=1)
def _only_after() -> dict[str, re.Pattern[str]]:
    """For names that are a province only after certain words, a pattern of those words
    ending where the name starts ("thành phố Hồ Chí Minh", not "Đoàn TNCS Hồ Chí Minh")."""
    out = {}
    for p in vocabulary().provinces:
        if p.only_after:
            words = "|".join(re.escape(w) for w in sorted(p.only_after, key=len, reverse=True))
            out[p.name] = re.compile(rf"(?<!\w)(?:{words})\s*$", re.IGNORECASE)
    return out


def find_provinces(text: str, start: int = 0, end: int | None = None) -> list[Found]:
    """Province names (capitalised as names are) in ``text[start:end]``."""
    rx, canon = _province_regex()
    guarded = _only_after()
    out = []
    for m in rx.finditer(text, start, len(text) if end is None else end):
        if not m.group(0)[0].isupper():
            continue
        name = canon.get(fold_key(m.group(0)), m.group(0))
        guard = guarded.get(name)
        if guard is not None and fold_key(m.group(0)) == fold_key(name) and not guard.search(text, max(0, m.start() - 12), m.start()):
            continue  # "Giải thưởng Hồ Chí Minh", "Đoàn TNCS Hồ Chí Minh": a name, not the city
        out.append(Found(m.start(), m.end(), name))
    return out


@lru_cache(maxsize=1)
def _org_regex() -> re.Pattern[str]:
    voc = vocabulary()
    rx_prov, _ = _province_regex()
    place = rf"(?:\s+(?:tỉnh|thành phố|TP\.?|huyện|thị xã)\s+(?:{rx_prov.pattern})|\s+(?:{rx_prov.pattern}))?"
    body = _alternation(list(voc.bodies))
    dept = rf"{phrase_pattern(voc.department_head)}\s+(?:{_alternation(list(voc.departments))})"
    # a name starts with a capital (see find_orgs): the lookahead, case-sensitive, spares the
    # long alternation every other position of the text
    return re.compile(rf"(?<![\w/-])(?-i:(?=[{_capitals()}]))(?:{dept}|{body}){place}(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _capitals() -> str:
    """The capital letters of Latin script with Vietnamese's (a character class's body)."""
    return "".join(ch for ch in map(chr, range(0x41, 0x1F00)) if ch.isupper() and ch.isalpha())


def find_orgs(text: str, start: int = 0, end: int | None = None) -> list[Found]:
    """Issuing bodies in ``text[start:end]``; the value is the text with spaces squeezed."""
    out = []
    for m in _org_regex().finditer(text, start, len(text) if end is None else end):
        if not m.group(0)[0].isupper():
            continue  # "các sở, ngành" is not a body
        out.append(Found(m.start(), m.end(), canonical_org(m.group(0))))
    return out


@lru_cache(maxsize=4096)
def canonical_org(raw: str) -> str:
    """Readable form of an organisation name: spaces squeezed, all-caps headers re-cased."""
    s = re.sub(r"\s+", " ", raw).strip()
    if s.isupper() and len(s) > 4:
        s = recase(s)
    return s


@lru_cache(maxsize=1)
def _recase_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The known names, longest first, each with its compiled pattern (built once)."""
    voc = vocabulary()
    known = list(voc.bodies) + [f"{voc.department_head} {d}" for d in voc.departments]
    known += [p.name for p in voc.provinces]
    return tuple((re.compile(phrase_pattern(name), re.IGNORECASE), name) for name in sorted(known, key=len, reverse=True))


def _unaccented(s: str) -> str:
    """``s`` lower-cased without any diacritics, tone or vowel marks (đ kept apart), for matching
    names read with a wrong mark ("ỦY BẠN" for "ỦY BAN")."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", s.lower().replace("đ", "\x00"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").replace("\x00", "đ")


@lru_cache(maxsize=1)
def _long_bodies() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(b.split()) for b in sorted(vocabulary().bodies, key=len, reverse=True) if len(b.split()) >= 3)


def _repair_bodies(s: str) -> str:
    """A known body of three or more words read with a wrong tone mark (OCR's "Ủy bạn nhân
    dân") takes the body's spelling: such a name has no other spelling."""
    words = s.split(" ")
    keys = [_unaccented(w) for w in words]
    for body in _long_bodies():
        target = [_unaccented(w) for w in body]
        n = len(body)
        for i in range(len(words) - n + 1):
            if keys[i:i + n] == target and [w.lower() for w in words[i:i + n]] != [w.lower() for w in body]:
                words[i:i + n] = list(body)
                keys[i:i + n] = target
    return " ".join(words)


def recase(upper: str) -> str:
    """Re-case an all-caps name ("SỞ KHOA HỌC VÀ CÔNG NGHỆ" -> "Sở Khoa học và Công nghệ")."""
    s = upper.lower()
    # a word without a vowel is no Vietnamese syllable but an acronym ("THPT", "CĐ"): kept
    s = re.sub(r"(?<!\w)[^\W\d_aăâeêioôơuưyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]+(?!\w)",
               lambda m: m.group(0).upper(), s)
    s = s[:1].upper() + s[1:]
    for rx, name in _recase_patterns():
        s = rx.sub(name, s)
    s = _repair_bodies(s)
    # the place after an administrative unit word is a proper name ("huyện Củ Chi"); a sector
    # after "ngành" is written with its first letter capital ("Công đoàn ngành Y tế")
    s = _UNIT_PLACE.sub(lambda m: m.group(1) + " ".join(w[:1].upper() + w[1:] for w in m.group(2).split(" ")), s)
    s = _SECTOR.sub(lambda m: m.group(1) + m.group(2)[:1].upper() + m.group(2)[1:], s)
    return _name_head_pattern().sub(_capital_field, s)


def _capital_field(m: re.Match[str]) -> str:
    """"Phòng giáo dục và đào tạo" -> "Phòng Giáo dục và Đào tạo": the field after an agency's
    head word, and each part after "và" in it, starts with a capital."""
    rest = re.sub(r"(?<=\svà\s)([^\W\d_])", lambda c: c.group(1).upper(), m.group(2))
    return m.group(1) + rest[:1].upper() + rest[1:]


@lru_cache(maxsize=1)
def _name_head_pattern() -> re.Pattern[str]:
    heads = sorted(vocabulary().name_heads, key=len, reverse=True)
    units = r"(?:tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn)\s"
    return re.compile(rf"(?<![\w])((?:{'|'.join(map(re.escape, heads))})\s+)(?=[^\W\d_])((?:(?!{units})[^,;()\n])+)")


_UNIT_PLACE = re.compile(r"(?<!\w)((?:tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn|đặc khu)\s+)"
                         r"([^\W\d_]+(?: [^\W\d_]+)*)$")
_SECTOR = re.compile(r"(?<!\w)(ngành\s+)([^\W\d_])")


@lru_cache(maxsize=1)
def kind_regex() -> re.Pattern[str]:
    """Any document kind word (longest first)."""
    names = [k.name for k in vocabulary().kinds] + [a for k in vocabulary().kinds for a in k.aliases]
    return re.compile(rf"(?<!\w)(?:{_alternation(names)})(?!\w)", re.IGNORECASE)


def canonical_kind(raw: str) -> str:
    """The vocabulary name of a kind word, whatever its case ("KẾ HOẠCH" -> "Kế hoạch")."""
    key = fold_key(raw)
    for k in vocabulary().kinds:
        if key in (fold_key(k.name), *(fold_key(a) for a in k.aliases)):
            return k.name
    return raw
