"""Pre-Unicode Vietnamese font encodings (TCVN3/ABC, VNI) turned into Unicode NFC.

Old Vietnamese documents were typed in 8-bit fonts that draw Vietnamese letters at Latin-1 code
points. Read without the font, the text is mojibake: "QuyÕt ®Þnh" (TCVN3, fonts ``.VnTime``)
and "Quyeát ñònh" (VNI, fonts ``VNI-Times``) are both "Quyết định". The tables are data
(``pipeline/lang/vi/legacy_encodings.json``), validated when first used.

* :func:`font_encoding` tells the encoding from a font name (PDF, DOCX): ``.VnTime`` is
  TCVN3, ``.VnTimeH`` TCVN3 drawn in capitals, ``VNI-Times`` VNI; Unicode fonts give ``None``.
* :func:`convert` decodes text known to be in an encoding; :func:`encode` is its inverse
  (for test fixtures).
* :func:`repair` finds legacy text by its content, where no font says what it is. Each line
  is a run, unless it holds words only Unicode spells ("ơ", "ệ", "đ"): then the stretches of
  other words between those are the runs, and in them only the words an encoding reads
  better are converted. A run takes whichever of {unchanged, TCVN3, VNI} reads as more
  Vietnamese (:func:`pipeline.lang.syllables.text_quality`); converting needs a strict gain and
  a word of three letters or more (two when the code sits inside it: "vµ") that becomes a
  Vietnamese syllable, so Unicode text, whose "à", "ô", "ý" are legacy codes too, is left
  alone. Runs that read as Vietnamese either way ("cã" and "có" are both syllables) follow
  the encoding found in the rest of the document, unless it holds Unicode words.
* :class:`EncodingReport` records what was converted, and how (``font`` or ``content``).
* :func:`character_error_rate` measures a conversion against a transcript.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import Levenshtein

from ..errors import VocabularyError
from ..lang import VI_DIR, load_json
from ..lang.syllables import is_syllable, text_quality

TABLE_FILE = "legacy_encodings.json"
ENCODINGS = ("tcvn3", "vni")
METHODS = ("font", "content")

# Letters and marks only Unicode Vietnamese has: a word holding one is not legacy text.
_UNICODE_ONLY = re.compile("[ĂăĐđĨĩŨũƠơƯư\u1ea0-\u1ef9\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323]")
_WORD = re.compile(r"[^\W\d_]+")
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"\S+")
MIN_STRONG_LETTERS = 3  # "×" -> "ì", "µm" -> "àm": short words are weak evidence, unless
# the code sits inside the word ("vµ" -> "và") or is a đ ("®i" -> "đi")
MIN_WORDY_LETTERS = 2  # what an unclear run needs to follow the text's encoding ("Sè" -> "Số")
STRAY_MARK_PENALTY = 2  # a reading that leaves a combining mark over is as bad as a junk word
PRIOR_MAX_UNICODE_SHARE = 0.1  # Unicode words allowed per legacy word for unclear runs to follow


@dataclass(frozen=True)
class FontEncoding:
    """The legacy encoding a font draws, and whether it draws every letter as a capital."""

    encoding: str
    upper: bool


@dataclass(frozen=True)
class _Encoding:
    name: str
    table: dict[int, str]  # str.translate table: every code, alternates included
    changing: frozenset[str]  # codes whose Unicode differs from the code itself
    inverse: dict[str, str]  # Unicode letter (NFC) -> legacy codes


@dataclass(frozen=True)
class _FontRule:
    pattern: re.Pattern[str]
    encoding: str
    upper: bool


@dataclass(frozen=True)
class _Tables:
    encodings: dict[str, _Encoding]
    subset_prefix: re.Pattern[str]
    style_suffix: re.Pattern[str]
    rules: tuple[_FontRule, ...]
    legacy_chars: re.Pattern[str]  # any changing code of any encoding


# --------------------------------------------------------------------------- tables


def _bad(message: str) -> VocabularyError:
    return VocabularyError(f"{VI_DIR / TABLE_FILE}: {message}")


def _char_map(name: str, key: str, raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise _bad(f"encodings.{name}.{key} must be an object")
    for code, text in raw.items():
        if len(code) != 1 or code.isascii():
            raise _bad(f"encodings.{name}.{key}: key {code!r} must be one non-ASCII character")
        if not isinstance(text, str) or not text:
            raise _bad(f"encodings.{name}.{key}: value for {code!r} must be a non-empty string")
    return dict(raw)


def _regex(where: str, pattern: Any) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise _bad(f"{where} must be a non-empty regular expression")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise _bad(f"{where}: invalid pattern {pattern!r}: {exc}") from exc


def _letters() -> list[str]:
    """Every Vietnamese letter, lower and upper case, NFC."""
    bases = "aăâeêioôơuưy"
    marks = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
    lower = [unicodedata.normalize("NFC", b + m) for b in bases for m in marks] + ["đ"]
    return lower + [ch.upper() for ch in lower]


def _inverse(mapping: dict[str, str]) -> dict[str, str]:
    """Unicode letter -> its legacy spelling: its own code, else a base and a modifier code.

    A base is the plain ASCII letter or a letter code (VNI "ô" is ơ, so "ớ" is "ô" + "ù");
    modifiers (VNI tone, circumflex and breve codes) of the letter's case are tried first.
    """
    decoded = {code: unicodedata.normalize("NFC", text) for code, text in mapping.items()}
    modifiers = [code for code, text in decoded.items() if unicodedata.combining(text[0])]
    inverse: dict[str, str] = {}
    for code, text in decoded.items():
        if code not in modifiers:
            inverse.setdefault(text, code)
    for letter in _letters():
        if letter in inverse or letter.isascii():
            continue
        base = unicodedata.normalize("NFD", letter)[0]
        starts = [base] + [code for code, text in decoded.items()
                           if code not in modifiers and unicodedata.normalize("NFD", text)[0] == base]
        ordered = sorted(modifiers, key=lambda m: m.islower() != letter.islower())
        for start in starts:
            head = decoded.get(start, start)
            spelled = next((start + m for m in ordered
                            if unicodedata.normalize("NFC", head + decoded[m]) == letter), None)
            if spelled:
                inverse[letter] = spelled
                break
    return inverse


def _encoding(name: str, raw: Any) -> _Encoding:
    if not isinstance(raw, dict):
        raise _bad(f"encodings.{name} must be an object")
    mapping = _char_map(name, "map", raw.get("map"))
    alternates = _char_map(name, "alternates", raw.get("alternates", {}))
    if not mapping:
        raise _bad(f"encodings.{name}.map is empty")
    merged = {**alternates, **mapping}
    changing = frozenset(code for code, text in merged.items() if text != code)
    table = {ord(code): text for code, text in merged.items()}
    return _Encoding(name, table, changing, _inverse(mapping))


@lru_cache(maxsize=1)
def tables() -> _Tables:
    """Load and validate ``legacy_encodings.json`` once."""
    data = load_json(TABLE_FILE, {"encodings": dict, "fonts": dict})
    if sorted(data["encodings"]) != sorted(ENCODINGS):
        raise _bad(f"encodings must be exactly {list(ENCODINGS)}, not {sorted(data['encodings'])}")
    encodings = {name: _encoding(name, data["encodings"][name]) for name in ENCODINGS}
    fonts = data["fonts"]
    rules = []
    if not isinstance(fonts.get("rules"), list) or not fonts["rules"]:
        raise _bad("fonts.rules must be a non-empty list")
    for n, rule in enumerate(fonts["rules"]):
        where = f"fonts.rules[{n}]"
        if not isinstance(rule, dict) or rule.get("encoding") not in ENCODINGS or not isinstance(rule.get("upper"), bool):
            raise _bad(f"{where} needs 'pattern', an 'encoding' in {list(ENCODINGS)} and a boolean 'upper'")
        rules.append(_FontRule(_regex(f"{where}.pattern", rule.get("pattern")), rule["encoding"], rule["upper"]))
    codes = sorted(set().union(*(e.changing for e in encodings.values())))
    return _Tables(
        encodings=encodings,
        subset_prefix=_regex("fonts.subset_prefix", fonts.get("subset_prefix")),
        style_suffix=_regex("fonts.style_suffix", fonts.get("style_suffix")),
        rules=tuple(rules),
        legacy_chars=re.compile("[" + re.escape("".join(codes)) + "]"),
    )


def _get(encoding: str) -> _Encoding:
    try:
        return tables().encodings[encoding]
    except KeyError:
        raise ValueError(f"unknown legacy encoding {encoding!r}; expected one of {ENCODINGS}") from None


# --------------------------------------------------------------------------- fonts


@lru_cache(maxsize=1024)
def font_encoding(fontname: str | None) -> FontEncoding | None:
    """The legacy encoding of a font, from its name; ``None`` for Unicode fonts.

    Tolerates a PDF subset prefix ("ABCDEF+"), style suffixes (",Bold", "Bold", "-Italic")
    and any letter case: ".VnTimeH,Bold" and "VnTimeHBold" are TCVN3 capitals.
    """
    if not fontname:
        return None
    t = tables()
    name = t.subset_prefix.sub("", fontname.strip(), count=1).strip()
    base = t.style_suffix.sub("", name).strip() or name
    for rule in t.rules:
        if rule.pattern.search(base):
            return FontEncoding(rule.encoding, rule.upper)
    return None


# --------------------------------------------------------------------------- convert / encode


def convert(text: str, encoding: str, *, upper: bool = False) -> str:
    """``text`` in a legacy encoding, as Unicode NFC; ``upper`` for capital fonts (.VnTimeH).

    Characters outside the table (ASCII, digits, punctuation, Unicode letters) pass through.
    """
    out = unicodedata.normalize("NFC", text.translate(_get(encoding).table))
    return out.upper() if upper else out


def encode(text: str, encoding: str) -> str:
    """Unicode Vietnamese as the legacy encoding spells it; ``.encode("cp1252")`` gives the bytes.

    Letters the encoding has no code for (TCVN3 has no toned capitals) stay Unicode, and are
    decomposed when the precomposed letter is itself a legacy code ("È" -> "E" + U+0300), so
    ``convert(encode(t, e), e) == NFC(t)``. Non-Vietnamese characters that are legacy codes
    (TCVN3 "»" is "ằ") cannot be spelled and are left as they are.
    """
    enc = _get(encoding)
    out = []
    for ch in unicodedata.normalize("NFC", text):
        spelled = enc.inverse.get(ch)
        if spelled is None:
            spelled = ch
            if ch in enc.changing:
                parts = unicodedata.normalize("NFD", ch)
                if parts != ch and not any(p in enc.changing for p in parts):
                    spelled = parts
        out.append(spelled)
    return "".join(out)


# --------------------------------------------------------------------------- report


@dataclass
class EncodingReport:
    """What was converted from legacy encodings: runs and characters per encoding, and how.

    ``content_chars``, ``legacy_words`` and ``unicode_words`` are what :func:`repair` saw:
    characters and words it found legacy by content, and words only Unicode spells (counted
    as their letters); later calls on the same document lean on them for runs that read as
    well either way.
    """

    runs: dict[str, int] = field(default_factory=dict)
    chars: dict[str, int] = field(default_factory=dict)
    methods: set[str] = field(default_factory=set)
    content_chars: dict[str, int] = field(default_factory=dict)
    legacy_words: int = 0
    unicode_words: int = 0

    def add(self, encoding: str, chars: int, method: str) -> None:
        """Record one converted run of ``chars`` characters, found by ``method``."""
        if encoding not in ENCODINGS:
            raise ValueError(f"unknown legacy encoding {encoding!r}")
        if method not in METHODS:
            raise ValueError(f"unknown detection method {method!r}; expected one of {METHODS}")
        self.runs[encoding] = self.runs.get(encoding, 0) + 1
        self.chars[encoding] = self.chars.get(encoding, 0) + chars
        self.methods.add(method)
        if method == "content":
            self.content_chars[encoding] = self.content_chars.get(encoding, 0) + chars

    def merge(self, other: EncodingReport) -> None:
        """Add another report's counts to this one."""
        for mine, theirs in ((self.runs, other.runs), (self.chars, other.chars),
                             (self.content_chars, other.content_chars)):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value
        self.methods |= other.methods
        self.legacy_words += other.legacy_words
        self.unicode_words += other.unicode_words

    @property
    def detected(self) -> list[str]:
        """The encodings converted, most characters first."""
        return sorted((e for e in self.runs if self.runs[e]), key=lambda e: (-self.chars.get(e, 0), e))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: ``{"detected", "runs", "chars", "methods"}``."""
        detected = self.detected
        return {
            "detected": detected,
            "runs": {e: self.runs[e] for e in detected},
            "chars": {e: self.chars.get(e, 0) for e in detected},
            "methods": [m for m in METHODS if m in self.methods],
        }

    def describe(self) -> str:
        """"tcvn3 (12 runs), vni (1 run)"."""
        return ", ".join(f"{e} ({self.runs[e]} run{'s' if self.runs[e] != 1 else ''})" for e in self.detected)

    def __bool__(self) -> bool:
        return any(self.runs.values())


# --------------------------------------------------------------------------- content detection


@dataclass(frozen=True)
class _Token:
    """How one whitespace-delimited token reads: as it is, and in each encoding (ENCODINGS order)."""

    unicode: bool  # holds a letter only Unicode has, and no encoding reads it better
    score: int  # text_quality score as it is
    scores: tuple[int, ...]  # as each encoding reads it
    changed: tuple[bool, ...]  # holds a code the encoding changes
    strong: tuple[bool, ...]  # the encoding reads it better, with a syllable of 3+ letters
    wordy: tuple[bool, ...]  # the encoding's reading has a syllable of 2+ letters
    legacy: bool  # any(changed)
    any_strong: bool  # any(strong)


@lru_cache(maxsize=1 << 17)
def _token(token: str) -> _Token:
    score = text_quality(token).score
    scores, changed, strong, wordy = [], [], [], []
    for enc in tables().encodings.values():
        if not any(ch in enc.changing for ch in token):
            scores.append(score), changed.append(False), strong.append(False), wordy.append(False)
            continue
        conv = convert(token, enc.name)
        if any(unicodedata.combining(ch) for ch in conv):
            # A mark NFC could not compose: a modifier code after a letter that takes no such
            # mark ("màbuông" read as VNI), so this is not the token's encoding.
            scores.append(score - STRAY_MARK_PENALTY), changed.append(True), strong.append(False)
            wordy.append(False)
            continue
        conv_score = text_quality(conv).score
        longest = max((len(w) for w in _WORD.findall(conv) if is_syllable(w)), default=0)
        scores.append(conv_score)
        changed.append(True)
        strong.append(conv_score > score and (longest >= MIN_STRONG_LETTERS or
                                              longest == MIN_STRONG_LETTERS - 1 and _inside_word(token, enc)))
        wordy.append(longest >= MIN_WORDY_LETTERS)
    unicode = bool(_UNICODE_ONLY.search(token)) and not any(strong)
    return _Token(unicode, score, tuple(scores), tuple(changed), tuple(strong), tuple(wordy),
                  any(changed), any(strong))


def _inside_word(token: str, enc: _Encoding) -> bool:
    """A code right after a letter ("vµ", "bÞ"), or a đ code first ("®i"): no symbol sits there."""
    if enc.table.get(ord(token[0])) in ("đ", "Đ"):
        return True
    return any(ch in enc.changing and prev.isascii() and prev.isalpha() for prev, ch in zip(token, token[1:]))


@dataclass
class _Run:
    """A stretch of one line decided as a whole.

    In a line that holds Unicode words, ``offsets`` gives each token's place: only the tokens
    the chosen encoding reads better are converted there, words that read as Vietnamese
    either way ("Phó", "các") being more likely Unicode like the rest of the line.
    """

    line: int
    start: int
    end: int
    tokens: list[_Token]
    offsets: list[tuple[int, int]] | None = None

    def pieces(self, name: str) -> list[tuple[int, int]]:
        """The (start, end) stretches of the line to convert to ``name``."""
        if self.offsets is None:
            return [(self.start, self.end)]
        i = ENCODINGS.index(name)
        return [span for span, tok in zip(self.offsets, self.tokens) if tok.scores[i] > tok.score]

    def verdict(self) -> tuple[list[str], bool]:
        """The encodings that read the run best, and whether that is clear.

        Candidates change something and score at least as well as the run as it is; the run
        is clearly legacy when the best of them gains and has a strong token.
        """
        base = sum(t.score for t in self.tokens)
        totals = {}
        for i, name in enumerate(ENCODINGS):
            if self.offsets is not None:  # only the tokens read better are converted
                if any(t.scores[i] > t.score for t in self.tokens):
                    totals[name] = sum(max(t.score, t.scores[i]) for t in self.tokens)
            elif any(t.changed[i] for t in self.tokens):
                total = sum(t.scores[i] for t in self.tokens)
                if total >= base:
                    totals[name] = total
        if not totals:
            return [], False
        best = max(totals.values())
        top = [name for name, total in totals.items() if total == best]
        clear = best > base and any(t.strong[ENCODINGS.index(name)] for t in self.tokens for name in top)
        return (top if clear else list(totals)), clear

    def strong_count(self, name: str) -> int:
        i = ENCODINGS.index(name)
        return sum(t.strong[i] for t in self.tokens)

    def wordy(self, name: str) -> bool:
        i = ENCODINGS.index(name)
        return any(t.wordy[i] for t in self.tokens)


def _spans(n: int, line: str, tokens: list[_Token]) -> list[_Run]:
    """The runs of a line that holds Unicode words: the stretches between them, with legacy codes."""
    spans: list[_Run] = []
    current: _Run | None = None
    for match, tok in zip(_TOKEN.finditer(line), tokens):
        if tok.unicode:
            current = None
        elif current is None:
            current = _Run(n, match.start(), match.end(), [tok], [match.span()])
            spans.append(current)
        else:
            current.end = match.end()
            current.tokens.append(tok)
            current.offsets.append(match.span())
    return [r for r in spans if any(t.legacy for t in r.tokens)]


@dataclass
class _Scan:
    """The runs of a text, sorted by how they can be decided."""

    runs: list[_Run] = field(default_factory=list)  # lines without Unicode words, and spans with evidence
    deferred: list[int] = field(default_factory=list)  # Unicode lines with legacy codes but no evidence


def _scan(lines: list[str], legacy_chars: re.Pattern[str]) -> _Scan:
    scan = _Scan()
    for n, line in enumerate(lines):
        if not legacy_chars.search(line):
            continue
        tokens = [_token(tok) for tok in line.split()]
        if not any(t.unicode for t in tokens):
            if any(t.legacy for t in tokens):
                scan.runs.append(_Run(n, 0, len(line), tokens))
            continue
        if any(t.any_strong for t in tokens):
            scan.runs.extend(_spans(n, line, tokens))
        else:
            scan.deferred.append(n)
    return scan


def _leader(evidence: dict[str, int], among: list[str]) -> str | None:
    """The encoding of ``among`` with the most evidence, if any has some."""
    best = max(among, key=lambda e: evidence.get(e, 0))
    return best if evidence.get(best, 0) > 0 else None


def _tally(found: dict[str, int], earlier: dict[str, int] | None) -> dict[str, int]:
    out = dict(found)
    for name, chars in (earlier or {}).items():
        out[name] = out.get(name, 0) + chars
    return out


def repair(text: str, report: EncodingReport | None = None) -> str:
    """Convert the TCVN3/VNI runs of ``text`` found by their content; Unicode text is kept.

    Clear runs are decided first. Runs two encodings read equally well follow the encoding
    found most (here, or earlier in ``report``). Runs that read as well unchanged follow the
    encoding found by content, unless the text (with what ``report`` saw before) holds Unicode
    words: more than one for ten legacy words. Converted runs come back NFC, the rest exactly
    as it was; each converted run is recorded in ``report``.
    """
    t = tables()
    if report is not None:
        report.unicode_words += len(_UNICODE_ONLY.findall(text))
    if not t.legacy_chars.search(text):
        return text
    lines = text.split("\n")
    scan = _scan(lines, t.legacy_chars)
    decided: list[tuple[_Run, str]] = []
    ties: list[tuple[_Run, list[str]]] = []
    unclear: list[tuple[_Run, list[str]]] = []
    found: dict[str, int] = {}  # characters decided clearly, per encoding
    for run in scan.runs:
        names, clear = run.verdict()
        if not names:
            continue
        if clear and len(names) == 1:
            decided.append((run, names[0]))
            found[names[0]] = found.get(names[0], 0) + run.end - run.start
        elif clear:
            ties.append((run, names))
        else:
            unclear.append((run, names))
    every = _tally(found, report.chars if report is not None else None)
    for run, names in ties:
        decided.append((run, _leader(every, names) or max(names, key=run.strong_count)))
    content = _tally(found, report.content_chars if report is not None else None)
    if content and (unclear or scan.deferred) and _legacy_text(text, decided, report):
        for n in scan.deferred:
            for run in _spans(n, lines[n], [_token(tok) for tok in lines[n].split()]):
                unclear.append((run, run.verdict()[0]))
        for run, names in unclear:
            leader = _leader(content, names) if names else None
            if leader is not None and run.wordy(leader):  # not a lone "«" or "×"
                decided.append((run, leader))
    if not decided:
        return text
    edits = sorted(((run.line, start, end, name, run) for run, name in decided
                    for start, end in run.pieces(name)), key=lambda e: (e[0], -e[1]))
    converted: dict[int, int] = {}  # id(run) -> characters converted
    for n, start, end, name, run in edits:  # right to left within a line: offsets stay valid
        line = lines[n]
        lines[n] = line[:start] + convert(line[start:end], name) + line[end:]
        converted[id(run)] = converted.get(id(run), 0) + end - start
    if report is not None:
        for run, name in decided:
            if id(run) in converted:
                report.add(name, converted[id(run)], "content")
                report.legacy_words += len(run.tokens)
    return "\n".join(lines)


def _legacy_text(text: str, decided: list[tuple[_Run, str]], report: EncodingReport | None) -> bool:
    """True when legacy words outnumber Unicode ones ten to one, here and in what came before."""
    legacy = sum(len(run.tokens) for run, _ in decided)
    if report is not None:
        legacy += report.legacy_words
        unicode = report.unicode_words  # already counts this text
    else:
        unicode = len(_UNICODE_ONLY.findall(text))
    return unicode <= PRIOR_MAX_UNICODE_SHARE * max(legacy, 1)


# --------------------------------------------------------------------------- evaluation


def _comparable(text: str, casefold: bool) -> str:
    text = _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()
    return text.casefold() if casefold else text


def character_error_rate(hypothesis: str, reference: str, *, casefold: bool = False) -> float:
    """Levenshtein distance / reference length, on NFC text with whitespace runs collapsed."""
    hyp, ref = _comparable(hypothesis, casefold), _comparable(reference, casefold)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(hyp, ref) / len(ref)


__all__ = [
    "ENCODINGS",
    "EncodingReport",
    "FontEncoding",
    "character_error_rate",
    "convert",
    "encode",
    "font_encoding",
    "repair",
    "tables",
]
