"""The two forms of text the catalog index holds, and the tokens of both.

* :func:`fold`: lower case, every diacritic removed, đ/Đ -> d (SQLite's ``remove_diacritics``
  leaves đ alone, so the index is given folded text and folds nothing itself). "Hợp tác xã"
  and "HOP TAC XA" are both ``hop tac xa``.
* :func:`exact_form`: lower case with the diacritics kept, the tone mark of a final "oa",
  "oe", "uy" moved to where current spelling puts it ("hoà" -> "hòa", "Uỷ" -> "ủy"), so that a
  query typed with diacritics matches both spellings exactly.

Both map one character to one character: an offset in either form is the same offset in the
original text, so snippets are cut from the original. The index and the query parser tokenise
alike (:func:`tokens`): runs of letters and digits, as SQLite's ``unicode61`` tokenizer does.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: A token: letters and digits (``_`` separates, as it does for SQLite's unicode61 tokenizer).
TOKEN = re.compile(r"[^\W_]+")

# Old-style tone placement on a final "oa", "oe", "uy" (hoà, khoẻ, thuỷ) -> the other (hòa, khỏe, thủy).
# After "q" the "u" belongs to the onset ("quý"), and nothing changes.
_OLD_TONE = re.compile(r"(?:(o)([àáảãạèéẻẽẹ])|(?<!q)(u)([ỳýỷỹỵ]))(?![^\W_])")


def _fold_char(c: str) -> str:
    if c in "đĐ":
        return "d"
    low = c.lower()
    if len(low) != 1:
        return c
    base = unicodedata.normalize("NFD", low)[0]
    return base


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    table = {}
    for cp in range(0x80, 0x2000):
        c = chr(cp)
        folded = _fold_char(c)
        if folded != c:
            table[cp] = folded
    for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[ord(c)] = c.lower()
    return table


@lru_cache(maxsize=1)
def _lower_table() -> dict[int, str]:
    """Lower case, one character for one (characters whose lower case is longer are kept)."""
    table = {}
    for cp in range(0x41, 0x2000):
        c = chr(cp)
        low = c.lower()
        if low != c and len(low) == 1:
            table[cp] = low
    return table


def fold(text: str) -> str:
    """Lower case without diacritics, đ -> d, character for character (same length)."""
    return unicodedata.normalize("NFC", text).translate(_fold_table())


def _retone(m: re.Match[str]) -> str:
    first, second = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    plain = unicodedata.normalize("NFD", second)
    base, tone = plain[0], plain[1:2]
    return unicodedata.normalize("NFC", first + tone) + base


def exact_form(text: str) -> str:
    """Lower case with diacritics, current tone placement, character for character (same length)."""
    low = unicodedata.normalize("NFC", text).translate(_lower_table())
    return _OLD_TONE.sub(_retone, low)


def tokens(text: str) -> list[str]:
    """The tokens of ``text`` as the index sees them (apply :func:`fold` or :func:`exact_form` first)."""
    return TOKEN.findall(text)


def name_key(text: str | None) -> str:
    """The folded tokens of a name, one space apart: how kinds, issuers and provinces are compared
    ("Ủy ban nhân dân  tỉnh" and "uy ban nhan dan tinh" are the same)."""
    return " ".join(TOKEN.findall(fold(text or "")))


def number_key(number: str) -> str:
    """Lookup key of a document number: no spaces, folded, "QD" = "QĐ" ("340/qd-ttg")."""
    return re.sub(r"\s+", "", fold(number))
