"""The Prefect flow: one task per document, failures isolated, same records as the local run."""

from __future__ import annotations

import json
from pathlib import Path

from test_batch import make_inbox

from pipeline.run.batch import process_local


def records(out: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "records").glob("*.json"))}


def test_flow_matches_local_run(tmp_path: Path, prefect_harness) -> None:
    from pipeline.run.flows import process_with_prefect

    inbox = make_inbox(tmp_path)
    summary = process_with_prefect([inbox], tmp_path / "flow", workers=2)
    assert summary.counts == {"ok": 3, "partial": 0, "failed": 3}
    process_local([inbox], tmp_path / "local")
    assert records(tmp_path / "flow") == records(tmp_path / "local")
    assert (tmp_path / "flow" / "catalog.jsonl").read_text() == (tmp_path / "local" / "catalog.jsonl").read_text()


def test_flow_isolates_a_crashing_document(tmp_path: Path, prefect_harness, monkeypatch) -> None:
    import pipeline.run.batch as batch
    from pipeline.run.flows import process_with_prefect

    inbox = make_inbox(tmp_path)
    real = batch.process_path

    def crash_on_docx(path: Path) -> dict:
        if path.suffix == ".docx":
            raise RuntimeError("simulated extractor crash")
        return real(path)

    monkeypatch.setattr(batch, "process_path", crash_on_docx)
    summary = process_with_prefect([inbox], tmp_path / "out", workers=2)
    by_name = {e["filename"]: e for e in summary.entries}
    assert by_name["plan.docx"]["status"] == "failed"
    assert by_name["plan.docx"]["error_codes"] == ["internal_error"]
    assert by_name["plan.txt"]["status"] == "ok"
