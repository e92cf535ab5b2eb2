"""Case table for targets: deadline year, value, range, unit, comparator and indicator."""

from __future__ import annotations

import pytest
from helpers import assert_grounded, record_for


def targets(text: str) -> list[tuple]:
    record = record_for(text)
    assert_grounded(record)
    return [(t["year"], t["value"], t["value_max"], t["unit"], t["comparator"], t["indicator"]) for t in record["targets"]]


CASES = [
    ("several-in-one-sentence",
     "Chương trình phấn đấu đến năm 2025 có 400 hợp tác xã, với 14.000 thành viên; 01 liên hiệp hợp tác xã, với 04 hợp tác xã thành viên.",
     [(2025, 400, None, "count", "eq", "hợp tác xã"), (2025, 14000, None, "count", "eq", "thành viên"),
      (2025, 1, None, "count", "eq", "liên hiệp hợp tác xã"), (2025, 4, None, "count", "eq", "hợp tác xã thành viên")]),
    ("range", "Đến năm 2030 phấn đấu có 02 liên hiệp hợp tác xã, với 08 - 10 hợp tác xã thành viên.",
     [(2030, 2, None, "count", "eq", "liên hiệp hợp tác xã"), (2030, 8, 10, "count", "eq", "hợp tác xã thành viên")]),
    ("qualifiers",
     "Đến năm 2045 phấn đấu thu hút tối thiểu 20% dân số tham gia; có trên 90% tổ chức hoạt động hiệu quả; "
     "phát triển khoảng 200 hợp tác xã; không quá 5% hộ nghèo; dưới 3% lao động thất nghiệp.",
     [(2045, 20, None, "percent", "min", "dân số tham gia"), (2045, 90, None, "percent", "gt", "tổ chức hoạt động hiệu quả"),
      (2045, 200, None, "count", "approx", "hợp tác xã"), (2045, 5, None, "percent", "max", "hộ nghèo"),
      (2045, 3, None, "percent", "lt", "lao động thất nghiệp")]),
    ("name-number-is-not-a-target",
     "Đến năm 2030 có ít nhất 01 tổ chức kinh tế tập thể nằm trong xếp hạng 100 hợp tác xã tiêu biểu toàn quốc.",
     [(2030, 1, None, "count", "min", "tổ chức kinh tế tập thể nằm trong xếp hạng 100 hợp tác xã tiêu biểu toàn quốc")]),
    ("stated-units-and-decimals",
     "Phấn đấu đến năm 2026 trồng mới khoảng 1.200 ha rừng, huy động 150 tỷ đồng và tăng trưởng không dưới 6,5%.",
     [(2026, 1200, None, "ha", "approx", "rừng"), (2026, 150, None, "tỷ đồng", "eq", "huy động"),
      (2026, 6.5, None, "percent", "min", "tăng trưởng")]),
    ("no-deadline-in-a-plan-for-several-years",
     "Kế hoạch giai đoạn 2021 - 2025.\n\nChỉ tiêu: phấn đấu 100% cơ quan, đơn vị triển khai phong trào.",
     [(None, 100, None, "percent", "eq", "cơ quan")]),
    ("the-year-of-a-one-year-plan",
     "Kế hoạch công tác năm 2024.\n\nChỉ tiêu: phấn đấu 100% cơ quan, đơn vị triển khai phong trào.",
     [(2024, 100, None, "percent", "eq", "cơ quan")]),
    ("a-horizon-is-not-a-one-year-plan",
     "Kế hoạch thực hiện Chương trình đến năm 2030.\n\nMục tiêu cụ thể:\n- 100% xã có câu lạc bộ.",
     [(None, 100, None, "percent", "eq", "xã có câu lạc bộ")]),
    ("a-period-after-the-value-dates-it",
     "Phấn đấu tiết kiệm từ 5% trở lên tổng mức tiêu thụ năng lượng trong giai đoạn 2016 - 2020.",
     [(2020, 5, None, "percent", "min", "tổng mức tiêu thụ năng lượng")]),
    ("a-term-in-the-sentence-dates-it",
     "Nhiệm kỳ 2021 - 2026, Hội phấn đấu có hơn 90% hội viên đăng ký thi đua.",
     [(2026, 90, None, "percent", "gt", "hội viên đăng ký thi đua")]),
    ("a-year-that-opens-the-next-value",
     "Phấn đấu số người luyện tập đến năm 2025 đạt trên 38% và năm 2030 đạt trên 42% dân số.",
     [(2025, 38, None, "percent", "gt", None), (2030, 42, None, "percent", "gt", "dân số")]),
    ("a-year-next-to-its-value-before-the-next-cue",
     "Tỷ lệ trẻ em được đăng ký khai sinh đạt 98,5% vào năm 2025, phấn đấu 100% vào năm 2030.",
     [(2025, 98.5, None, "percent", "eq", "Tỷ lệ trẻ em được đăng ký khai sinh"), (2030, 100, None, "percent", "eq", None)]),
    ("a-year-after-the-indicator-dates-it",
     "Mục tiêu cụ thể:\na) 75% người cao tuổi được cung cấp thông tin, kiến thức chăm sóc sức khỏe vào năm 2025"
     " và đạt 85% vào năm 2030;",
     [(2025, 75, None, "percent", "eq", "người cao tuổi được cung cấp thông tin"), (2030, 85, None, "percent", "eq", None)]),
    ("the-next-statement-opened-by-a-cue-keeps-its-year",
     "Hội phấn đấu đạt 97% hội viên được học tập; đến hết năm 2005 có 85% chi hội vững mạnh, Hội đẩy mạnh"
     " phong trào, phấn đấu đến hết năm 2009 không còn hội viên nghèo.",
     [(None, 97, None, "percent", "eq", "hội viên được học tập"), (2005, 85, None, "percent", "eq", "chi hội vững mạnh")]),
    ("a-floor-is-a-commitment",
     "Mỗi cán bộ, công chức vận động được ít nhất 1 người thân tham gia bảo hiểm xã hội tự nguyện.",
     [(None, 1, None, "count", "min", "người thân tham gia bảo hiểm xã hội tự nguyện")]),
    ("a-phase-number-is-a-label",
     "Chỉ tiêu thi đua năm 2023: Đợt 1 từ tháng 3 đến tháng 6; Đợt 2 phấn đấu 100% đơn vị hoàn thành.",
     [(2023, 100, None, "percent", "eq", "đơn vị hoàn thành")]),
    ("small-counts-in-words",
     "Hằng năm, mỗi chi hội phấn đấu giúp thêm được hai gia đình hội viên trở lên thoát nghèo; mỗi cơ sở Hội"
     " xây dựng được từ một đến hai công trình; ít nhất một mô hình kinh tế giỏi.",
     [(None, 2, None, "count", "min", "gia đình hội viên thoát nghèo"), (None, 1, 2, "count", "eq", "công trình"),
      (None, 1, None, "count", "min", "mô hình kinh tế giỏi")]),
    ("words-that-are-no-count",
     "Phấn đấu có một số mô hình mới, khám định kỳ ít nhất một lần/năm, được hai bên thống nhất.",
     []),
    ("a-second-value-after-and-is-its-own-target",
     "Phấn đấu đến năm 2025 người cao tuổi được khám định kỳ đạt 70% và được lập hồ sơ sức khỏe đạt 95%.",
     [(2025, 70, None, "percent", "eq", "người cao tuổi được khám định kỳ"),
      (2025, 95, None, "percent", "eq", "được lập hồ sơ sức khỏe")]),
    ("durations-and-labels-are-not-targets",
     "Phấn đấu đến năm 2025 sơ kết 6 tháng một lần.\n2. Phấn đấu hoàn thành nhiệm vụ (1) đúng hạn.",
     []),
    ("no-target-statement", "Ban Chấp hành yêu cầu triển khai 5 nhiệm vụ, giải pháp chính.", []),
]


@pytest.mark.parametrize("name,text,expected", CASES, ids=[c[0] for c in CASES])
def test_targets(name: str, text: str, expected: list[tuple]) -> None:
    assert targets(text) == expected


def test_long_indicator_ends_on_a_word_boundary() -> None:
    text = ("Phấn đấu đến năm 2030 có 25 hợp tác xã nông nghiệp ứng dụng công nghệ cao trong sản xuất, chế biến, "
            "bảo quản nông sản theo chuỗi giá trị bền vững gắn với thị trường tiêu thụ trong và ngoài nước.")
    (target,) = record_for(text)["targets"]
    words = target["indicator"].split()
    assert words[:4] == ["hợp", "tác", "xã", "nông"]
    assert len(words) < 30 and text.count(target["indicator"]) == 1
    assert not target["indicator"].endswith(("hợp", "tác"))
