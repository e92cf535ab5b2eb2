"""Vietnamese syllables, and the words run together in texts copied from web pages.

Text copied from web pages loses the spaces that markup stood for ("PHÊDUYỆT KẾ HOẠCH",
"THƯNGUYỄN VĂN CỪ", "CHUNGSỨC", "cơ sởđại diện"). A Vietnamese word of the Latin script is one
syllable: an onset, a nucleus and a coda, spelled by the rules of the script (k, gh and ngh
before i, e, ê, y; c, g and ng elsewhere): the grammar is data in ``lang/vi/syllables.json``.
:func:`split_word` splits a word with Vietnamese letters that is not one syllable into the two
it is made of: the split that makes a word of the dictionary underthesea ships ("ban hành", not
"ba nhành"), else the first whose parts are both syllables the dictionary uses.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from ..lang import check_regexes, load_json

TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
VIETNAMESE_LETTERS = re.compile(r"[ăâêôơưđàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]")
WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _grammar() -> re.Pattern[str]:
    data = load_json("syllables.json", {"onsets": list, "nuclei": list, "codas": list, "front_onsets": list,
                                        "back_onsets": list, "front_vowels": str})
    alt = lambda xs: "|".join(map(re.escape, sorted(xs, key=len, reverse=True)))  # noqa: E731
    front, back = data["front_onsets"], data["back_onsets"]
    plain = [o for o in data["onsets"] if o not in front + back]
    v = data["front_vowels"]
    pattern = (rf"(?:(?:{alt(front)})(?=[{v}])|(?:{alt(back)})(?![{v}])|(?:{alt(plain)}))?"
               rf"(?:{alt(data['nuclei'])})(?:{alt(data['codas'])})?")
    return check_regexes("syllables.json", [pattern])[0]


@lru_cache(maxsize=1)
def _dictionary() -> tuple[frozenset[str], frozenset[str]]:
    """The syllables the dictionary's words use and its two-syllable words (lower case, NFC)."""
    try:
        import underthesea

        path = Path(underthesea.__file__).parent / "corpus" / "data" / "Viet74K.txt"
        lines = path.read_text(encoding="utf-8").splitlines()
    except (ImportError, OSError):
        return frozenset(), frozenset()
    words = [unicodedata.normalize("NFC", line.strip().lower()) for line in lines if line.strip()]
    syllables = frozenset(s for w in words for s in w.split())
    pairs = frozenset(w for w in words if w.count(" ") == 1)
    return syllables, pairs


def _toneless(word: str) -> str:
    """``word`` lower-cased without its tone mark (vowel marks such as ơ, â kept)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONES))


def is_syllable(word: str) -> bool:
    """Whether ``word`` (letters only) is spelled as one Vietnamese syllable, tone marks aside."""
    return bool(_grammar().fullmatch(_toneless(word)))


def split_word(word: str) -> str:
    """``word`` with a space where two syllables run together ("PHÊDUYỆT" -> "PHÊ DUYỆT"), or
    ``word`` unchanged (a syllable, a word without Vietnamese letters, an acronym, a name in
    another language, or one no split explains)."""
    lower = unicodedata.normalize("NFC", word.lower())
    if len(word) < 4 or not VIETNAMESE_LETTERS.search(lower) or is_syllable(word):
        return word
    syllables, pairs = _dictionary()
    if lower in syllables:
        return word
    splits = [i for i in range(1, len(word)) if is_syllable(word[:i]) and is_syllable(word[i:])]
    # a word of the dictionary first, then the parts the dictionary knows (a name such as
    # "Nguyễn" is not in it), the first split on a tie
    score = {i: 3 if f"{lower[:i]} {lower[i:]}" in pairs else (lower[:i] in syllables) + (lower[i:] in syllables)
             for i in splits}
    best = max(splits, key=lambda i: (score[i], -i), default=None)
    return word if best is None or score[best] == 0 else f"{word[:best]} {word[best:]}"


def split_glued(text: str) -> str:
    """``text`` with every pair of syllables run together split (see :func:`split_word`)."""
    return WORD.sub(lambda m: split_word(m.group(0)), text)
