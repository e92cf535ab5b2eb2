"""Case table for the plan's identity: the plan a text is about, not the documents it cites."""

from __future__ import annotations

import pytest
from helpers import assert_grounded, record_for

HEADER = """ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI
SỞ KHOA HỌC VÀ CÔNG NGHỆ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 1234/KH-SKHCN
Biên Hòa, ngày 14 tháng 9 năm 2021

KẾ HOẠCH
Tổ chức phong trào thi đua chuyển đổi số giai đoạn 2021 - 2025

Căn cứ Quyết định số 340/QĐ-TTg ngày 12/3/2021 của Thủ tướng Chính phủ;
"""

PARTY = """ĐẢNG BỘ TỈNH BÌNH PHƯỚC
TỈNH ỦY
ĐẢNG CỘNG SẢN VIỆT NAM
Số 12-CTr/TU
Đồng Xoài, ngày 24 tháng 02 năm 2023

CHƯƠNG TRÌNH HÀNH ĐỘNG
Thực hiện Nghị quyết số 20-NQ/TW ngày 16/6/2022 của Ban Chấp hành Trung ương Đảng khóa XIII
"""

CASES = [
    ("issuing-verb",
     "Thực hiện Kế hoạch số 272/KH-UBND ngày 20/8/2021 của UBND tỉnh về việc phát động phong trào thi đua, "
     "ngày 14/9/2021 Giám đốc Sở Khoa học và Công nghệ đã ban hành Kế hoạch số 1555/KH-SKHCN về tổ chức phong trào "
     "thi đua trên địa bàn tỉnh Bình Phước.",
     {"kind": "Kế hoạch", "number": "1555/KH-SKHCN", "issued_on": "2021-09-14", "issuer": "Sở Khoa học và Công nghệ",
      "province": "Bình Phước"}),
    ("issuing-verb-date-after",
     "(CTTĐTBP) - Ban Chấp hành Đảng bộ tỉnh vừa ban hành Chương trình hành động số 35-CTr/TU ngày 24/02/2023 về thực "
     "hiện Nghị quyết số 20-NQ/TW ngày 16/6/2022 của Ban Chấp hành Trung ương Đảng khóa XIII.",
     {"kind": "Chương trình hành động", "number": "35-CTr/TU", "issued_on": "2023-02-24",
      "issuer": "Ban Chấp hành Đảng bộ tỉnh"}),
    ("official-header", HEADER,
     {"kind": "Kế hoạch", "number": "1234/KH-SKHCN", "issued_on": "2021-09-14", "issuer": "Sở Khoa học và Công nghệ",
      "province": "Đồng Nai", "title": "Tổ chức phong trào thi đua chuyển đổi số giai đoạn 2021 - 2025"}),
    ("party-header", PARTY,
     {"kind": "Chương trình hành động", "number": "12-CTr/TU", "issued_on": "2023-02-24", "issuer": "Tỉnh ủy",
      "province": "Bình Phước"}),
    ("news-title-no-number",
     "Kế hoạch phát động phong trào thi đua giai đoạn 2021 - 2025 của Sở Khoa học và Công nghệ (05/10/2022)\n\n"
     "Thực hiện Kế hoạch số 139/KH-UBND ngày 01/8/2022 của UBND tỉnh Bà Rịa - Vũng Tàu;",
     {"kind": "Kế hoạch", "number": None, "issuer": "Sở Khoa học và Công nghệ", "province": "Bà Rịa - Vũng Tàu"}),
    ("subject-only",
     "Thực hiện Hướng dẫn số 84/HD-MTTW-BTT ngày 16/5/2022 của Ban Thường trực Ủy ban Trung ương Mặt trận Tổ quốc "
     "Việt Nam. Liên minh HTX tỉnh Ninh Bình đã cụ thể hóa các nội dung chính sau:",
     {"number": None, "issuer": "Liên minh HTX tỉnh Ninh Bình", "province": "Ninh Bình"}),
    ("a-body-known-by-its-head-word-launches-a-movement",
     "Công an Bắc Ninh phát động phong trào thi đua đặc biệt\n\nSáng 21-5, Công an tỉnh Bắc Ninh tổ chức Lễ phát động"
     " phong trào thi đua đặc biệt năm 2024.",
     {"issuer": "Công an tỉnh Bắc Ninh", "province": "Bắc Ninh"}),
    ("a-centre-issues-a-plan",
     "Ngày 15/3/2021, Trung tâm Phục vụ hành chính công đã ban hành kế hoạch hưởng ứng đợt thi đua đặc biệt.",
     {"issuer": "Trung tâm Phục vụ hành chính công"}),
    ("an-abbreviation-the-text-defines-is-spelled-out",
     "Ngày 5/11/2004, Hội Cựu chiến binh (CCB) tỉnh Bến Tre tổng kết năm. Hội CCB tỉnh đã phát động phong trào"
     " thi đua CCB gương mẫu giai đoạn 2004 - 2009.",
     {"issuer": "Hội Cựu chiến binh tỉnh"}),
    ("an-emulation-pact-signed-by-a-council",
     "Tại huyện Kim Bảng, Hội đồng thi đua khen thưởng huyện Kim Bảng vừa tổ chức Hội nghị ký kết giao ước thi đua"
     " năm 2024.",
     {"issuer": "Hội đồng thi đua khen thưởng huyện Kim Bảng"}),
    ("a-body-that-only-praises-issues-nothing",
     "Sở Giáo dục tỉnh tuyên dương 20 học sinh giỏi.",
     {"issuer": None}),
    ("cited-only-is-not-the-plan",
     "Căn cứ Quyết định số 340/QĐ-TTg ngày 12/3/2021 của Thủ tướng Chính phủ về chiến lược phát triển.",
     {"number": None, "issued_on": None}),
    ("attached-is-not-issuing",
     "Kế hoạch thực hiện (ban hành kèm theo Quyết định số 1735/QĐ-UBND ngày 15/6/2022 của UBND tỉnh).",
     {"number": None}),
]


@pytest.mark.parametrize("name,text,expected", CASES, ids=[c[0] for c in CASES])
def test_document_identity(name: str, text: str, expected: dict) -> None:
    record = record_for(text)
    for key, value in expected.items():
        assert record["document"][key] == value, key
    for key, value in record["document"].items():
        if key not in ("evidence", "provenance") and value is not None:
            assert key in record["document"]["evidence"], f"{key} has no evidence"
    assert_grounded(record)


def test_plan_is_not_among_references() -> None:
    record = record_for(CASES[0][1])
    numbers = [r["number"] for r in record["references"]]
    assert numbers == ["272/KH-UBND"]


@pytest.mark.parametrize("text, expected", [
    ("HỘI ĐỒNG NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\nTỈNH VĨNH LONG Độc lập - Tự do - Hạnh phúc\n"
     "Số: {0 /2024/NQ-HĐND Vĩnh Long, ngày 10 tháng 7 năm 2024\nNGHỊ QUYẾT\nQuy định mức học phí",
     ("Nghị quyết", None, "2024-07-10", "Vĩnh Long")),
    ("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\nTỈNH QUẢNG BÌNH Độc lập - Tự do - Hạnh phúc\n"
     "Số: ó⁄/ /KH-UBND Quảng Bình, ngày !7 tháng năm 2024\nKẾ HOẠCH\nThu thập, cập nhật thông tin",
     ("Kế hoạch", None, None, "Quảng Bình")),
], ids=["number-illegible", "number-and-day-handwritten"])
def test_scanned_header_with_an_illegible_number(text: str, expected: tuple) -> None:
    """OCR of a signed scan: the number (and day) written in by hand come out as noise; the
    printed kind, date and province are still read from the header layout."""
    record = record_for(text)
    assert_grounded(record)
    doc = record["document"]
    assert (doc["kind"], doc["number"], doc["issued_on"], doc["province"]) == expected
