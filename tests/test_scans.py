"""Scanned PDFs end to end: pages without a usable text layer are OCR'd, marked as such in the
record with their page numbers, and a file with nothing to read fails with a clear reason.

The scans are made here: corpus text rendered to PDF, then rasterised to an image-only PDF.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures import needs_font, render_pdf, scanned_pdf
from helpers import assert_grounded

from pipeline.ingest import ocr
from pipeline.ingest.limits import Limits
from pipeline.record.schema import validate
from pipeline.run.process import process_bytes

needs_ocr_engine = pytest.mark.skipif(ocr.engine() is None, reason="tesseract with the vie model is not installed")

HEADER = """ỦY BAN NHÂN DÂN
TỈNH BẾN TRE
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 318/KH-UBND
Bến Tre, ngày 22 tháng 01 năm 2025
KẾ HOẠCH
Phát triển kinh tế tập thể, hợp tác xã giai đoạn 2025 - 2027
Phấn đấu đến năm 2027 có 280 hợp tác xã, với 14.000 thành viên."""
SECOND = """II. TỔ CHỨC THỰC HIỆN
Sở Kế hoạch và Đầu tư là cơ quan thường trực, theo dõi, tổng hợp tình hình thực hiện Kế hoạch."""


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if render_pdf is None:  # pragma: no cover
        pytest.skip("no PDF renderer")
    return render_pdf(HEADER + "\f" + SECOND, tmp_path_factory.mktemp("scan") / "typed.pdf")


@pytest.fixture(scope="module")
def scan_record(typed: Path) -> dict:
    if ocr.engine() is None:
        pytest.skip("tesseract with the vie model is not installed")
    return process_bytes(scanned_pdf(typed), "scan.pdf", Limits())


@needs_font
@needs_ocr_engine
def test_scan_is_read_by_ocr(scan_record: dict) -> None:
    validate(scan_record)
    assert scan_record["status"] == "ok", scan_record["errors"]
    assert_grounded(scan_record)
    ingest = scan_record["ingest"]
    assert ingest["reader"] == "pdf" and ingest["ocr"]["pages"] == [1, 2]
    assert ingest["ocr"]["engine"].startswith("tesseract") and ingest["ocr"]["language"] == "vie"
    assert [d["page"] for d in ingest["ocr"]["details"]] == [1, 2]
    assert all("seconds" not in d for d in ingest["ocr"]["details"])
    assert "OCR'd pages: 1-2" in scan_record["warnings"]


@needs_font
@needs_ocr_engine
def test_scan_yields_number_date_issuer_and_targets(scan_record: dict) -> None:
    doc = scan_record["document"]
    assert (doc["kind"], doc["number"], doc["issued_on"]) == ("Kế hoạch", "318/KH-UBND", "2025-01-22")
    assert doc["issuer"] == "Ủy ban nhân dân tỉnh Bến Tre"
    assert doc["evidence"]["number"]["page"] == 1
    assert [(t["year"], t["value"]) for t in scan_record["targets"]] == [(2027, 280), (2027, 14000)]
    second_page = " ".join(scan_record["text"][b["start"]:b["end"]] for b in scan_record["blocks"] if b["page"] == 2)
    assert "Sở Kế hoạch và Đầu tư" in second_page


@needs_font
@needs_ocr_engine
def test_only_the_scanned_page_of_a_mixed_pdf_is_ocrd(typed: Path, tmp_path: Path) -> None:
    """Page 1 born-digital, page 2 a scan: OCR runs on page 2 only."""
    import pypdfium2 as pdfium

    scan = pdfium.PdfDocument(scanned_pdf(typed))
    mixed = pdfium.PdfDocument(str(typed))
    mixed.del_page(1)
    mixed.import_pages(scan, [1])
    path = tmp_path / "mixed.pdf"
    mixed.save(str(path))
    record = process_bytes(path.read_bytes(), "mixed.pdf", Limits())
    assert record["status"] == "ok", record["errors"]
    assert record["ingest"]["ocr"]["pages"] == [2]
    assert record["document"]["number"] == "318/KH-UBND"
    assert "thường trực" in record["text"]


@needs_font
def test_scan_without_ocr_fails_with_needs_ocr(typed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = scanned_pdf(typed)
    record = process_bytes(data, "scan.pdf", Limits(ocr=False))
    assert record["status"] == "failed"
    assert record["errors"][0]["code"] == "needs_ocr" and "turned off" in record["errors"][0]["message"]
    monkeypatch.setattr(ocr, "engine", lambda lang="vie": None)
    record = process_bytes(data, "scan.pdf", Limits())
    assert record["errors"][0]["code"] == "needs_ocr" and "no OCR engine" in record["errors"][0]["message"]
    validate(record)


@needs_font
@needs_ocr_engine
def test_blank_scan_is_no_text_never_an_empty_ok(typed: Path) -> None:
    record = process_bytes(scanned_pdf(typed, blank_pages=(1, 2)), "blank.pdf", Limits())
    assert record["status"] == "failed" and record["text"] is None
    assert record["errors"][0]["code"] == "no_text"
    validate(record)
