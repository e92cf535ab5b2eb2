"""The quick forms of whole-text searches find what the plain patterns find.

A whole-word phrase search that looks for the phrase first, and the look-ahead of a province
name's first letters, must give the same matches as the pattern written plainly, on texts made
to hold the awkward cases: a phrase inside a longer word, twice in a row, at the text's edges,
in capitals, after a dash or a digit, with either tone-mark placement.
"""

from __future__ import annotations

import random
import re

from pipeline.extract import entities
from pipeline.extract.resolve import _whole_words
from pipeline.lang import vocabulary

PIECES = ["kế hoạch", "Kế Hoạch", "kếhoạch", "xkế hoạch", "kế hoạchx", " ", "  ", "\n", "-", "1", "của", "năm 2025",
          "phong trào", "phong trào thi đua", "Hà Nội", "hà nội", "TP. Hồ Chí Minh", "Thừa Thiên Huế", "Thừa Thiên-Huế",
          "Hoà Bình", "Hòa Bình", "khánh hòa", "Khánh Hoà", "Đồng Nai", "đồng nai", "xĐồng Nai", "Quảng Bình2"]


def _texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12))) for _ in range(count)]


def test_whole_words_finds_what_finditer_finds() -> None:
    for text in _texts(3, 3000):
        folded = text.lower()
        for phrase in ("kế hoạch", "phong trào thi đua", "a", "năm"):
            plain = [m.span() for m in re.finditer(rf"(?<!\w){re.escape(phrase)}(?!\w)", folded)]
            assert [m.span() for m in _whole_words(phrase, folded)] == plain, (phrase, folded)


def test_province_look_ahead_changes_no_match() -> None:
    rx, _ = entities._province_regex()
    names = [n for p in vocabulary().provinces for n in (p.name, *p.aliases)]
    plain = re.compile(rf"(?<!\w)(?:{entities._alternation(names)})(?!\w)", re.IGNORECASE)
    assert rx.pattern.startswith("(?=[")
    for text in _texts(4, 3000):
        assert [m.span() for m in rx.finditer(text)] == [m.span() for m in plain.finditer(text)], text
