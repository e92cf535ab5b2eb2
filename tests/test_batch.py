"""End to end without Prefect: a batch with bad files still yields every other record."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document as DocxDocument
from helpers import assert_grounded

from pipeline.publish.catalog import read_catalog
from pipeline.record.schema import CATALOG_ENTRY_SCHEMA, problems
from pipeline.run.batch import collect_inputs, process_local, record_name

PLAN = ("Thực hiện Kế hoạch số 272/KH-UBND ngày 20/8/2021 của UBND tỉnh, ngày 14/9/2021 Sở Khoa học và Công nghệ "
        "đã ban hành Kế hoạch số 1555/KH-SKHCN về phong trào thi đua “Đổi mới” giai đoạn 2021 - 2025 trên địa bàn tỉnh Bình Phước.")


def make_inbox(root: Path) -> Path:
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "plan.txt").write_text(PLAN, encoding="utf-8")
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <</Type /Catalog>> garbage without xref")
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "binary.doc").write_bytes(bytes(range(256)) * 8)
    (inbox / "page.pdf").write_bytes(f"<!DOCTYPE html><html><body><p>{PLAN}</p></body></html>".encode())
    doc = DocxDocument()
    doc.add_paragraph(PLAN)
    doc.save(str(inbox / "plan.docx"))
    (inbox / "~$plan.docx").write_bytes(b"lock")
    (inbox / ".hidden.txt").write_text("x")
    (inbox / "copying.pdf.part").write_bytes(b"%PDF")
    return inbox


def test_batch_with_bad_files(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    out = tmp_path / "out"
    summary = process_local([inbox], out)
    by_name = {e["filename"]: e for e in summary.entries}
    assert set(by_name) == {"plan.txt", "broken.pdf", "empty.txt", "binary.doc", "page.pdf", "plan.docx"}
    assert summary.counts == {"ok": 3, "partial": 0, "failed": 3}
    for name in ("plan.txt", "page.pdf", "plan.docx"):
        record = json.loads((out / by_name[name]["record_path"]).read_text(encoding="utf-8"))
        assert record["document"]["number"] == "1555/KH-SKHCN", name
        assert [r["number"] for r in record["references"]] == ["272/KH-UBND"]
        assert problems(record) == []
        assert assert_grounded(record) > 0
    failed = {n: json.loads((out / by_name[n]["record_path"]).read_text(encoding="utf-8")) for n in ("broken.pdf", "empty.txt", "binary.doc")}
    assert failed["empty.txt"]["errors"][0]["code"] == "no_text"
    assert failed["binary.doc"]["errors"][0]["code"] == "unsupported_format"
    assert failed["broken.pdf"]["errors"][0]["stage"] == "read"
    for record in failed.values():
        assert record["status"] == "failed" and record["text"] is None
        assert record["errors"][0]["hint"]
        assert problems(record) == []
    catalog = read_catalog(out)
    assert len(catalog) == 6 and all(problems(e, CATALOG_ENTRY_SCHEMA) == [] for e in catalog)


def test_catalog_is_updated_not_duplicated(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    out = tmp_path / "out"
    process_local([inbox / "plan.txt"], out)
    process_local([inbox], out)
    process_local([inbox / "plan.txt"], out)
    names = [e["filename"] for e in read_catalog(out)]
    assert sorted(names) == sorted(set(names)) and len(names) == 6
    assert not list(out.rglob("*.tmp"))


def test_collect_inputs_skips_temporary_files(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    names = {p.name for p in collect_inputs([inbox])}
    assert "~$plan.docx" not in names and ".hidden.txt" not in names and "copying.pdf.part" not in names


@pytest.mark.parametrize("name,expected", [("plan.txt", "plan.txt.json"), ("a b/../c.pdf", "c~718635da.pdf.json"),
                                           ("Kế hoạch 1.docx", "Kế_hoạch_1~3a97353e.docx.json"), ("..", "input.json")])
def test_record_names_are_safe(name: str, expected: str) -> None:
    assert record_name(name) == expected


def test_cli_process(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    out = tmp_path / "cli-out"
    proc = subprocess.run([sys.executable, "-m", "pipeline", "process", str(inbox), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr  # some documents failed
    assert "6 processed" in proc.stdout and "3 ok, 0 partial, 3 failed" in proc.stdout
    assert str(out / "catalog.jsonl") in proc.stdout
    assert (out / "records" / "plan.txt.json").exists()


def test_cli_missing_path(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "pipeline", "process", str(tmp_path / "nope")], capture_output=True, text=True)
    assert proc.returncode == 2 and "no such file" in proc.stderr
