"""Case tables for criteria, reward quotas, schedule, participants, responsibilities,
abbreviations and sections."""

from __future__ import annotations

import pytest
from helpers import assert_grounded, record_for

HEADED = """III. TIÊU CHÍ THI ĐUA

1. Đối với tập thể

Hoàn thành xuất sắc nhiệm vụ được giao.

2. Đối với cá nhân

- Chấp hành tốt chủ trương của Đảng;
- Có sáng kiến được công nhận.

3. Đối với các tập thể, cá nhân ngoài Sở

- Có đóng góp vào phong trào.

IV. HÌNH THỨC, SỐ LƯỢNG KHEN THƯỞNG

1. Giấy khen của Giám đốc Sở

- Khen thưởng hàng năm: 02 tập thể và 04 cá nhân.

- Khen thưởng sơ kết (2023) và tổng kết (2025): Mỗi đợt 03 tập thể, 06 cá nhân.

2. Bằng khen của Chủ tịch UBND tỉnh: 05 tập thể, 10 cá nhân.

V. TỔ CHỨC THỰC HIỆN

1. Văn phòng Sở có trách nhiệm:

- Tham mưu khen thưởng;
- Tổng hợp báo cáo.

2. Các phòng, đơn vị phối hợp triển khai kế hoạch.
"""


def test_headed_criteria() -> None:
    record = record_for(HEADED)
    got = [(c["applies_to"], c["text"]) for c in record["criteria"]]
    assert got == [
        ("collective", "Hoàn thành xuất sắc nhiệm vụ được giao."),
        ("individual", "Chấp hành tốt chủ trương của Đảng"),
        ("individual", "Có sáng kiến được công nhận."),
        ("any", "Có đóng góp vào phong trào."),
    ]
    assert_grounded(record)


def test_inline_criteria() -> None:
    text = ("Các tập thể đạt các tiêu chuẩn sau sẽ được xem xét khen thưởng: (1) Hoàn thành đúng tiến độ. (2) Tham mưu tốt.\n"
            "Khen thưởng cho các cá nhân khi đạt các tiêu chuẩn sau: (1) Chấp hành tốt. (2) Có sáng kiến.")
    record = record_for(text)
    assert [(c["applies_to"], c["text"]) for c in record["criteria"]] == [
        ("collective", "Hoàn thành đúng tiến độ."), ("collective", "Tham mưu tốt."),
        ("individual", "Chấp hành tốt."), ("individual", "Có sáng kiến.")]
    assert_grounded(record)


CRITERIA_SHAPES = [
    ("statements under a criteria heading",
     "II. TIÊU CHUẨN CÔNG ĐOÀN CƠ SỞ VỮNG MẠNH TRONG CÁC ĐƠN VỊ SỰ NGHIỆP CÔNG LẬP VÀ DOANH NGHIỆP:\n"
     "1. Tiêu chuẩn 1: Công đoàn cơ sở đại diện, bảo vệ quyền và lợi ích hợp pháp của đoàn viên:\n"
     "1.1. Phối hợp tổ chức hội nghị người lao động đúng quy định.\n"
     "1.2. Thực hiện tốt quy chế dân chủ ở cơ sở.\n",
     [("collective", "Công đoàn cơ sở đại diện, bảo vệ quyền và lợi ích hợp pháp của đoàn viên"),
      ("collective", "Phối hợp tổ chức hội nghị người lao động đúng quy định."),
      ("collective", "Thực hiện tốt quy chế dân chủ ở cơ sở.")]),
    ("a long 'Đối với' heading groups its items",
     "III. TIÊU CHÍ THI ĐUA\n1. Đối với các tập thể, cá nhân thuộc các cơ quan, đơn vị, doanh nghiệp có liên quan trên địa bàn\n"
     "- Tham gia tích cực các nhiệm vụ khoa học và công nghệ.\n- Có đóng góp vật chất cho phong trào.\n",
     [("any", "Tham gia tích cực các nhiệm vụ khoa học và công nghệ."), ("any", "Có đóng góp vật chất cho phong trào.")]),
    ("items under an unnumbered lead",
     "Tiêu chuẩn Liên đội mạnh (theo hướng dẫn của Hội đồng Đội tỉnh)\n\n"
     "1. Có kế hoạch hoạt động cả năm học, thực hiện đạt trên 90% chỉ tiêu đề ra.\n\n"
     "2. Có ít nhất 40% đội viên đạt danh hiệu “Cháu ngoan Bác Hồ”.\n\nTin liên quan\n",
     [("collective", "Có kế hoạch hoạt động cả năm học, thực hiện đạt trên 90% chỉ tiêu đề ra."),
      ("collective", "Có ít nhất 40% đội viên đạt danh hiệu “Cháu ngoan Bác Hồ”.")]),
    ("a lead with 'Đối với' lines",
     "Về tiêu chuẩn khen thưởng:\n\nĐối với tập thể: Hoàn thành xuất sắc nhiệm vụ được giao; nội bộ đoàn kết.\n\n"
     "Đối với cá nhân: Gương mẫu chấp hành tốt chủ trương của Đảng, chính sách của Nhà nước.\n",
     [("collective", "Hoàn thành xuất sắc nhiệm vụ được giao; nội bộ đoàn kết."),
      ("individual", "Gương mẫu chấp hành tốt chủ trương của Đảng, chính sách của Nhà nước.")]),
    ("criteria on their lead's line, wrapped",
     "1/- Tiêu chuẩn học sinh: Có thành tích học tập tốt và tích cực tham gia hoạt động tình nguyện.\n"
     "2/- Tiêu chuẩn giáo viên: Có sáng kiến kinh nghiệm được công nhận hoặc có nhiều\n"
     "đóng góp trong công tác chủ nhiệm lớp.\nDanh sách gửi về trước ngày 15/5.\n",
     [("individual", "Có thành tích học tập tốt và tích cực tham gia hoạt động tình nguyện."),
      ("individual", "Có sáng kiến kinh nghiệm được công nhận hoặc có nhiều đóng góp trong công tác chủ nhiệm lớp.")]),
    ("a 'Đối với' line outside a criteria lead is not a criterion",
     "Đối với các sở, ban, ngành: Chủ trì triển khai kế hoạch trong phạm vi quản lý.\n", []),
]


@pytest.mark.parametrize("name,text,expected", CRITERIA_SHAPES, ids=[c[0] for c in CRITERIA_SHAPES])
def test_criteria_shapes(name: str, text: str, expected: list[tuple[str, str]]) -> None:
    record = record_for(text)
    assert [(c["applies_to"], c["text"]) for c in record["criteria"]] == expected
    assert_grounded(record)


def test_reward_quotas() -> None:
    record = record_for(HEADED)
    got = [(q["award"], q["granted_by"], q["occasion"], q["year"], q["collectives"], q["individuals"]) for q in record["reward_quotas"]]
    assert got == [
        ("Giấy khen", "Giám đốc Sở", "annual", None, 2, 4),
        ("Giấy khen", "Giám đốc Sở", "interim", 2023, 3, 6),
        ("Giấy khen", "Giám đốc Sở", "final", 2025, 3, 6),
        ("Bằng khen", "Chủ tịch UBND tỉnh", "other", None, 5, 10),
    ]
    assert_grounded(record)


def test_quota_needs_a_reward_context() -> None:
    assert record_for("Hội nghị có 02 tập thể và 04 cá nhân phát biểu.")["reward_quotas"] == []


def test_responsibilities() -> None:
    record = record_for(HEADED)
    got = [(r["unit"], r["tasks"]) for r in record["responsibilities"]]
    assert got == [("Văn phòng Sở", ["Tham mưu khen thưởng", "Tổng hợp báo cáo"]),
                   ("Các phòng, đơn vị", ["phối hợp triển khai kế hoạch"])]
    assert_grounded(record)


def test_participants() -> None:
    record = record_for("II. ĐỐI TƯỢNG, NỘI DUNG\n1. Đối tượng thi đua\n- Tập thể, cá nhân thuộc Sở;\n- Cá nhân ngoài Sở.\n2. Nội dung thi đua\n- Thi đua.")
    assert [(p["text"], p["applies_to"]) for p in record["participants"]] == [
        ("Tập thể, cá nhân thuộc Sở", "any"), ("Cá nhân ngoài Sở", "individual")]
    assert_grounded(record)


@pytest.mark.parametrize("text,expected", [
    ("định kỳ hàng quý (ngày 15 của tháng cuối quý), 6 tháng (ngày 15/6), năm (ngày 15/12) báo cáo kết quả.",
     [("quarterly", None, "ngày 15 của tháng cuối quý"), ("semiannual", "--06-15", None), ("annual", "--12-15", None)]),
    ("Các đơn vị gửi báo cáo trước ngày 30/11/2024.", [("once", "2024-11-30", None)]),
    ("Định kỳ hằng tháng báo cáo tiến độ.", [("monthly", None, None)]),
])
def test_schedule(text: str, expected: list[tuple]) -> None:
    record = record_for(text)
    assert [(s["recurrence"], s["due"], s["rule"]) for s in record["schedule"]] == expected
    assert_grounded(record)


def test_abbreviations() -> None:
    record = record_for("động viên công chức, viên chức và người lao động (CCVC-NLĐ) thuộc Sở Khoa học và Công nghệ (KH&CN) "
                        "tham gia phong trào thi đua giai đoạn 2021 - 2025 (sau đây gọi tắt là Phong trào thi đua 2021 - 2025).")
    got = {a["short"]: a["long"] for a in record["abbreviations"]}
    assert got["CCVC-NLĐ"] == "công chức, viên chức và người lao động"
    assert got["KH&CN"] == "Khoa học và Công nghệ"
    assert got["Phong trào thi đua 2021 - 2025"].endswith("phong trào thi đua giai đoạn 2021 - 2025")
    assert_grounded(record)


def test_sections_tree() -> None:
    record = record_for(HEADED)
    top = [(s["level"], s["label"], s["title"]) for s in record["sections"] if s["level"] == 1]
    assert top == [(1, "III", "TIÊU CHÍ THI ĐUA"), (1, "IV", "HÌNH THỨC, SỐ LƯỢNG KHEN THƯỞNG"), (1, "V", "TỔ CHỨC THỰC HIỆN")]
    for s in record["sections"]:
        assert s["start"] <= s["evidence"]["start"] < s["end"] <= len(record["text"])
    assert_grounded(record)
