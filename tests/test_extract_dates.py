"""Case table for dates, periods and durations, normalised to ISO."""

from __future__ import annotations

import pytest
from helpers import assert_grounded, record_for


@pytest.mark.parametrize("text,period", [
    ("Kế hoạch tổ chức phong trào thi đua giai đoạn 2021 - 2025 trên địa bàn tỉnh.", (2021, 2025)),
    ("Kế hoạch thi đua giai đoạn 2021 – 2030.", (2021, 2030)),
    ("Kế hoạch thi đua giai đoạn 2022—2026.", (2022, 2026)),
    ("Kế hoạch thi đua giai đoạn 2016 -2020.", (2016, 2020)),
    ("Kế hoạch thi đua từ năm 2021 đến năm 2025.", (2021, 2025)),
    ("Kế hoạch thi đua năm 2024.", (2024, 2024)),  # a one-year plan
    ("Ngày 20/8/2021 - 2022 không phải giai đoạn.", None),
    ("Bộ Chỉ huy Quân sự tỉnh vừa phát động phong trào Thi đua Quyết thắng năm 2020.", (2020, 2020)),
    ("Các đơn vị ký kết giao ước thi đua “Vì an ninh Tổ quốc” năm 2023.", (2023, 2023)),
    ("Các huyện xây dựng kế hoạch thực hiện, hoàn thành trong quý II năm 2023.", None),  # a deadline
    ("Căn cứ Kế hoạch số 12/KH-UBND ngày 10 tháng 01 năm 2023 của Ủy ban nhân dân tỉnh.", None),  # a date
    ("Theo kế hoạch, từ tháng 07/2018 đến hết tháng 7/2019, Ủy ban tổ chức các hoạt động.", (2018, 2019)),
    ("Thực hiện Kế hoạch năm 2024, các đơn vị triển khai phong trào thi đua giai đoạn 2021 - 2025.", (2021, 2025)),
])
def test_period(text: str, period: tuple[int, int] | None) -> None:
    record = record_for(text)
    got = record["period"]
    assert ((got["start_year"], got["end_year"]) if got else None) == period
    assert_grounded(record)


def test_a_title_year_is_the_period_of_a_one_year_plan() -> None:
    text = ("ỦY BAN NHÂN DÂN\nTỈNH QUẢNG BÌNH\nSố: 2254/KH-UBND\nQuảng Bình, ngày 29 tháng 11 năm 2017\n\n"
            "KẾ HOẠCH\nPhòng, chống dịch bệnh truyền nhiễm năm 2018\n\n"
            "Căn cứ Luật Phòng, chống bệnh truyền nhiễm năm 2007; thực hiện giai đoạn 2016 - 2020.\n")
    record = record_for(text)
    assert (record["period"]["start_year"], record["period"]["end_year"]) == (2018, 2018)
    assert record["period"]["evidence"]["quote"] == "năm 2018"


def test_period_prefers_the_plans_own() -> None:
    text = ("Nhằm thực hiện Nghị quyết số 03-NQ/TU ngày 05/8/2016 về chuỗi giá trị giai đoạn 2016 -2020; "
            "Sở Khoa học và Công nghệ đã ban hành Kế hoạch số 553/KH-SKHCN ngày 11/5/2020 hỗ trợ hợp tác xã giai đoạn 2020-2021.\n\n"
            "Tiếp tục giai đoạn 2016 - 2020 và giai đoạn 2016-2020.")
    record = record_for(text)
    assert (record["period"]["start_year"], record["period"]["end_year"]) == (2020, 2021)


@pytest.mark.parametrize("text,start,end", [
    ("Thời hạn thi đua: Từ tháng 9/2021 đến hết tháng 12/2030./.", "2021-09", "2030-12"),
    ("Thời gian thi đua: từ ngày 01/01/2024 đến ngày 31/12/2025.", "2024-01-01", "2025-12-31"),
    ("Thực hiện từ tháng 3 năm 2022 đến tháng 12 năm 2022.", "2022-03", "2022-12"),
])
def test_duration(text: str, start: str, end: str) -> None:
    record = record_for(text)
    assert record["duration"]["start"] == start
    assert record["duration"]["end"] == end
    assert_grounded(record)


def test_dates_listed_with_precision() -> None:
    record = record_for("Ngày 14 tháng 9 năm 2021 và tháng 9/2021, hạn ngày 15/12/2021.")
    assert [(d["value"], d["precision"]) for d in record["dates"]] == [
        ("2021-09-14", "day"), ("2021-09", "month"), ("2021-12-15", "day")]
    assert_grounded(record)


@pytest.mark.parametrize("text,name", [
    ("Bộ Chỉ huy Quân sự tỉnh phát động phong trào Thi đua Quyết thắng năm 2020.", "Thi đua Quyết thắng"),
    ("Giai đoạn 1 phong\ntrào thi đua BA KIỂU MẪU được thực hiện từ năm 2015. Cùng với phong trào thi đua “BA TỐT” "
     "phát động từ năm 2012, Công ty tổng kết phong trào thi đua BA KIỂU MẪU hằng năm.", "BA KIỂU MẪU"),
    ("Căn cứ Hướng dẫn số 471/HD-BTĐKT về khen thưởng trong phong trào thi đua “Cả nước chung sức xây dựng nông thôn mới”;\n"
     "Ban hành Quy định khen thưởng phong trào thi đua “CHUNGSỨC XÂY DỰNG NÔNG THÔN MỚI” trên địa bàn tỉnh.",
     "CHUNG SỨC XÂY DỰNG NÔNG THÔN MỚI"),
    ("Các đơn vị tích cực tham gia phong trào thi đua yêu nước.", None),
    ("PHÁT ĐỘNG PHONG TRÀO THI ĐUA NĂM 2024", None),
])
def test_movement_names(text: str, name: str | None) -> None:
    record = record_for(text)
    assert (record["movement"] or {}).get("name") == name
    assert_grounded(record)


def test_movement_name_and_slogan() -> None:
    record = record_for("Phát động phong trào thi đua “Đoàn kết sáng tạo” trong toàn tỉnh. "
                        "Khẩu hiệu thi đua là: “Chung sức xây dựng nông thôn mới”.")
    assert record["movement"]["name"] == "Đoàn kết sáng tạo"
    assert record["movement"]["slogan"] == "Chung sức xây dựng nông thôn mới"
    assert_grounded(record)
