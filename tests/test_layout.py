"""The layout stage: lines into paragraphs, headings, list items, header cells, table rows and
page furniture; the composed text; offsets and pages of the blocks."""

from __future__ import annotations

import io
import textwrap

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.model import Line, PageSize, RawDocument, SourceInfo
from pipeline.ingest.layout import header_role, join_texts, marker_of
from pipeline.ingest.normalize import build_document
from pipeline.ingest.readers import docx as docx_reader

SOURCE = SourceInfo("t.pdf", "0" * 64, "application/pdf", 1)
A4 = PageSize(1, 595.0, 842.0)
LEFT, RIGHT, SIZE, PITCH = 85.0, 553.0, 14.0, 16.1
CHAR = 6.6  # width of a character at 14 pt, roughly


def printed(text: str, row: int, *, x0: float = LEFT, x1: float | None = None, size: float = SIZE,
            bold: bool = False, top0: float = 100.0) -> Line:
    """A printed line: ``row`` lines down the page, ending at ``x1`` (default: its text's width)."""
    top = top0 + row * PITCH
    end = x1 if x1 is not None else min(RIGHT, x0 + len(text) * CHAR)
    return Line(text, (x0, top, end, top + size), size, bold)


def document(*pages: list[Line], sizes: list[PageSize] | None = None):
    sizes = sizes or [PageSize(i + 1, 595.0, 842.0) for i in range(len(pages))]
    raw = RawDocument(["\n".join(ln.text for ln in page) for page in pages], "application/pdf",
                      lines=list(pages), page_sizes=sizes)
    return build_document(raw, SOURCE)


def texts(doc) -> list[str]:
    return [doc.text[b.start:b.end] for b in doc.blocks]


# ---------------------------------------------------------------------------- joining, by geometry


def test_lines_that_fill_the_column_are_joined_into_a_paragraph() -> None:
    doc = document([
        printed("Căn cứ Nghị định số 91/2017/NĐ-CP ngày 31 tháng 7 năm 2017 của Chính", 0, x0=113.4, x1=RIGHT),
        printed("phủ quy định chi tiết thi hành một số điều của Luật Thi đua, khen", 1, x1=552.4),
        printed("thưởng;", 2),
        printed("Căn cứ Kế hoạch số 1043/KH-", 3, x0=113.4, x1=RIGHT),
        printed("UBND ngày 20/8/", 4, x1=RIGHT - 20),
        printed("2021 của UBND tỉnh.", 5),
    ])
    assert texts(doc) == [
        "Căn cứ Nghị định số 91/2017/NĐ-CP ngày 31 tháng 7 năm 2017 của Chính phủ quy định chi tiết thi "
        "hành một số điều của Luật Thi đua, khen thưởng;",
        "Căn cứ Kế hoạch số 1043/KH-UBND ngày 20/8/2021 của UBND tỉnh.",
    ]
    assert [b.kind for b in doc.blocks] == ["paragraph", "paragraph"]


@pytest.mark.parametrize("case, second, joined", [
    ("a short line ends its paragraph", printed("Mục tiêu đến năm 2025.", 1), False),
    ("a first-line indent starts a paragraph", printed("Mục tiêu đến năm 2025 có 400 hợp tác xã", 1, x0=113.4), False),
    ("a wider gap than the line pitch", printed("có 400 hợp tác xã", 3), False),
    ("a new list item", printed("- Mục tiêu đến năm 2025", 1), False),
    ("a numbered item", printed("2. Nội dung thi đua", 1), False),
    ("another type size", printed("có 400 hợp tác xã", 1, size=12.0), False),
    ("bold after regular", printed("có 400 hợp tác xã", 1, bold=True), False),
    ("a capital after a full stop", printed("Phong trào thi đua được", 1), None),
    ("a continuation in lower case", printed("có 400 hợp tác xã", 1), True),
    ("a range across the break", printed("- 2025 trên địa bàn tỉnh", 1), True),
])
def test_when_a_line_break_is_soft(case: str, second: Line, joined: bool | None) -> None:
    ends = "năm 2021" if "range" in case else ("năm 2021." if joined is None else "phấn đấu đến năm 2025")
    first = printed(f"Kế hoạch thực hiện giai đoạn {ends}", 0, x1=RIGHT)
    if case.startswith("a short line"):
        first = printed("Mục đích của kế hoạch", 0)
    doc = document([first, second])
    assert (len(doc.blocks) == 1) == bool(joined), case


def test_a_centred_title_over_several_lines_is_one_heading_header_lines_are_not() -> None:
    doc = document([
        printed("ỦY BAN NHÂN DÂN TỈNH", 0, x0=230, x1=365, bold=True),
        printed("BAN THI ĐUA - KHEN THƯỞNG", 1, x0=210, x1=385, bold=True),
        printed("KẾ HOẠCH", 3, x0=274, x1=334, bold=True),
        printed("Tổ chức phong trào thi đua đổi mới, phát triển", 4, x0=160, x1=460, bold=True),
        printed("kinh tế tập thể giai đoạn 2021 - 2025", 5, x0=190, x1=430, bold=True),
        printed("Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;", 7, x0=113.4),
    ])
    assert texts(doc)[:4] == ["ỦY BAN NHÂN DÂN TỈNH", "BAN THI ĐUA - KHEN THƯỞNG", "KẾ HOẠCH",
                              "Tổ chức phong trào thi đua đổi mới, phát triển kinh tế tập thể giai đoạn 2021 - 2025"]
    roles = {doc.text[b.start:b.end]: b.role for b in doc.blocks}
    assert roles["KẾ HOẠCH"] == "kind"
    assert roles["Tổ chức phong trào thi đua đổi mới, phát triển kinh tế tập thể giai đoạn 2021 - 2025"] == "title"


# ---------------------------------------------------------------------------- the official header


def two_column_header() -> list[Line]:
    """The header as a PDF reader gives it: each printed row cut at the gap between the columns."""
    return [
        printed("ỦY BAN NHÂN DÂN", 0, x0=105, x1=215, bold=True),
        printed("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 0, x0=270, x1=533, bold=True),
        printed("TỈNH QUẢNG BÌNH", 1, x0=110, x1=210, bold=True),
        printed("Độc lập - Tự do - Hạnh phúc", 1, x0=320, x1=494, bold=True),
        printed("Số: 672/KH-UBND", 3, x0=103, x1=215),
        printed("Quảng Bình, ngày 12 tháng 3 năm 2024", 3, x0=300, x1=518),
        printed("KẾ HOẠCH", 5, x0=274, x1=334, bold=True),
        printed("Triển khai phong trào thi đua năm 2024", 6, x0=180, x1=430, bold=True),
        printed("Thực hiện Kế hoạch số 12/KH-UBND ngày 05/01/2024 của Ủy ban nhân dân", 8, x0=113.4, x1=RIGHT),
        printed("tỉnh về công tác thi đua, khen thưởng năm 2024.", 9),
    ]


def test_two_column_header_comes_out_column_by_column_with_roles() -> None:
    doc = document(two_column_header())
    header = [(doc.text[b.start:b.end], b.role) for b in doc.blocks if b.kind == "header"]
    assert header == [
        ("ỦY BAN NHÂN DÂN", "issuer"), ("TỈNH QUẢNG BÌNH", "issuer"), ("Số: 672/KH-UBND", "number"),
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "motto"), ("Độc lập - Tự do - Hạnh phúc", "motto"),
        ("Quảng Bình, ngày 12 tháng 3 năm 2024", "place_date"),
    ]
    rest = [(doc.text[b.start:b.end], b.kind, b.role) for b in doc.blocks if b.kind != "header"]
    assert rest == [
        ("KẾ HOẠCH", "heading", "kind"),
        ("Triển khai phong trào thi đua năm 2024", "heading", "title"),
        ("Thực hiện Kế hoạch số 12/KH-UBND ngày 05/01/2024 của Ủy ban nhân dân tỉnh về công tác thi đua, "
         "khen thưởng năm 2024.", "paragraph", None),
    ]
    for block in doc.blocks:
        assert block.bbox is not None and block.page == 1


@pytest.mark.parametrize("text, column, role", [
    ("ĐẢNG BỘ TỈNH QUẢNG NGÃI", 0, "issuer"),
    ("TỈNH ỦY", 0, "issuer"),
    ("Số 45-KH/TU", 0, "number"),
    ("Số:      /KH-UBND", 0, "number"),
    ("V/v triển khai phong trào thi đua", 0, "title"),
    ("ĐẢNG CỘNG SẢN VIỆT NAM", 1, "motto"),
    ("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", 1, "motto"),
    ("Độc lập – Tự do – Hạnh phúc", 1, "motto"),
    ("---------------", 1, "motto"),
    ("Quảng Ngãi, ngày 12 tháng 3 năm 2023", 1, "place_date"),
    ("Hà Nội, ngày      tháng 8 năm 2017", 1, "place_date"),
])
def test_header_roles(text: str, column: int, role: str) -> None:
    assert header_role(text, column) == role


def docx_with_header_table(tmp_path) -> bytes:
    document_ = docx.Document()
    table = document_.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.paragraphs[0].text = "UBND TỈNH QUẢNG BÌNH"
    left.add_paragraph("SỞ TƯ PHÁP")
    left.add_paragraph("Số: 2753/TTr-STP")
    right.paragraphs[0].text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    right.add_paragraph("Độc lập - Tự do - Hạnh phúc")
    right.add_paragraph("Quảng Bình, ngày 28 tháng 9 năm 2022")
    document_.add_paragraph("TỜ TRÌNH")
    document_.add_paragraph("Về việc đề nghị khen thưởng")
    body = document_.add_table(rows=2, cols=2)
    body.rows[0].cells[0].text, body.rows[0].cells[1].text = "Chỉ tiêu", "Năm 2025"
    body.rows[1].cells[0].text, body.rows[1].cells[1].text = "Số hợp tác xã", "400"
    buffer = io.BytesIO()
    document_.save(buffer)
    return buffer.getvalue()


def test_docx_header_table_cells_are_the_header_block(tmp_path) -> None:
    raw = docx_reader.read(docx_with_header_table(tmp_path), "t.docx")
    doc = build_document(raw, SOURCE)
    blocks = [(doc.text[b.start:b.end], b.kind, b.role) for b in doc.blocks]
    assert blocks == [
        ("UBND TỈNH QUẢNG BÌNH", "header", "issuer"), ("SỞ TƯ PHÁP", "header", "issuer"),
        ("Số: 2753/TTr-STP", "header", "number"),
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "header", "motto"),
        ("Độc lập - Tự do - Hạnh phúc", "header", "motto"),
        ("Quảng Bình, ngày 28 tháng 9 năm 2022", "header", "place_date"),
        ("TỜ TRÌNH", "heading", None), ("Về việc đề nghị khen thưởng", "paragraph", None),
        ("Chỉ tiêu | Năm 2025", "table_row", None), ("Số hợp tác xã | 400", "table_row", None),
    ]


# ---------------------------------------------------------------------------- pages


def test_page_numbers_and_running_headers_are_marked_and_paragraphs_run_on_across_pages() -> None:
    def page(n: int, body: list[Line]) -> list[Line]:
        return [printed("CÔNG BÁO/Số 45 + 46/Ngày 12-01-2024", -3, x0=200, x1=400), *body,
                printed(str(n), 44, x0=290, x1=300)]

    one = page(1, [printed("Điều 1. Phạm vi điều chỉnh", 0, x0=113.4, bold=True),
                   printed("Quyết định này quy định mức giá sản phẩm, dịch vụ công ích thủy lợi năm", 1, x0=113.4, x1=RIGHT)])
    two = page(2, [printed("2023 trên địa bàn tỉnh.", 0),
                   printed("Điều 2. Đối tượng áp dụng", 1, x0=113.4, bold=True)])
    three = page(3, [printed("Quyết định này có hiệu lực kể từ ngày ký.", 0, x0=113.4)])
    doc = document(one, two, three)
    kinds = [(b.kind, b.page, doc.text[b.start:b.end]) for b in doc.blocks]
    assert ("paragraph", 1, "Quyết định này quy định mức giá sản phẩm, dịch vụ công ích thủy lợi năm 2023 "
            "trên địa bàn tỉnh.") in kinds
    assert [k for k, _, _ in kinds].count("page_number") == 3
    assert [k for k, _, _ in kinds].count("page_header") == 3
    # the second page starts inside the paragraph that runs on to it
    start = doc.text.index("2023 trên địa bàn tỉnh.")
    assert doc.page_starts[1] == start and doc.page_at(start) == 2 and doc.page_at(start - 5) == 1
    assert doc.page_at(doc.text.index("Điều 2.")) == 2
    assert doc.page_at(doc.text.index("có hiệu lực")) == 3
    for block in doc.blocks:  # every block's page is the page of its first character
        assert doc.page_at(block.start) == block.page, doc.text[block.start:block.end]


def test_blocks_are_in_order_inside_the_text_and_cover_it() -> None:
    doc = document(two_column_header(), [printed("Nơi nhận:", 0), printed("- Như trên;", 1)])
    last = 0
    for block in doc.blocks:
        assert last <= block.start < block.end <= len(doc.text)
        assert doc.text[block.start:block.end] == doc.text[block.start:block.end].strip()
        last = block.end
    covered = "".join(doc.text[b.start:b.end] for b in doc.blocks)
    assert covered.replace(" ", "") == doc.text.replace("\n", "").replace(" ", "")


# ---------------------------------------------------------------------------- plain text


PARAGRAPH = ("Thực hiện Kế hoạch số 272/KH-UBND ngày 20/8/2021 của UBND tỉnh về việc phát động phong trào thi "
             "đua “Đổi mới, phát triển nâng cao hiệu quả hoạt động của kinh tế tập thể, hợp tác xã” giai đoạn "
             "2021-2030 trên địa bàn tỉnh, ngày 14/9/2021 Giám đốc Sở Khoa học và Công nghệ đã ban hành Kế hoạch "
             "số 1555/KH-SKHCN về tổ chức phong trào thi đua trên địa bàn tỉnh, trong đó phấn đấu đến năm 2025 "
             "hỗ trợ khoảng 10 tổ hợp tác, hợp tác xã ứng dụng khoa học và công nghệ vào sản xuất nông nghiệp "
             "và tiêu thụ nông sản; thực hiện truy xuất nguồn gốc đối với hàng hóa nông sản.")
ITEM = "- Mục tiêu đến năm 2030 có 20 tổ hợp tác, hợp tác xã được hỗ trợ ứng dụng khoa học và công nghệ."
#: Wrapped the way mail programs and text exports wrap: at a fixed width, between words.
WRAPPED = textwrap.fill(PARAGRAPH, 76) + "\n" + textwrap.fill(ITEM, 76, subsequent_indent="")


def test_plain_text_wrapped_at_a_fixed_width_is_reflowed() -> None:
    doc = build_document(RawDocument([WRAPPED], "text/plain", paged=False), SOURCE)
    assert WRAPPED.count("\n") >= 6
    assert doc.text == PARAGRAPH + "\n" + ITEM


@pytest.mark.parametrize("text", [
    "Kế hoạch số 12/KH-UBND\nNgày 12/3/2024\n\nMục tiêu đến năm 2025 có 400 hợp tác xã.",
    "STT | Chỉ tiêu | Năm 2025\n1 | Số hợp tác xã | 400\n2 | Số thành viên | 14.000\n3 | Tỷ lệ | 65,5\n"
    "4 | Doanh thu | 100\n5 | Lao động | 2.000\n6 | Tổ hợp tác | 30",
    "\n".join(f"Dòng thứ {i} của một văn bản có các dòng ngắn, mỗi dòng một ý riêng." for i in range(12)),
])
def test_plain_text_that_is_not_wrapped_keeps_its_lines(text: str) -> None:
    doc = build_document(RawDocument([text], "text/plain", paged=False), SOURCE)
    assert doc.text == text


@pytest.mark.parametrize("parts, joined", [
    (["Kế hoạch số 1043/KH-", "UBND ngày"], "Kế hoạch số 1043/KH-UBND ngày"),
    (["ngày 20/8/", "2021"], "ngày 20/8/2021"),
    (["giai đoạn 2021 -", "2025"], "giai đoạn 2021 - 2025"),
    (["hợp tác", "xã"], "hợp tác xã"),
])
def test_join_texts(parts: list[str], joined: str) -> None:
    assert join_texts(parts) == joined


@pytest.mark.parametrize("text, found", [
    ("I. MỤC ĐÍCH", ("I.", 1)), ("1. Mục tiêu", ("1.", 2)), ("1.2. Chỉ tiêu", ("1.2.", 3)),
    ("a) Đối với tập thể", ("a)", 5)), ("- Nội dung", ("-", 6)), ("+ Tiêu chí", ("+", 7)),
    ("Điều 3. Hiệu lực", ("Điều 3.", 1)), ("2025 có 400", None), ("14.000 người", None),
])
def test_markers(text: str, found) -> None:
    assert marker_of(text) == found


# ---------------------------------------------------------------------------- properties

WORDS = st.sampled_from(["Kế", "hoạch", "số", "12/KH-UBND", "ngày", "20/8/2021", "thi", "đua", "-", "1.", "a)",
                         "HỢP", "TÁC", "XÃ", "năm", "2025", "có", "400", "|", "V/v", "Số:"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.tuples(st.lists(WORDS, min_size=1, max_size=12), st.floats(60, 400),
                                   st.floats(0, 3), st.booleans()), min_size=0, max_size=12),
                min_size=1, max_size=3))
def test_blocks_and_pages_stay_consistent_whatever_the_lines(pages) -> None:
    """Whatever lines a reader hands over, every block is a stripped span of the text in order,
    and every block's page is the page its first character is on."""
    built = []
    for page in pages:
        lines, row = [], 0.0
        for words, x0, gap, bold in page:
            text = " ".join(words)
            row += 1 + gap
            lines.append(Line(text, (x0, 80 + row * PITCH, min(560.0, x0 + len(text) * CHAR), 80 + row * PITCH + SIZE),
                              SIZE, bold))
        built.append(lines)
    doc = document(*built)
    last = 0
    for block in doc.blocks:
        assert last <= block.start < block.end <= len(doc.text)
        assert doc.text[block.start:block.end].strip() == doc.text[block.start:block.end]
        assert doc.page_at(block.start) == block.page
        last = block.end
    assert doc.page_starts == sorted(doc.page_starts)
