"""Tables: rows laid out by the readers become structured rows with evidence, and target
tables ("PHỤ LỤC ... CHỈ TIÊU") give targets. PDF tables come from pdfplumber's table finder."""

from __future__ import annotations

import pytest
from fixtures import needs_font, render_docx, render_pdf_table
from helpers import assert_grounded, make_doc, record_for

from pipeline.extract.tables import find_tables, row_cells
from pipeline.record.schema import validate
from pipeline.run.process import process_bytes


@pytest.mark.parametrize("line, cells", [
    ("a | b | c", ["a", "b", "c"]),
    ("a | | c", ["a", "", "c"]),
    ("| b | c", ["", "b", "c"]),
    ("a | b |", ["a", "b", ""]),
    ("Số 1/2 | 10 | x|y", ["Số 1/2", "10", "x|y"]),
])
def test_row_cells(line: str, cells: list[str]) -> None:
    found = row_cells(line, 0, len(line))
    assert [c.text for c in found] == cells
    assert all(line[c.start:c.end] == c.text for c in found)


def test_table_title_skips_a_unit_note() -> None:
    doc = make_doc("PHỤ LỤC I: CÁC CHỈ TIÊU CHỦ YẾU\n(Đơn vị tính: %)\nChỉ tiêu | Năm 2025\nTỷ lệ hộ nghèo | 2")
    (table,) = find_tables(doc)
    assert table.title is not None and table.title.text == "PHỤ LỤC I: CÁC CHỈ TIÊU CHỦ YẾU"
    assert [[c.text for c in row] for row in table.rows] == [["Chỉ tiêu", "Năm 2025"], ["Tỷ lệ hộ nghèo", "2"]]


def test_tables_family_in_the_record() -> None:
    record = record_for("Bảng phân công\nĐơn vị | Nhiệm vụ\nSở Nội vụ | Tổng hợp\n\nHết.")
    assert assert_grounded(record) > 0
    (table,) = record["tables"]
    assert table["title"]["text"] == "Bảng phân công"
    assert [[c["text"] for c in row] for row in table["rows"]] == [["Đơn vị", "Nhiệm vụ"], ["Sở Nội vụ", "Tổng hợp"]]
    assert table["evidence"]["quote"] == "Đơn vị | Nhiệm vụ\nSở Nội vụ | Tổng hợp"


def _targets(text: str) -> list[tuple]:
    record = record_for(text)
    assert_grounded(record)
    return [(t["year"], t["value"], t["unit"], t["comparator"], t["indicator"]) for t in record["targets"]]


TARGET_TABLES = [
    ("year-columns",
     "PHỤ LỤC: CHỈ TIÊU PHÁT TRIỂN KINH TẾ TẬP THỂ\nSTT | Chỉ tiêu | Đơn vị tính | Năm 2024 | Năm 2025\n"
     "1 | Số hợp tác xã | HTX | 380 | 400\n2 | Số thành viên | người | 13.500 | 14.000\n3 | Tỷ lệ hợp tác xã khá, tốt | % | 60 | 65,5",
     [(2024, 380, "count", "eq", "Số hợp tác xã"), (2025, 400, "count", "eq", "Số hợp tác xã"),
      (2024, 13500, "count", "eq", "Số thành viên"), (2025, 14000, "count", "eq", "Số thành viên"),
      (2024, 60, "percent", "eq", "Tỷ lệ hợp tác xã khá, tốt"), (2025, 65.5, "percent", "eq", "Tỷ lệ hợp tác xã khá, tốt")]),
    ("one-target-column-year-from-title",
     "Phụ lục: Các chỉ tiêu đến năm 2030\nTT | Nội dung | Mục tiêu | Ghi chú\n"
     "1 | Dân số tham gia | tối thiểu 20% | \n2 | Liên hiệp hợp tác xã | ≥ 2 | mới",
     [(2030, 20, "percent", "min", "Dân số tham gia"), (2030, 2, "count", "min", "Liên hiệp hợp tác xã")]),
    ("baseline-column-skipped",
     "Bảng chỉ tiêu\nChỉ tiêu | Thực hiện năm 2020 | Kế hoạch năm 2025\nSố doanh nghiệp | 1.000 | 1.500",
     [(2025, 1500, "count", "eq", "Số doanh nghiệp")]),
    ("not-a-target-table",
     "Danh sách đơn vị\nĐơn vị | Số cán bộ\nSở Nội vụ | 40", []),
]


@pytest.mark.parametrize("name, text, expected", TARGET_TABLES, ids=[c[0] for c in TARGET_TABLES])
def test_targets_from_tables(name: str, text: str, expected: list[tuple]) -> None:
    assert _targets(text) == expected


def test_table_targets_are_not_also_read_as_sentences() -> None:
    text = ("III. CHỈ TIÊU\nĐến năm 2025 phấn đấu đạt các chỉ tiêu sau:\n"
            "Chỉ tiêu | Năm 2025\nSố hợp tác xã | 400")
    assert _targets(text) == [(2025, 400, "count", "eq", "Số hợp tác xã")]


TABLE = [["STT", "Chỉ tiêu", "Đơn vị tính", "Năm 2025"],
         ["1", "Số hợp tác xã", "HTX", "400"],
         ["2", "Tỷ lệ thành viên hài lòng", "%", "tối thiểu 90"]]


@needs_font
def test_pdf_table_rows_and_targets(tmp_path) -> None:
    path = render_pdf_table("PHỤ LỤC I: CÁC CHỈ TIÊU ĐẾN NĂM 2025", TABLE, tmp_path / "t.pdf",
                            after="Nơi nhận: như trên.")
    record = process_bytes(path.read_bytes(), "t.pdf")
    validate(record)
    assert record["status"] == "ok", record["errors"]
    assert record["ingest"]["reader"] == "pdf" and record["ingest"]["tables"] == 1
    (table,) = record["tables"]
    assert [[c["text"] for c in row] for row in table["rows"]] == TABLE
    assert table["title"]["text"] == "PHỤ LỤC I: CÁC CHỈ TIÊU ĐẾN NĂM 2025"
    assert table["evidence"]["page"] == 1
    assert [(t["year"], t["value"], t["unit"], t["comparator"]) for t in record["targets"]] == [
        (2025, 400, "count", "eq"), (2025, 90, "percent", "min")]
    assert record["text"].rstrip().endswith("Nơi nhận: như trên.")


def test_docx_table_rows(tmp_path) -> None:
    path = render_docx(["PHỤ LỤC I: CÁC CHỈ TIÊU ĐẾN NĂM 2025", "Nơi nhận: như trên."], tmp_path / "t.docx", table=TABLE)
    record = process_bytes(path.read_bytes(), "t.docx")
    assert record["status"] == "ok", record["errors"]
    (table,) = record["tables"]
    assert [[c["text"] for c in row] for row in table["rows"]] == TABLE
    assert [(t["year"], t["value"], t["unit"]) for t in record["targets"]] == [(2025, 400, "count"), (2025, 90, "percent")]


CELL_PER_LINE = ["2. Chỉ tiêu cụ thể", "STT", "Chỉ tiêu", "Đơn vị tính", "Năm 2025", "Năm 2030",
                 "1", "Tỷ lệ xã có nhà văn hóa đạt chuẩn", "%", "85", "95",
                 "2", "Số hộ được hỗ trợ sinh kế", "Hộ", "1.200", "2.000",
                 "Tổ chức thực hiện các chỉ tiêu trên là trách nhiệm của các sở, ngành."]


@pytest.mark.parametrize("joiner", ["\n\n", "\n"], ids=["web page", "pdf lines"])
def test_a_table_one_cell_per_line(joiner: str) -> None:
    """A table copied from a web page (a blank line between cells) or laid out by a PDF producer
    (a cell per line) reads as the table it is: header, rows numbered 1, 2 ..., one target per
    value cell, a unit column that names what is counted makes a count."""
    record = record_for(joiner.join(CELL_PER_LINE) + "\n")
    assert [[c["text"] for c in row] for row in record["tables"][0]["rows"]][0] == \
        ["STT", "Chỉ tiêu", "Đơn vị tính", "Năm 2025", "Năm 2030"]
    assert len(record["tables"][0]["rows"]) == 3
    assert [(t["year"], t["value"], t["unit"]) for t in record["targets"]] == [
        (2025, 85, "percent"), (2030, 95, "percent"), (2025, 1200, "count"), (2030, 2000, "count")]
    assert_grounded(record)


def test_numbered_lines_without_a_number_column_are_not_a_table() -> None:
    record = record_for("Nội dung\n1\nTuyên truyền sâu rộng.\n2\nKiểm tra, giám sát.\n")
    assert record["tables"] == []


def test_a_wrapped_cell_reads_as_one_cell_and_keeps_its_span() -> None:
    """A cell wrapped over two lines is one cell, its text joined by a space; its evidence is the
    span it covers in the text, line break included."""
    lines = ["STT", "Tên sổ", "Ký hiệu", "Chứng từ", "ghi sổ", "1", "Sổ cái tài khoản", "S01", "Có",
             "2", "Sổ chi tiết vật liệu", "S02", "Không"]
    record = record_for("\n".join(lines) + "\n")
    assert record["status"] == "ok", record["errors"]
    header = record["tables"][0]["rows"][0]
    assert [c["text"] for c in header] == ["STT", "Tên sổ", "Ký hiệu", "Chứng từ ghi sổ"]
    assert header[3]["evidence"]["quote"] == "Chứng từ\nghi sổ"
    assert_grounded(record)
