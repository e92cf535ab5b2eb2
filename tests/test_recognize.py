"""Case tables for the pattern recognisers: document numbers, dates, numbers."""

from __future__ import annotations

import pytest

from pipeline.nlp.recognize import (
    clean_number,
    number_symbol,
    parse_vn_number,
    recognize,
)


def labelled(text: str, label: str) -> list:
    return [(m.text, m.value) for m in recognize(text) if m.label == label]


@pytest.mark.parametrize("text,expected", [
    ("Kế hoạch số 1555/KH-SKHCN ngày", ["1555/KH-SKHCN"]),
    ("Chương trình hành động số 35-CTr/TU", ["35-CTr/TU"]),
    ("Quyết định số 340/QĐ-TTg ngày", ["340/QĐ-TTg"]),
    ("Nghị định số 06/2024/NĐ-CP về", ["06/2024/NĐ-CP"]),
    ("Hướng dẫn số 84/HD-MTTW-BTT;", ["84/HD-MTTW-BTT"]),
    ("Số: 45 /KH-LMHTX", ["45/KH-LMHTX"]),
    ("Nghị quyết số 115/NQ-HĐND, Kết luận số 70-KL/TW.", ["115/NQ-HĐND", "70-KL/TW"]),
    ("Điện thoại: 02713.879.112- Fax", []),
    ("giai đoạn 2021 - 2025, HIV/AIDS, COVID-19, 4.0", []),
])
def test_document_numbers(text: str, expected: list[str]) -> None:
    assert [v for _, v in labelled(text, "DOCNUM")] == expected


@pytest.mark.parametrize("text,expected", [
    ("ngày 20/8/2021 của", [("DATE", "2021-08-20")]),
    ("ngày 14 tháng 9 năm 2021", [("DATE", "2021-09-14")]),
    ("Đồng Nai, ngày 05 tháng 10 năm 2022", [("DATE", "2022-10-05")]),
    ("ngày 20-8-2021", [("DATE", "2021-08-20")]),
    ("(05/10/2022)", [("DATE", "2022-10-05")]),
    ("từ tháng 9/2021 đến hết tháng 12/2030", [("MONTH", "2021-09"), ("MONTH", "2030-12")]),
    ("tháng 12 năm 2030", [("MONTH", "2030-12")]),
    ("ngày 31/2/2021", []),
    ("05/06 HTX", []),
])
def test_dates(text: str, expected: list[tuple[str, str]]) -> None:
    got = [(m.label, m.value) for m in recognize(text) if m.label in ("DATE", "MONTH")]
    assert got == expected


@pytest.mark.parametrize("raw,value", [
    ("14.000", 14000), ("1.430", 1430), ("6,5", 6.5), ("02", 2), ("400", 400), ("50%", 50), ("50 %", 50), ("1.200,5", 1200.5),
])
def test_vietnamese_numbers(raw: str, value: float) -> None:
    assert parse_vn_number(raw) == value


def test_percent_label() -> None:
    assert labelled("đạt 50% và 70 %", "PERCENT") == [("50%", 50), ("70 %", 70)]


def test_numbers_skip_document_numbers_and_dates() -> None:
    text = "Kế hoạch số 272/KH-UBND ngày 20/8/2021 có 400 hợp tác xã"
    assert labelled(text, "NUMBER") == [("400", 400)]


def test_number_helpers() -> None:
    assert clean_number("45 /KH-LMHTX") == "45/KH-LMHTX"
    assert number_symbol("1555/KH-SKHCN") == "KH"
    assert number_symbol("35-CTr/TU") == "CTr"
    assert number_symbol("06/2024/NĐ-CP") == "NĐ"


def test_mentions_are_grounded() -> None:
    text = "Thực hiện Kế hoạch số 272/KH-UBND ngày 20/8/2021, đạt 14.000 thành viên và 50%."
    for m in recognize(text):
        assert text[m.start:m.end] == m.text
