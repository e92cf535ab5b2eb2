"""Case table for Vietnamese syllables and words run together in texts copied from web pages."""

from __future__ import annotations

import pytest

from pipeline.nlp.syllables import is_syllable, split_glued, split_word


@pytest.mark.parametrize("word,expected", [
    ("PHÊDUYỆT", "PHÊ DUYỆT"),
    ("BANHÀNH", "BAN HÀNH"),  # the dictionary's word, not "BA NHÀNH"
    ("THƯNGUYỄN", "THƯ NGUYỄN"),  # a name the dictionary lacks
    ("CHUNGSỨC", "CHUNG SỨC"),
    ("sởđại", "sở đại"),
    ("xâydựng", "xây dựng"),
    ("đoànviên", "đoàn viên"),
    # left alone: syllables, acronyms, names in other scripts and places of the highlands
    ("nghiêng", "nghiêng"), ("khuyến", "khuyến"), ("Nguyễn", "Nguyễn"), ("UBND", "UBND"),
    ("TƯLĐTT", "TƯLĐTT"), ("Covid", "Covid"), ("online", "online"), ("Đắk", "Đắk"), ("Krông", "Krông"),
])
def test_split_word(word: str, expected: str) -> None:
    assert split_word(word) == expected


@pytest.mark.parametrize("word,expected", [
    ("quyết", True), ("giữ", True), ("người", True), ("kiểm", True), ("ngiao", False), ("ghà", False), ("ka", False),
    ("phêduyệt", False),
])
def test_spelling_rules(word: str, expected: bool) -> None:
    """k, gh and ngh only before i, e, ê, y; c, g and ng never before them."""
    assert is_syllable(word) is expected


def test_split_glued_keeps_spacing_and_punctuation() -> None:
    assert split_glued("Căn cứQuyết định số 800/QĐ-TTg; khenthưởng, “CHUNGSỨC XÂY DỰNG”") == \
        "Căn cứ Quyết định số 800/QĐ-TTg; khen thưởng, “CHUNG SỨC XÂY DỰNG”"
