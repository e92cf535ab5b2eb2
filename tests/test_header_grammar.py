"""Case table for the header grammar of official documents (Nghị định 30/2020/NĐ-CP, Phụ lục VI;
the Party's and mass organisations' headers): parent and signing unit, the number line with its
partial forms, the place-and-date line, the kind line and the title, a letter's "V/v" subject,
laws and decrees, and the plan a news report is about."""

from __future__ import annotations

import pytest
from helpers import assert_grounded, record_for

from pipeline.extract.entities import recase

TEXTS = {
"university": """BỘ GIÁO DỤC VÀ ĐÀO TẠO
TRƯỜNG ĐẠI HỌC SƯ PHẠM KỸ THUẬT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 215/KH-ĐHSPKT
Vĩnh Long, ngày 03 tháng 4 năm 2023

KẾ HOẠCH
Tổ chức phong trào thi đua dạy tốt, học tốt
năm học 2022 - 2023

Thực hiện Kế hoạch số 12/KH-BGDĐT ngày 10/01/2023 của Bộ Giáo dục và Đào tạo;
""",
"district-office": """UBND HUYỆN TÂN PHÚ
PHÒNG NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN
Số: 45/KH-PNN
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Tân Phú, ngày 15 tháng 02 năm 2022
KẾ HOẠCH
Triển khai phong trào thi đua chung sức xây dựng nông thôn mới năm 2022
""",
"letter": """ỦY BAN NHÂN DÂN
TỈNH QUẢNG TRỊ
Số: 1820/UBND-VX
V/v triển khai phong trào thi đua
“Cả nước chung tay vì người nghèo”
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Trị, ngày 21 tháng 4 năm 2023

Kính gửi: Các sở, ban, ngành cấp tỉnh
""",
"law": """QUỐC HỘI
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Luật số: 06/2022/QH15

LUẬT
THI ĐUA, KHEN THƯỞNG

Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;
Quốc hội ban hành Luật Thi đua, khen thưởng.
...
Luật này được Quốc hội nước Cộng hòa xã hội chủ nghĩa Việt Nam khóa XV, kỳ họp thứ 3 thông qua ngày 15 tháng 6 năm 2022.
""",
"decree": """CHÍNH PHỦ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 98/2023/NĐ-CP
Hà Nội, ngày 31 tháng 12 năm 2023

NGHỊ ĐỊNH
Quy định chi tiết thi hành một số điều của Luật Thi đua, khen thưởng

Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;
""",
"partial": """ỦY BAN NHÂN DÂN
TỈNH HÀ TĨNH
Số:      /2017/QĐ-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Tĩnh, ngày     tháng 8 năm 2017

QUYẾT ĐỊNH
Ban hành Quy chế thi đua, khen thưởng

Căn cứ Luật Thi đua, khen thưởng ngày 26 tháng 11 năm 2003;
Căn cứ Nghị định số 91/2017/NĐ-CP ngày 31 tháng 7 năm 2017 của Chính phủ;
""",
"youth-union": """TỈNH ĐOÀN HÀ GIANG
BAN THƯỜNG VỤ
ĐOÀN TNCS HỒ CHÍ MINH
Số: 88-KH/TĐTN-PTTN
Hà Giang, ngày 05 tháng 3 năm 2024

KẾ HOẠCH
Tổ chức Giải thưởng Hồ Chí Minh cho đoàn viên tiêu biểu
""",
"news-report": """Gia Lai: Đẩy mạnh phát triển kinh tế tập thể
(GLO) - UBND tỉnh Gia Lai vừa ban hành Kế hoạch số 314/KH-UBND về phát triển kinh tế tập thể, hợp tác xã giai đoạn 2021-2025. Theo đó, đến năm 2025 toàn tỉnh có 400 hợp tác xã.
""",
"action-programme": """ỦY BAN NHÂN DÂN
TỈNH HẬU GIANG
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 57/CTr-UBND
Hậu Giang, ngày 08 tháng 6 năm 2024

CHƯƠNG TRÌNH HÀNH ĐỘNG
Thực hiện Nghị quyết số 09/NQ-HĐND ngày 12/4/2024 của Hội đồng nhân dân tỉnh về phát triển du lịch cộng đồng giai đoạn 2024 - 2030

Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;
""",
"body-opens-under-kind": """ỦY BAN NHÂN DÂN
HUYỆN CHÂU THÀNH
Số: 31/KH-UBND
Châu Thành, ngày 02 tháng 3 năm 2023

KẾ HOẠCH
Thực hiện Kế hoạch số 12/KH-UBND ngày 10/01/2023 của Ủy ban nhân dân tỉnh, Ủy ban nhân dân huyện ban hành kế hoạch như sau:
I. MỤC ĐÍCH, YÊU CẦU
""",
"news-report-date-first": """Ngày 27-10-2017, UBND tỉnh ban hành Kế hoạch số 4492/KH-UBND thực hiện phong trào thi đua “Doanh nghiệp Việt Nam hội nhập và phát triển”.
""",
}

FIELDS = ("kind", "number", "issued_on", "issuer", "parent", "province", "title", "number_partial", "issued_month")

CASES = [
    ("university", {"kind": "Kế hoạch", "number": "215/KH-ĐHSPKT", "issued_on": "2023-04-03",
                    "parent": "Bộ Giáo dục và Đào tạo", "province": None,
                    "title": "Tổ chức phong trào thi đua dạy tốt, học tốt năm học 2022 - 2023"}, {}),
    ("district-office", {"issuer": "Phòng Nông nghiệp và Phát triển nông thôn", "parent": "UBND huyện Tân Phú",
                         "number": "45/KH-PNN", "issued_on": "2022-02-15"}, {"document.province": "missing"}),
    ("letter", {"kind": "Công văn", "number": "1820/UBND-VX", "issued_on": "2023-04-21",
                "issuer": "Ủy ban nhân dân tỉnh Quảng Trị", "province": "Quảng Trị"}, {"document.kind": "inferred"}),
    ("law", {"kind": "Luật", "number": "06/2022/QH15", "issued_on": "2022-06-15", "issuer": "Quốc hội",
             "province": None, "title": "Thi đua, khen thưởng"}, {"document.issued_on": "inferred"}),
    ("decree", {"kind": "Nghị định", "number": "98/2023/NĐ-CP", "issued_on": "2023-12-31", "issuer": "Chính phủ",
                "province": None}, {}),
    ("partial", {"kind": "Quyết định", "number": None, "issued_on": None, "number_partial": "…/2017/QĐ-UBND",
                 "issued_month": "2017-08", "issuer": "Ủy ban nhân dân tỉnh Hà Tĩnh"},
     {"document.number": "partial", "document.issued_on": "partial"}),
    ("youth-union", {"number": "88-KH/TĐTN-PTTN", "issued_on": "2024-03-05", "parent": "Tỉnh đoàn Hà Giang",
                     "province": "Hà Giang"}, {}),
    ("news-report", {"kind": "Kế hoạch", "number": "314/KH-UBND", "issued_on": None, "issuer": "UBND tỉnh Gia Lai",
                     "province": "Gia Lai"}, {"document.number": "inferred", "document.issued_on": "missing"}),
    ("action-programme", {"kind": "Chương trình hành động", "number": "57/CTr-UBND",
                          "title": "Thực hiện Nghị quyết số 09/NQ-HĐND ngày 12/4/2024 của Hội đồng nhân dân tỉnh về "
                                   "phát triển du lịch cộng đồng giai đoạn 2024 - 2030"}, {}),
    ("body-opens-under-kind", {"kind": "Kế hoạch", "number": "31/KH-UBND", "title": None},
     {"document.title": "missing", "document.province": "missing"}),
    ("news-report-date-first", {"kind": "Kế hoạch", "number": "4492/KH-UBND", "issued_on": "2017-10-27"},
     {"document.number": "inferred"}),
]


@pytest.mark.parametrize("name,expected,review", CASES, ids=[c[0] for c in CASES])
def test_header_grammar(name: str, expected: dict, review: dict) -> None:
    record = record_for(TEXTS[name])
    doc = record["document"]
    assert {k: doc.get(k) for k in expected} == expected
    reasons = {n["field"]: n["reason"] for n in record["needs_review"]}
    for field, reason in review.items():
        assert reasons.get(field) == reason, (field, reasons)
    if not any(r.startswith("document.") for r in review):
        assert not [f for f in reasons if f.startswith("document.")], reasons
    assert_grounded(record)


def test_a_cited_date_is_never_the_missing_issue_date() -> None:
    """The day left blank in the header: the dates of the cited law and decree stay theirs."""
    doc = record_for(TEXTS["partial"])["document"]
    assert doc["issued_on"] is None and doc["issued_month"] == "2017-08"


@pytest.mark.parametrize("upper,expected", [
    ("ỦY BAN NHÂN DÂN HUYỆN CỦ CHI", "Ủy ban nhân dân huyện Củ Chi"),
    ("UBND XÃ TÂN PHÚ TRUNG", "UBND xã Tân Phú Trung"),
    ("CÔNG ĐOÀN NGÀNH Y TẾ", "Công đoàn ngành Y tế"),
    ("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "Phòng Giáo dục và Đào tạo"),
    ("SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "Sở Lao động - Thương binh và Xã hội"),
    ("BAN CHẤP HÀNH HỘI NÔNG DÂN TỈNH KIÊN GIANG", "Ban Chấp hành Hội Nông dân tỉnh Kiên Giang"),
    ("TRƯỜNG THCS VÀ THPT", "Trường THCS và THPT"),
    ("BỘ NGOẠI GIAO", "Bộ Ngoại giao"),
    ("ỦY BẠN NHÂN DÂN TỈNH BẾN TRE", "Ủy ban nhân dân tỉnh Bến Tre"),  # a tone mark misread by OCR
])
def test_recase_header_names(upper: str, expected: str) -> None:
    assert recase(upper) == expected
