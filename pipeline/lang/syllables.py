"""How Vietnamese a piece of text looks: syllable shape, diacritics, leftover junk.

Vietnamese is written in syllables of a fixed shape: an optional onset, a vowel cluster, an
optional coda, and at most one tone mark. :func:`is_syllable` checks a word against that
shape; :func:`text_quality` summarises a text: how many of its words are Vietnamese
syllables, how many carry diacritics, how many hold characters no Vietnamese word has. The
legacy-encoding detector compares candidate conversions with it, and OCR uses it to tell a
garbage text layer from a real one and to check that its own output kept its diacritics.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
# Spelling rules: "ngh"/"gh" only before i, e, ê and "ng"/"g" never; "c" never before i, e, ê, y;
# "q" only as "qu".
_ONSET = "(?:ngh(?=[ieê])|ng(?![ieê])|nh|ch|gh(?=[ieê])|gi|kh|ph|qu(?!u)|th|tr|c(?![ieêy])|g(?![eê])|[bdđhklmnprstvx])?"
# Nuclei by the codas they take: ending in a glide (ao, ươi) or an open diphthong (ia, ưa) none;
# iê, uô, ươ, ă, â... need one; "nh"/"ch" follow only a, ê, i, y.
_OPEN = "uya|uyu|uây|uôi|ươi|ươu|oai|oay|oao|oeo|iêu|yêu|ai|ao|au|ay|âu|ây|eo|êu|ia|iu|oi|ôi|ơi|ua|ui|uơ|ưa|ưi|ưu"
_CLOSED = "(?:uyê|iê|yê|uô|ươ|uơ|oă|uâ|oo|â|ă)(?:ng|[cmnpt])"  # "uơ" + coda: the common typo "đuợc"
_FRONT = "(?:oa|a)(?:ng|nh|ch|[cmnpt])?"
_HIGH = "(?:uê|ê|uy|i)(?:nh|ch|[mnpt])?|y"  # "y" alone takes no coda, except in "quýt", "quýnh"
_BACK = "(?:oe|e|o|ô|ơ|u|ư)(?:ng|[cmnpt])?"
_SYLLABLE = re.compile(f"{_ONSET}(?:{_OPEN}|{_CLOSED}|{_FRONT}|{_HIGH}|{_BACK})|quy(?:nh|ch|[mnpt])")
# A syllable closed by a stop (p, t, c, ch) carries the sắc or nặng tone, never another.
_STOP = ("p", "t", "c", "ch")
_STOP_TONES = {"\u0301", "\u0323"}
_WORD = re.compile(r"[^\W\d_]+")
# Characters of Latin-1 and symbols that no Vietnamese word holds; in running text they are
# the mark of a legacy font encoding decoded as a Western code page, or of OCR noise.
_VIET_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_VIET_EXTRA = set("ĂăĐđĨĩŨũƠơƯư")


@lru_cache(maxsize=65536)
def is_syllable(word: str) -> bool:
    """True when ``word`` has the shape of one Vietnamese syllable (any case, NFC or not)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [ch for ch in decomposed if ch in _TONES]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    if bare.endswith(_STOP) and not (tones and tones[0] in _STOP_TONES):
        return False
    return _SYLLABLE.fullmatch(bare) is not None


def has_diacritics(word: str) -> bool:
    """True when ``word`` carries a Vietnamese tone or vowel mark, or is spelled with đ."""
    return any(ch in _VIET_LATIN1 or ch in _VIET_EXTRA or "\u1ea0" <= ch <= "\u1ef9" for ch in word)


def is_foreign_char(ch: str) -> bool:
    """True for a Latin-1 or Latin Extended letter or sign Vietnamese never uses."""
    code = ord(ch)
    if ch in _VIET_LATIN1 or ch in _VIET_EXTRA:
        return False
    return 0xA1 <= code <= 0x24F or 0x2200 <= code <= 0x22FF


# is_foreign_char as one character class, for scanning whole tokens at once.
_FOREIGN = re.compile("[" + "".join(
    re.escape(chr(c)) for c in [*range(0xA1, 0x250), *range(0x2200, 0x2300)] if is_foreign_char(chr(c))) + "]")


@dataclass(frozen=True)
class Quality:
    """Word counts of a text: all words, Vietnamese syllables, words with diacritics, junk."""

    words: int
    syllables: int
    diacritics: int
    junk: int

    @property
    def syllable_ratio(self) -> float:
        return self.syllables / self.words if self.words else 0.0

    @property
    def diacritic_ratio(self) -> float:
        return self.diacritics / self.words if self.words else 0.0

    @property
    def junk_ratio(self) -> float:
        return self.junk / self.words if self.words else 0.0

    @property
    def score(self) -> int:
        """Higher is more Vietnamese: syllables count for, junk words against."""
        return self.syllables - 2 * self.junk

    def to_dict(self) -> dict[str, float | int]:
        return {
            "words": self.words,
            "syllable_ratio": round(self.syllable_ratio, 3),
            "diacritic_ratio": round(self.diacritic_ratio, 3),
            "junk_ratio": round(self.junk_ratio, 3),
        }


@lru_cache(maxsize=65536)
def _token_counts(token: str) -> tuple[int, int, int, int]:
    """(words, syllables, words with diacritics, junk words) of one blank-free token."""
    if _FOREIGN.search(token):
        return 1, 0, 0, 1
    words = syllables = diacritics = 0
    for word in _WORD.findall(token):
        words += 1
        syllables += is_syllable(word)
        diacritics += has_diacritics(word)
    return words, syllables, diacritics, 0


def text_quality(text: str) -> Quality:
    """Count the words of ``text`` that are syllables, carry diacritics, or hold junk (each
    distinct token counted once, then looked up: a page repeats most of its syllables)."""
    words = syllables = diacritics = junk = 0
    for token, n in Counter(text.split()).items():
        w, s, d, j = _token_counts(token)
        words += n * w
        syllables += n * s
        diacritics += n * d
        junk += n * j
    return Quality(words, syllables, diacritics, junk)


__all__ = ["Quality", "has_diacritics", "is_foreign_char", "is_syllable", "text_quality"]
