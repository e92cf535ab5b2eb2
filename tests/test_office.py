"""Word ``.doc`` and RTF through LibreOffice, and the font-aware DOCX reader.

Every input is generated here: DOCX packages written by hand (runs in ``.VnTime``,
``.VnTimeH`` and ``VNI-Times`` fonts, text encoded with :func:`pipeline.ingest.legacy.encode`,
fonts set on runs, character styles, paragraph styles and document defaults), OLE2
compound files written by hand, and ``.doc``/``.rtf`` files made from the DOCX by
LibreOffice itself. Tests that need LibreOffice skip when it is not installed. When
``../shared/realdocs`` exists, its ``.doc`` and ``.rtf`` files are read too, and compared
with their Unicode transcripts where there is one.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import time
import unicodedata
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from pipeline.core.model import CELL_SEPARATOR
from pipeline.errors import (
    ConverterMissing,
    EncryptedDocument,
    ReaderError,
    UnsupportedFormat,
)
from pipeline.ingest import legacy
from pipeline.ingest.readers import detect_format, office, read_bytes
from pipeline.ingest.readers import doc as doc_reader
from pipeline.ingest.readers import docx as docx_reader
from pipeline.ingest.readers import rtf as rtf_reader
from pipeline.run.process import process_bytes

REALDOCS = Path(__file__).resolve().parents[1].parent / "shared" / "realdocs"
SOFFICE = office.find_converter()
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TCVN3, VNI = "tcvn3", "vni"


def squash(text: str) -> str:
    """NFC text with every whitespace run made one space (and soft hyphens dropped)."""
    return " ".join(unicodedata.normalize("NFC", text).replace("\u00ad", "").split())


# --------------------------------------------------------------------------- DOCX packages


def _text_xml(text: str) -> str:
    """Run content for ``text``: ``w:t`` pieces, with tabs, breaks and soft hyphens as elements."""
    out, piece = [], []

    def flush() -> None:
        if piece:
            out.append(f'<w:t xml:space="preserve">{escape("".join(piece))}</w:t>')
            piece.clear()

    for ch in text:
        element = {"\t": "<w:tab/>", "\n": "<w:br/>", "\u00ad": "<w:softHyphen/>"}.get(ch)
        if element:
            flush()
            out.append(element)
        else:
            piece.append(ch)
    flush()
    return "".join(out)


def run(text: str, font: str | None = None, *, style: str | None = None, extra: str = "") -> str:
    props = ""
    if style:
        props += f'<w:rStyle w:val="{style}"/>'
    if font:
        props += f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:cs="{font}"/>'
    props += extra
    return f"<w:r>{f'<w:rPr>{props}</w:rPr>' if props else ''}{_text_xml(text)}</w:r>"


def para(*runs: str, style: str | None = None) -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{ppr}{''.join(runs)}</w:p>"


def table(rows: list[list[str]]) -> str:
    width = 9000 // max(len(row) for row in rows)
    cells = "".join("<w:tr>" + "".join(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>{cell}</w:tc>'
                                       for cell in row) + "</w:tr>" for row in rows)
    grid = f'<w:gridCol w:w="{width}"/>' * max(len(row) for row in rows)
    return f'<w:tbl><w:tblPr><w:tblW w:w="9000" w:type="dxa"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{cells}</w:tbl>'


def style(style_id: str, kind: str = "paragraph", *, font: str | None = None, based_on: str | None = None,
          default: bool = False) -> str:
    fonts = f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}"/></w:rPr>' if font else ""
    based = f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
    flag = ' w:default="1"' if default else ""
    return (f'<w:style w:type="{kind}"{flag} w:styleId="{style_id}"><w:name w:val="{style_id}"/>'
            f"{based}{fonts}</w:style>")


def package(body: str, *, styles: str = "", default_font: str = "Times New Roman", normal_font: str | None = None,
            footnotes: str = "") -> bytes:
    """A minimal DOCX: document, styles (document default font, "Normal" style) and footnotes."""
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
        '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>'
        "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        "</Relationships>"
    )
    doc_rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/>'
        "</Relationships>"
    )
    styles_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="{W_NS}"><w:docDefaults><w:rPrDefault><w:rPr>'
        f'<w:rFonts w:ascii="{default_font}" w:hAnsi="{default_font}"/></w:rPr></w:rPrDefault></w:docDefaults>'
        f'{style("Normal", default=True, font=normal_font)}{styles}</w:styles>'
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}" xmlns:mc="{MC_NS}" xmlns:r="{R_NS}" '
        'xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        f'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"><w:body>{body}'
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>'
    )
    notes = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:footnotes xmlns:w="{W_NS}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        f"{footnotes}</w:footnotes>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("word/_rels/document.xml.rels", doc_rels)
        archive.writestr("word/document.xml", document)
        archive.writestr("word/styles.xml", styles_xml)
        archive.writestr("word/footnotes.xml", notes)
    return buffer.getvalue()


def tcvn3(text: str) -> str:
    return legacy.encode(text, TCVN3)


def vni(text: str) -> str:
    return legacy.encode(text, VNI)


LEGACY_STYLES = (
    style("VnBody", font=".VnTime", based_on="Normal")
    + style("VnChild", based_on="VnBody")
    + style("VniChar", "character", font="VNI-Times")
)
#: Paragraphs of a document mixing Unicode runs with TCVN3 and VNI runs, and what they read as.
LEGACY_PARAGRAPHS = [
    (para(run("Kế hoạch số 12/KH-UBND ", "Times New Roman"), run(tcvn3("về phát triển kinh tế tập thể"), ".VnTime")),
     "Kế hoạch số 12/KH-UBND về phát triển kinh tế tập thể"),
    (para(run(tcvn3("quyết định"), ".VnTimeH")), "QUYẾT ĐỊNH"),
    (para(run(vni("Ủy ban nhân dân tỉnh Đồng Nai"), "VNI-Times")), "Ủy ban nhân dân tỉnh Đồng Nai"),
    (para(run(tcvn3("Thủ tướng Chính phủ giao nhiệm vụ")), style="VnChild"), "Thủ tướng Chính phủ giao nhiệm vụ"),
    (para(run("Gửi: ", "Arial"), run(vni("Sở Tài chính"), style="VniChar")), "Gửi: Sở Tài chính"),
    (para(run("Đã là Unicode: tổ chức phường", ".VnTime")), "Đã là Unicode: tổ chức phường"),
]
LEGACY_TABLE = [
    [para(run(tcvn3("Số thứ tự"), ".VnTime")), para(run(vni("Nội dung"), "VNI-Times"))],
    [para(run("1", ".VnTime")), para(run(tcvn3("Hỗ trợ hợp tác xã"), ".VnTime"))],
]
LEGACY_TABLE_LINES = ["Số thứ tự | Nội dung", "1 | Hỗ trợ hợp tác xã"]


def legacy_docx() -> bytes:
    # Word documents end with a paragraph, never with a table
    body = "".join(xml for xml, _ in LEGACY_PARAGRAPHS) + table(LEGACY_TABLE) + para(run(tcvn3("Nơi nhận"), ".VnTime"))
    return package(body, styles=LEGACY_STYLES)


def legacy_expected() -> list[str]:
    return [text for _, text in LEGACY_PARAGRAPHS] + LEGACY_TABLE_LINES + ["Nơi nhận"]


# --------------------------------------------------------------------------- OLE2 files


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file (512-byte sectors) holding ``streams`` (each padded to 4 KiB)."""
    assert len(streams) <= 3
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    fat = [fat_sector, end]  # sector 0: the FAT, sector 1: the directory
    data_sectors, entries = b"", []
    next_sector = 2
    for name, content in streams.items():
        content = content.ljust(4096, b"\0")
        count = -(-len(content) // 512)
        fat += [next_sector + i + 1 for i in range(count - 1)] + [end]
        entries.append((name, 2, next_sector, len(content)))
        data_sectors += content.ljust(count * 512, b"\0")
        next_sector += count
    assert len(fat) <= 128
    header = bytearray(512)
    header[:8] = doc_reader.OLE_MAGIC
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([free] * 108))

    def entry(name: str, kind: int, start: int, size: int, child: int = free, right: int = free) -> bytes:
        raw = bytearray(128)
        encoded = name.encode("utf-16-le")
        raw[:len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 64, len(encoded) + 2, kind, 1)
        struct.pack_into("<III", raw, 68, free, right, child)
        struct.pack_into("<IQ", raw, 116, start, size)
        return bytes(raw)

    directory = entry("Root Entry", 5, end, 0, child=1 if entries else free)
    for i, (name, kind, start, size) in enumerate(entries):
        directory += entry(name, kind, start, size, right=i + 2 if i + 1 < len(entries) else free)
    directory = directory.ljust(512, b"\0")
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat).ljust(512, b"\xff")
    return bytes(header) + fat_bytes + directory + data_sectors


def fib(n_fib: int = 0xC1, flags: int = 0) -> bytes:
    """The start of a Word ``WordDocument`` stream: the FIB's identifier, version and flags."""
    return struct.pack("<HHHHHH", 0xA5EC, n_fib, 0, 0x0409, 0, flags) + b"\0" * 500


# --------------------------------------------------------------------------- LibreOffice


def soffice_convert(source: Path, target: str, outdir: Path) -> Path:
    """Convert ``source`` with LibreOffice to ``target`` ("doc", "rtf"); returns the new file."""
    assert SOFFICE is not None
    profile = outdir / "profile"
    filters = {"doc": "doc:MS Word 97", "rtf": "rtf:Rich Text Format"}
    subprocess.run([SOFFICE.path, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                    "--convert-to", filters[target], "--outdir", str(outdir), str(source)],
                   check=True, capture_output=True, timeout=180)
    result = outdir / f"{source.stem}.{target}"
    assert result.is_file(), f"LibreOffice wrote no {target}"
    return result


@pytest.fixture(scope="module")
def legacy_office_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The legacy-font DOCX, and the .doc and .rtf LibreOffice makes of it."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("office")
    source = folder / "legacy.docx"
    source.write_bytes(legacy_docx())
    return {"docx": source.read_bytes(),
            "doc": soffice_convert(source, "doc", folder).read_bytes(),
            "rtf": soffice_convert(source, "rtf", folder).read_bytes()}


# --------------------------------------------------------------------------- DOCX reader


def test_docx_legacy_fonts_decoded_per_run() -> None:
    raw = read_bytes(legacy_docx(), "legacy.docx")
    assert raw.pages[0].split("\n") == legacy_expected()
    assert raw.ingest["reader"] == "docx"
    encoding = raw.ingest["encoding"]
    assert set(encoding["detected"]) == {TCVN3, VNI}
    assert "font" in encoding["methods"]
    assert any("TCVN3" in w and "VNI" in w for w in raw.warnings), raw.warnings


def test_docx_unicode_only_has_no_encoding_report() -> None:
    raw = read_bytes(package(para(run("Kế hoạch số 12/KH-UBND", "Times New Roman"))), "plain.docx")
    assert raw.pages == ["Kế hoạch số 12/KH-UBND"]
    assert "encoding" not in raw.ingest and raw.warnings == []


@pytest.mark.parametrize("font", [".VnTime", ".VnTimeH", "VNI-Times"])
def test_docx_document_default_font(font: str) -> None:
    """Runs naming no font, in a paragraph without a style, use the document default font."""
    text = "Quyết định phê duyệt quy hoạch"
    encoded = vni(text) if font.startswith("VNI") else tcvn3(text.lower() if font.endswith("H") else text)
    raw = read_bytes(package(para(run(encoded)), default_font=font), "defaults.docx")
    assert raw.pages == [text.upper() if font.endswith("H") else text]


def test_docx_default_paragraph_style_font() -> None:
    """A paragraph without ``w:pStyle`` takes the default paragraph style, and its font."""
    raw = read_bytes(package(para(run(tcvn3("Điều 1. Phạm vi điều chỉnh"))), normal_font=".VnTime"), "style.docx")
    assert raw.pages == ["Điều 1. Phạm vi điều chỉnh"]


def test_docx_run_font_overrides_style_font() -> None:
    body = para(run(tcvn3("Căn cứ Luật"), ".VnTime"), run(" và Nghị định", "Times New Roman"), style="VnBody")
    raw = read_bytes(package(body, styles=LEGACY_STYLES), "override.docx")
    assert raw.pages == ["Căn cứ Luật và Nghị định"]


def test_docx_theme_font_is_not_legacy() -> None:
    theme_run = ('<w:r><w:rPr><w:rFonts w:asciiTheme="minorHAnsi" w:hAnsiTheme="minorHAnsi"/></w:rPr>'
                 "<w:t>Đồng Nai</w:t></w:r>")
    raw = read_bytes(package(para(theme_run), default_font=".VnTime"), "theme.docx")
    assert raw.pages == ["Đồng Nai"]


def test_docx_soft_hyphen_is_tcvn3_u_horn_in_legacy_font() -> None:
    encoded = tcvn3("Thủ tướng Chính phủ; người dân; trường học")
    assert "\u00ad" in encoded  # TCVN3 puts "ư" at 0xAD, the soft hyphen's code
    raw = read_bytes(package(para(run(encoded, ".VnTime"))), "hyphen.docx")
    assert raw.pages == ["Thủ tướng Chính phủ; người dân; trường học"]


def test_docx_soft_hyphen_kept_in_unicode_font() -> None:
    raw = read_bytes(package(para(run("hợp\u00adtác xã", "Times New Roman"))), "hyphen.docx")
    assert raw.pages == ["hợp\u00adtác xã"]
    record = process_bytes(package(para(run("Kế hoạch hợp\u00adtác xã", "Times New Roman"))), "hyphen.docx")
    assert "hợptác xã" in record["text"]


def test_docx_vni_split_across_runs_of_same_font() -> None:
    """VNI writes a toned letter as two characters; a run boundary between them is harmless."""
    encoded = vni("Quyết định")
    body = para(*(run(ch, "VNI-Times", extra="<w:b/>" if i % 2 else "") for i, ch in enumerate(encoded)))
    assert read_bytes(package(body), "split.docx").pages == ["Quyết định"]


def test_docx_runs_in_wrappers_fields_boxes_and_notes() -> None:
    legacy_run = run(tcvn3("phát triển"), ".VnTime")
    text_box = (
        "<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wp:anchor><wps:wsp><wps:txbx>"
        f"<w:txbxContent>{para(run(tcvn3('Dự thảo lần 2'), '.VnTime'))}</w:txbxContent>"
        "</wps:txbx></wps:wsp></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>"
        f"<w:txbxContent>{para(run(tcvn3('Dự thảo lần 2'), '.VnTime'))}</w:txbxContent>"
        "</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )
    page_field = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>7</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )
    ref_field = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> REF _Ref1 \\h </w:instrText></w:r>'
        f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{run(tcvn3("Điều 5"), ".VnTime")}'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )
    body = (
        para(run("Kế hoạch ", "Arial"), f'<w:hyperlink r:id="rId9">{legacy_run}</w:hyperlink>',
             f'<w:ins w:id="1" w:author="a">{run(" kinh tế", "Arial")}</w:ins>',
             f'<w:del w:id="2" w:author="a"><w:r><w:delText> bị xoá</w:delText></w:r></w:del>',
             f'<w:smartTag w:element="place">{run(tcvn3(" tập thể"), ".VnTime")}</w:smartTag>',
             text_box)
        + para(run("Trang ", "Arial"), '<w:fldSimple w:instr=" PAGE "><w:r><w:t>3</w:t></w:r></w:fldSimple>', page_field,
               run(" theo ", "Arial"), ref_field,
               '<w:r><w:sym w:font="Symbol" w:char="F0B3"/><w:t>5</w:t></w:r>')
        + f'<w:sdt><w:sdtPr/><w:sdtContent>{para(run(vni("Nơi nhận"), "VNI-Times"))}</w:sdtContent></w:sdt>'
    )
    notes = f'<w:footnote w:id="1">{para(run(tcvn3("Ghi chú cuối trang"), ".VnTime"))}</w:footnote>'
    raw = read_bytes(package(body, footnotes=notes), "wrappers.docx")
    assert raw.pages[0].split("\n") == [
        "Kế hoạch phát triển kinh tế tập thể",
        "Dự thảo lần 2",
        "Trang  theo Điều 5≥5",
        "Nơi nhận",
        "",
        "Ghi chú cuối trang",
    ]


def test_docx_legacy_table_cells() -> None:
    merged = ('<w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr>' + para(run(tcvn3("Tỉnh"), ".VnTime")) + "</w:tc>")
    below = '<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>'
    rows = (f"<w:tr>{merged}<w:tc>{para(run('1', 'Arial'))}</w:tc></w:tr>"
            f"<w:tr>{below}<w:tc>{para(run(vni('Hải Dương'), 'VNI-Times'))}</w:tc></w:tr>")
    raw = read_bytes(package(f"<w:tbl><w:tblPr/>{rows}</w:tbl>"), "table.docx")
    assert raw.pages == ["Tỉnh | 1\nHải Dương"]


def test_docx_style_resolution_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fonts are looked up once per style and per font name, not once per run."""
    calls: list[str | None] = []
    original = legacy.font_encoding

    def counting(name: str | None):
        calls.append(name)
        return original(name)

    monkeypatch.setattr(legacy, "font_encoding", counting)
    docx_reader.font_encoding.cache_clear()
    body = "".join(para(run(tcvn3("Điều khoản")), style="VnChild") for _ in range(300))
    raw = read_bytes(package(body, styles=LEGACY_STYLES), "many.docx")
    docx_reader.font_encoding.cache_clear()
    assert raw.pages[0].split("\n") == ["Điều khoản"] * 300
    assert len(calls) <= 2


# --------------------------------------------------------------------------- format detection


def test_doc_sniff_needs_word_document_stream() -> None:
    word = ole_file({"WordDocument": fib(), "1Table": b"\0" * 10})
    excel = ole_file({"Workbook": b"\x09\x08" + b"\0" * 100})
    assert doc_reader.sniff(word)
    assert not doc_reader.sniff(excel)
    assert detect_format(word, "x.bin").name == "doc"
    with pytest.raises(UnsupportedFormat):
        detect_format(excel, "sheet.doc")  # an .xls renamed .doc is not taken as Word
    record = process_bytes(excel, "sheet.doc")
    assert record["status"] == "failed" and record["errors"][0]["code"] == "unsupported_format"


@pytest.mark.parametrize("data, expected", [
    (b"{\\rtf1\\ansi Hello}", True),
    (b"\xef\xbb\xbf{\\rtf1 x}", True),
    (b"\r\n  {\\rtf1 x}", True),
    (b"{\\rt", False),
    (b"rtf1 {\\rtf", False),
])
def test_rtf_sniff(data: bytes, expected: bool) -> None:
    assert rtf_reader.sniff(data) is expected


def test_rtf_detected_before_text() -> None:
    assert detect_format(b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} Hello}", "doc.txt").name == "rtf"


# --------------------------------------------------------------------------- failures


def test_corrupt_doc_fails_cleanly() -> None:
    data = doc_reader.OLE_MAGIC + bytes(range(256)) * 20
    assert detect_format(data, "broken.doc").name == "doc"
    record = process_bytes(data, "broken.doc")
    assert record["status"] == "failed" and record["text"] is None
    error = record["errors"][0]
    assert error["code"] == "unreadable" and error["stage"] == "read"
    assert "corrupt Word document" in error["message"]


def test_truncated_doc_fails_cleanly() -> None:
    data = ole_file({"WordDocument": fib() + b"x" * 8000})[:1500]
    record = process_bytes(data, "truncated.doc")
    assert record["status"] == "failed" and record["errors"][0]["stage"] == "read"


@pytest.mark.parametrize("flags", [0x0100, 0x0100 | 0x8000])
def test_encrypted_doc(flags: int) -> None:
    record = process_bytes(ole_file({"WordDocument": fib(flags=flags), "1Table": b"\0"}), "secret.doc")
    assert record["status"] == "failed"
    assert record["errors"][0]["code"] == "encrypted"


def test_encrypted_ooxml_package() -> None:
    data = ole_file({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\0" * 64})
    with pytest.raises(EncryptedDocument):
        read_bytes(data, "secret.docx")


def test_converter_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "find_converter", lambda: None)
    for data, name in ((ole_file({"WordDocument": fib(), "1Table": b"\0"}), "plan.doc"),
                       (b"{\\rtf1\\ansi Hello}", "plan.rtf")):
        record = process_bytes(data, name)
        assert record["status"] == "failed", name
        error = record["errors"][0]
        assert error["code"] == "converter_missing" and error["stage"] == "read"
        assert "libreoffice-writer-nogui" in error["hint"] and "scripts/setup.sh" in error["hint"]
    with pytest.raises(ConverterMissing):
        office.require_converter()


@needs_soffice
def test_doc_that_libreoffice_cannot_load() -> None:
    """A valid container with a Word header but no Word content: LibreOffice's error, not a crash."""
    with pytest.raises(ReaderError):
        read_bytes(ole_file({"WordDocument": fib() + b"\x07" * 3000, "1Table": b"\0" * 50}), "empty.doc")


def test_conversion_timeout_kills_process_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pids = tmp_path / "pids"
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\nsleep 60 &\necho $! >> {pids}\necho $$ >> {pids}\nwait\n")
    fake.chmod(0o755)
    monkeypatch.setattr(office, "find_converter", lambda: office.Converter(str(fake), "0.0"))
    started = time.monotonic()
    with pytest.raises(ReaderError, match="did not finish"):
        office.convert_to_docx(b"{\\rtf1 x}", "slow.rtf", suffix=".rtf", timeout=1.0)
    assert time.monotonic() - started < 15
    for pid in map(int, pids.read_text().split()):
        deadline = time.monotonic() + 5
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid), f"process {pid} survived the timeout"


def _alive(pid: int) -> bool:
    """True for a running process (a zombie waiting to be reaped counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


# --------------------------------------------------------------------------- through LibreOffice


@needs_soffice
@pytest.mark.parametrize("kind", ["doc", "rtf"])
def test_legacy_doc_and_rtf_round_trip(kind: str, legacy_office_files: dict[str, bytes]) -> None:
    data = legacy_office_files[kind]
    expected_reader = {"doc": "doc", "rtf": "rtf"}[kind]
    assert detect_format(data, f"legacy.{kind}").name == expected_reader
    raw = read_bytes(data, f"legacy.{kind}")
    assert raw.media_type == {"doc": "application/msword", "rtf": "application/rtf"}[kind]
    assert raw.ingest["reader"] == expected_reader
    assert raw.ingest["converter"] == SOFFICE.label and SOFFICE.label.startswith("libreoffice ")
    assert set(raw.ingest["encoding"]["detected"]) == {TCVN3, VNI}
    assert squash(raw.pages[0]) == squash("\n".join(legacy_expected()))
    assert raw.paged is False


@needs_soffice
def test_doc_through_process_bytes(legacy_office_files: dict[str, bytes]) -> None:
    record = process_bytes(legacy_office_files["doc"], "legacy.doc")
    assert record["status"] in ("ok", "partial")
    assert record["source"]["media_type"] == "application/msword"
    assert record["ingest"]["reader"] == "doc" and record["ingest"]["converter"].startswith("libreoffice")
    assert "Ủy ban nhân dân tỉnh Đồng Nai" in record["text"]


@needs_soffice
def test_handwritten_rtf_with_vntime_font() -> None:
    def rtf_escape(text: str) -> str:
        out = []
        for ch in text:
            code = ord(ch)
            if ch in "\\{}":
                out.append("\\" + ch)
            elif code < 128:
                out.append(ch)
            elif code < 256:
                out.append(f"\\'{code:02x}")
            else:
                out.append(f"\\u{code if code < 32768 else code - 65536}?")
        return "".join(out)

    heading, body = "ủy ban nhân dân", "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"
    rtf = (
        "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\froman Times New Roman;}{\\f1\\fnil .VnTime;}"
        "{\\f2\\fnil .VnTimeH;}}\n"
        f"\\pard\\plain\\f2\\fs26 {rtf_escape(tcvn3(heading))}\\par\n"
        f"\\pard\\plain\\f1\\fs26 {rtf_escape(tcvn3(body))}\\par\n"
        "\\pard\\plain\\f0 Times: K\\u7871? ho\\u7841?ch\\par}"
    )
    raw = read_bytes(rtf.encode("ascii"), "old.rtf")
    assert raw.pages[0].split("\n")[:3] == [heading.upper(), body, "Times: Kế hoạch"]
    assert raw.ingest["reader"] == "rtf" and raw.ingest["encoding"]["detected"] == [TCVN3]


@needs_soffice
def test_concurrent_conversions(legacy_office_files: dict[str, bytes]) -> None:
    inputs = [(legacy_office_files["doc"], "a.doc"), (legacy_office_files["rtf"], "b.rtf"),
              (legacy_office_files["doc"], "c.doc")]
    with ThreadPoolExecutor(max_workers=3) as pool:
        pages = list(pool.map(lambda item: read_bytes(*item).pages[0], inputs))
    assert len({squash(page) for page in pages}) == 1


# --------------------------------------------------------------------------- real documents


def _realdocs() -> list:
    if not REALDOCS.is_dir():
        return [pytest.param(None, id="realdocs-absent")]
    files = sorted(p for p in REALDOCS.iterdir() if p.suffix.lower() in (".doc", ".rtf"))
    return [pytest.param(p, id=p.name) for p in files] or [pytest.param(None, id="no-doc-files")]


@pytest.fixture(scope="module")
def realdoc_results() -> dict[Path, object]:
    """Every real ``.doc``/``.rtf`` read once, a few at a time: the RawDocument or the error."""
    paths = [p.values[0] for p in _realdocs() if p.values[0] is not None]
    if not paths or SOFFICE is None:
        return {}

    def read(path: Path):
        try:
            return read_bytes(path.read_bytes(), path.name)
        except ReaderError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return dict(zip(paths, pool.map(read, paths)))


def _cer(hypothesis: str, reference: str) -> float:
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(hypothesis, reference) / max(len(reference), 1)


#: Character error rate allowed against a published transcript (casefolded: the transcripts
#: do not upper-case text set in capitals fonts such as .VnTimeH; whitespace collapsed).
MAX_CER = 0.02


@pytest.mark.parametrize("path", _realdocs())
def test_realdocs_doc_and_rtf(path: Path | None, realdoc_results: dict[Path, object]) -> None:
    if path is None:
        pytest.skip(f"no .doc/.rtf files in {REALDOCS}")
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    result = realdoc_results[path]
    if isinstance(result, ReaderError):
        assert result.message and result.code, path.name
        print(f"{path.name}: {type(result).__name__}: {result}")
        return
    text = unicodedata.normalize("NFC", result.pages[0])
    assert any(ch in "ăâđêôơưĂÂĐÊÔƠƯ" for ch in text), f"{path.name}: no Vietnamese letters in {text[:200]!r}"
    assert result.ingest["converter"].startswith("libreoffice")
    transcripts = list(REALDOCS.glob(path.stem + ".GROUNDTRUTH*.txt"))
    if transcripts:
        reference = transcripts[0].read_text(encoding="utf-8-sig")
        # the transcripts separate table cells with blanks, where the reader writes " | "
        cer = _cer(squash(text.replace(CELL_SEPARATOR, " ")).casefold(), squash(reference).casefold())
        assert cer <= MAX_CER, f"{path.name}: character error rate {cer:.2%} against {transcripts[0].name}"
