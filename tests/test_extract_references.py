"""Case table for references: every cited document with kind, number, date, issuer, relation."""

from __future__ import annotations

import pytest
from helpers import assert_grounded, record_for

CASES = [
    ("implements",
     "Thực hiện Kế hoạch số 272/KH-UBND ngày 20/8/2021 của UBND tỉnh về việc phát động phong trào thi đua.",
     [{"kind": "Kế hoạch", "number": "272/KH-UBND", "issued_on": "2021-08-20", "issuer": "UBND tỉnh", "relation": "implements"}]),
    ("legal-basis-words-date",
     "Căn cứ Nghị định số 06/2024/NĐ-CP ngày 14 tháng 9 năm 2024 của Chính phủ quy định chi tiết;",
     [{"kind": "Nghị định", "number": "06/2024/NĐ-CP", "issued_on": "2024-09-14", "issuer": "Chính phủ", "relation": "legal_basis"}]),
    ("basis",
     "Trên cơ sở Quyết định số 1735/QĐ-UBND ngày 15/6/2022 của UBND tỉnh về việc ban hành kế hoạch;",
     [{"kind": "Quyết định", "number": "1735/QĐ-UBND", "issued_on": "2022-06-15", "issuer": "UBND tỉnh", "relation": "basis"}]),
    ("list-shares-cue",
     "Thực hiện Hướng dẫn số 84/HD-MTTW-BTT ngày 16/5/2022 của Ban Thường trực Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam; "
     "Văn bản số 396/LMHTXVN-TTTT ngày 16/6/2022 của Liên minh HTX Việt Nam về triển khai phong trào.",
     [{"kind": "Hướng dẫn", "number": "84/HD-MTTW-BTT", "issued_on": "2022-05-16", "relation": "implements",
       "issuer": "Ban Thường trực Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam"},
      {"kind": "Văn bản", "number": "396/LMHTXVN-TTTT", "issued_on": "2022-06-16", "issuer": "Liên minh HTX Việt Nam",
       "relation": "implements"}]),
    ("no-kind-word-uses-symbol",
     "Theo tinh thần văn bản 70-KL/TW ngày 09/3/2020 của Bộ Chính trị.",
     [{"kind": "Kết luận", "number": "70-KL/TW", "issued_on": "2020-03-09", "issuer": "Bộ Chính trị"}]),
    ("no-date",
     "Nội dung tuyên truyền tập trung vào Kế hoạch 161/KH-UBND của UBND tỉnh về triển khai.",
     [{"kind": "Kế hoạch", "number": "161/KH-UBND", "issued_on": None, "issuer": "UBND tỉnh", "relation": None}]),
    ("repeated-citation-merged",
     "Quyết định số 340/QĐ-TTg ngày 12/3/2021 của Thủ tướng Chính phủ; Kế hoạch 161/KH-UBND ngày 11/5/2021 của UBND tỉnh "
     "về triển khai thực hiện Quyết định số 340/QĐ-TTg.",
     [{"number": "340/QĐ-TTg", "issued_on": "2021-03-12"}, {"number": "161/KH-UBND", "issued_on": "2021-05-11"}]),
]


@pytest.mark.parametrize("name,text,expected", CASES, ids=[c[0] for c in CASES])
def test_references(name: str, text: str, expected: list[dict]) -> None:
    record = record_for(text)
    refs = record["references"]
    assert len(refs) == len(expected), refs
    for ref, exp in zip(refs, expected):
        for key, value in exp.items():
            assert ref[key] == value, (key, ref)
        assert ref["number"] in ref["evidence"]["quote"]
    assert_grounded(record)
