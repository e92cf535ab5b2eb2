"""Real PDFs: the pipeline against the PDF engines underneath, paired in one process.

    .venv/bin/python benchmarks/realpdf_bench.py [--dir ../shared/realdocs] [--rounds 3] [--no-reference]

The files: every born-digital PDF of ``--dir``: pypdfium2 finds at least 200 characters a page
on average, and no page is mostly an image (a scan, which the pipeline OCRs). Each round takes every file in turn through

* ``pypdfium2``: open, and ``get_text_range()`` of each page (the floor: raw text, no layout);
* ``pipeline``: :func:`pipeline.run.process.process_bytes` with the default settings, the
  record validated (read with pdfium, laid out, extracted, resolved, validated), after
  :func:`pipeline.run.preload.warm_up` (models loaded, as the command and the service do);

and, once after those rounds (they are slow), ``pdfplumber`` (``page.extract_text()`` of each
page) and ``pipeline-pdfplumber`` (the pipeline with ``VNPLAN_PDF_TEXT=pdfplumber``, the
reference reading), whose records are compared with the default ones: every JSON path that
differs is printed.

Printed: per file the pages and seconds; per engine the total of each round, the median round,
pages/s and the ratio to pypdfium2; the median over rounds of the two engines' ratio within a
round (paired: the same load on the machine); the median over files of the per-file ratio; and the
start-up time (a fresh ``python`` importing the pipeline and processing a one-line text, so
imports and model loading before the first document), median of three.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402
import pypdfium2  # noqa: E402

from pipeline.ingest.limits import DEFAULT_LIMITS  # noqa: E402
from pipeline.ingest.readers import pdf as pdf_reader  # noqa: E402
from pipeline.ingest.readers import pdfium_page  # noqa: E402
from pipeline.run.preload import warm_up  # noqa: E402
from pipeline.run.process import process_bytes  # noqa: E402

MIN_CHARS_PER_PAGE = 200
MAX_IMAGE_RATIO = 0.5


def raw_text(data: bytes) -> int:
    """pypdfium2 alone: every page's text, no layout; returns the characters read."""
    doc = pypdfium2.PdfDocument(data)
    try:
        total = 0
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            total += len(textpage.get_text_range())
            textpage.close()
            page.close()
        return total
    finally:
        doc.close()


def plumber_text(data: bytes) -> int:
    import io

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        total = 0
        for page in pdf.pages:
            total += len(page.extract_text() or "")
            page.close()
        return total


def scanned_pages(data: bytes) -> int:
    """How many pages are covered by images for at least half of their area."""
    doc = pypdfium2.PdfDocument(data)
    try:
        count = 0
        for index in range(len(doc)):
            page = doc[index]
            width, height = page.get_size()
            graphics = pdfium_page.page_graphics(page.raw, height, 0.0)
            images = graphics.images if graphics is not None else []
            if pdf_reader._image_ratio(images, width, height) >= MAX_IMAGE_RATIO:
                count += 1
            page.close()
        return count
    finally:
        doc.close()


def born_digital(paths: list[Path]) -> list[tuple[Path, bytes, int]]:
    """(path, bytes, pages) of the born-digital PDFs: a text layer, no scanned page."""
    out = []
    for path in paths:
        data = path.read_bytes()
        try:
            pages = len(pypdfium2.PdfDocument(data))
            chars = raw_text(data)
            scans = scanned_pages(data)
        except Exception:
            continue
        if pages and chars / pages >= MIN_CHARS_PER_PAGE and not scans:
            out.append((path, data, pages))
    return out


def differences(a: Any, b: Any, path: str = "$") -> list[str]:
    """JSON paths where two records differ."""
    if type(a) is not type(b):
        return [path]
    if isinstance(a, dict):
        return [d for key in sorted(set(a) | set(b)) for d in differences(a.get(key), b.get(key), f"{path}.{key}")]
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path} (length {len(a)} vs {len(b)})"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [path]


def startup_seconds() -> float:
    code = ("import time; t = time.perf_counter(); from pipeline.run.process import process_bytes; "
            "process_bytes('Kế hoạch số 1/KH-UBND'.encode(), 'a.txt'); print(time.perf_counter() - t)")
    runs = []
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
        runs.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=ROOT.parent / "shared" / "realdocs")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-reference", action="store_true", help="skip pdfplumber and the reference pipeline")
    args = parser.parse_args()
    files = born_digital(sorted(args.dir.glob("*.pdf")))
    if not files:
        sys.exit(f"no PDF with a text layer in {args.dir}")
    pages = sum(n for _, _, n in files)
    print(f"{len(files)} PDFs with a text layer, {pages} pages, from {args.dir}")
    warm_up()  # models loaded before timing, as the command and the service load them
    reference = replace(DEFAULT_LIMITS, pdf_text="pdfplumber")
    engines = ["pypdfium2", "pipeline"] + ([] if args.no_reference else ["pdfplumber", "pipeline-pdfplumber"])
    rounds: dict[str, list[float]] = {name: [] for name in engines}
    per_file: dict[str, dict[str, float]] = {name: {} for name in engines}
    records: dict[str, dict[str, Any]] = {"pipeline": {}, "pipeline-pdfplumber": {}}

    def timed(name: str, path: Path, run: Any) -> float:
        start = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - start
        per_file[name][path.name] = min(seconds, per_file[name].get(path.name, seconds))
        if name in records and path.name not in records[name]:
            records[name][path.name] = json.loads(json.dumps(result))
        return seconds

    for round_no in range(args.rounds):  # the paired rounds: each file through pypdfium2, then the pipeline
        totals = {"pypdfium2": 0.0, "pipeline": 0.0}
        for path, data, n in files:
            totals["pypdfium2"] += timed("pypdfium2", path, lambda: raw_text(data))
            totals["pipeline"] += timed("pipeline", path, lambda: process_bytes(data, path.name))
            if round_no == 0:
                print(f"  {path.name[:60]:60s} {n:4d} pages  pypdfium2 {per_file['pypdfium2'][path.name]:.2f}s  "
                      f"pipeline {per_file['pipeline'][path.name]:.2f}s", flush=True)
        for name, total in totals.items():
            rounds[name].append(total)
    if not args.no_reference:  # once, after the paired rounds (their garbage would weigh on them)
        totals = {"pdfplumber": 0.0, "pipeline-pdfplumber": 0.0}
        for path, data, n in files:
            totals["pdfplumber"] += timed("pdfplumber", path, lambda: plumber_text(data))
            totals["pipeline-pdfplumber"] += timed("pipeline-pdfplumber", path,
                                                   lambda: process_bytes(data, path.name, reference))
        for name, total in totals.items():
            rounds[name].append(total)
    floor = statistics.median(rounds["pypdfium2"])
    print(f"\nengine                 median round   pages/s   x pypdfium2   (rounds: s)")
    for name in engines:
        median = statistics.median(rounds[name])
        print(f"  {name:20s} {median:9.2f} s {pages / median:9.1f} {median / floor:11.1f}x   "
              f"({', '.join(f'{v:.2f}' for v in rounds[name])})")
    paired = [p / f for p, f in zip(rounds["pipeline"], rounds["pypdfium2"])]
    print(f"median over rounds of pipeline / pypdfium2 in the same round: {statistics.median(paired):.1f}x "
          f"({', '.join(f'{r:.2f}' for r in paired)})")
    ratios = [per_file["pipeline"][p.name] / per_file["pypdfium2"][p.name] for p, _, _ in files]
    print(f"median over files of pipeline / pypdfium2 (best of {args.rounds}): {statistics.median(ratios):.1f}x")
    if not args.no_reference:
        changed = 0
        for path, _, _ in files:
            diff = differences(records["pipeline"][path.name], records["pipeline-pdfplumber"][path.name])
            if diff:
                changed += 1
                print(f"  records differ: {path.name}: {len(diff)} paths, e.g. {', '.join(diff[:4])}")
        print(f"records: {len(files) - changed} of {len(files)} identical to the pdfplumber reading")
    print(f"start-up (imports and models, to a first record): {startup_seconds():.2f} s")


if __name__ == "__main__":
    main()
