"""Normalisation and tokenisation: the one text, and tokens that map back to it exactly."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.model import RawDocument, SourceInfo
from pipeline.ingest.normalize import build_document, normalize_text
from pipeline.nlp.tokenize import tokenize

SOURCE = SourceInfo("x.txt", "0" * 64, "text/plain", 0)


def test_nfc_and_eth() -> None:
    decomposed = unicodedata.normalize("NFD", "Kế hoạch Đồng Nai")
    assert normalize_text(decomposed) == "Kế hoạch Đồng Nai"
    assert normalize_text("\u00d0ồng Xoài") == "Đồng Xoài"
    assert normalize_text("\u01a2u tiên \u01a3u đãi") == "Ưu tiên ưu đãi"


def test_whitespace_and_invisibles() -> None:
    raw = "  Kế\u00a0hoạch \t số\u200b 12 \r\n\r\n\r\n\r\nII.\u00ad Nội dung  \n"
    assert normalize_text(raw) == "Kế hoạch số 12\n\nII. Nội dung"


def test_pages_and_offsets() -> None:
    doc = build_document(RawDocument(["Trang một", "Trang hai\n", "Trang ba"], "application/pdf"), SOURCE)
    assert doc.text == "Trang một\nTrang hai\nTrang ba"
    for page, word in ((1, "một"), (2, "hai"), (3, "ba")):
        i = doc.text.index(word)
        assert doc.page_at(i) == page
        assert doc.evidence(i, i + len(word)).page == page


def test_pageless_formats_have_no_page() -> None:
    doc = build_document(RawDocument(["Một văn bản"], "text/plain", paged=False), SOURCE)
    assert doc.evidence(0, 3).page is None


def test_tokens_keep_mentions_whole() -> None:
    text = "Thực hiện Kế hoạch số 1555/KH-SKHCN ngày 14/9/2021, đạt 50% hợp tác xã với 14.000 thành viên."
    doc = tokenize(text)
    words = [t.text for t in doc]
    for whole in ("1555/KH-SKHCN", "14/9/2021", "50%", "14.000", "hợp tác xã"):
        assert whole in words
    assert {(e.text, e.label_) for e in doc.ents} >= {("1555/KH-SKHCN", "DOCNUM"), ("14/9/2021", "DATE"), ("50%", "PERCENT")}


def assert_tokens_grounded(text: str) -> None:
    doc = tokenize(text)
    assert doc.text == text
    for tok in doc:
        assert text[tok.idx:tok.idx + len(tok.text)] == tok.text


def test_tokens_map_back_on_multiline_text() -> None:
    assert_tokens_grounded("I. MỤC ĐÍCH\n\n1. Mục đích\n- Khen thưởng hàng năm: 02 tập thể và 04 cá nhân.\n")


VI_CHARS = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
WORDS = st.text(alphabet=VI_CHARS + VI_CHARS.upper(), min_size=1, max_size=8)
PIECES = st.one_of(WORDS, st.sampled_from(["1555/KH-SKHCN", "20/8/2021", "14.000", "50%", "6,5", ",", ".", ";", "“", "”", "(", ")", "-", "\n", "\n\n"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(PIECES, max_size=40))
def test_property_tokens_map_back(pieces: list[str]) -> None:
    assert_tokens_grounded(normalize_text(" ".join(pieces)))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=5))
def test_property_evidence_quotes_text(pages: list[str]) -> None:
    doc = build_document(RawDocument(pages, "application/pdf"), SOURCE)
    n = len(doc.text)
    for start in range(0, n, max(1, n // 7)):
        end = min(n, start + 5)
        ev = doc.evidence(start, end)
        assert doc.text[ev.start:ev.end] == ev.quote
        assert ev.page is not None and 1 <= ev.page <= len(pages)


def test_tokenize_from_many_threads() -> None:
    """underthesea is not thread-safe on its own; the tokenizer serialises it."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"Phấn đấu có {i} hợp tác xã nông nghiệp ứng dụng công nghệ cao số {i}" for i in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        docs = list(pool.map(tokenize, texts))
    assert all(doc.text == text and "hợp tác xã" in [t.text for t in doc] for doc, text in zip(docs, texts))
