"""The benchmark scripts run end to end on a tiny corpus and print every figure they promise.

No figure is judged here (timings belong to the benchmarks themselves); what is checked is what
does not depend on the machine: both PDF text paths give the same records, the cached re-run
extracts nothing, every stage and the floor are reported."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("fpdf")


def test_pipeline_benchmark_runs_and_reports(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "pipeline_bench.py"), "--n", "12", "--workers", "1", "--paired", "2",
         "--pages", "3", "--corpus-dir", str(tmp_path / "corpus"), "--no-cli"],
        capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert re.search(r"N = 12: (\d+) PDF, (\d+) DOCX", out)
    pdfs, docx = map(int, re.search(r"N = 12: (\d+) PDF, (\d+) DOCX", out).groups())
    assert pdfs and docx and pdfs + docx == 12
    assert re.search(r"pipeline \(pdfplumber\) .* extracted 12/12", out)
    assert re.search(r"cached re-run \(pdfplumber\) .* extracted 0/12", out)
    assert "records differing between the two PDF text paths: 0 of 12" in out
    first_stages = out.split("stages (s, summed over workers): ")[1].splitlines()[0]
    for stage in ("read", "tokenise", "extract", "validate", "write", "index"):
        assert re.search(rf"\b{stage} \d+\.\ds", first_stages), stage
    assert re.search(r"floor: pdfplumber alone .* PDFs/s", out) and re.search(r"floor: pypdfium2 alone .* PDFs/s", out)
    assert re.search(r"ratio pipeline \(pdfplumber\) / floor .*: \d+\.\d\dx pdfplumber alone", out)
    assert re.search(r"paired, one process, 2 PDFs", out)
    memory = re.findall(r"^\s+(\d+) pages, .*RSS (\d+) -> (\d+) MiB.*, (ok|partial)$", out, re.M)
    assert len(memory) == 2 and all(3 <= int(pages) <= 5 for pages, *_ in memory)  # "about" 3 pages
    # the corpus is kept for the next run
    assert len(list((tmp_path / "corpus").glob("*.pdf"))) >= pdfs


def test_real_pdf_benchmark_runs_and_reports() -> None:
    """Run on the corpus PDFs (the real ones may be absent): the scan is left out, the born-digital
    ones are timed on every engine and their records compared with the reference reading."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "realpdf_bench.py"), "--dir", str(ROOT / "corpus" / "inbox"),
                           "--rounds", "1"], capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    born_digital = [p for p in (ROOT / "corpus" / "inbox").glob("*.pdf") if "scan" not in p.name]
    assert out.startswith(f"{len(born_digital)} PDFs with a text layer")
    for engine in ("pypdfium2", "pipeline", "pdfplumber", "pipeline-pdfplumber"):
        assert f"  {engine} " in out
    assert f"records: {len(born_digital)} of {len(born_digital)} identical to the pdfplumber reading" in out
    assert "median over rounds of pipeline / pypdfium2 in the same round:" in out
    assert "start-up (imports and models, to a first record):" in out
