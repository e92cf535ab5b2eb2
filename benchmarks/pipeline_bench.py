"""Benchmark the pipeline end to end on a synthetic corpus, stage by stage, against the floor of
raw PDF text extraction.

    .venv/bin/python benchmarks/pipeline_bench.py [--n 100 --n 1000] [--workers 2] [--seed 7]
        [--corpus-dir DIR] [--pdf-text both|pdfplumber|pdfium] [--pages 10 --pages 150] [--paired 60]

The corpus: document ``i`` is sample text ``i mod 17`` of ``corpus/inbox`` with other document
numbers, dates, counts and provinces (15% carry a second text after a page break), rendered as
PDF (60%, fpdf2) or DOCX (40%, python-docx) by ``scripts/render_corpus.py``'s code
(:mod:`bench_corpus`). Deterministic for a seed; renderings in ``--corpus-dir`` are reused. The
OCR scan of ``corpus/inbox`` is timed on its own; there are no .doc/.rtf samples.

For each N, with ``--workers`` processes (``ProcessPoolExecutor``, each running
``pipeline.run.batch.process_and_write`` on one document at a time into one output folder, as a
process-based runner does; the catalog and the search index are then built in the parent):

* wall time, documents/s and PDF pages/s, per-stage time (``pipeline.core.timing``: seconds summed
  over the workers, exclusive of nested stages), peak RSS of a worker;
* the cached re-run: the same command again over the unchanged corpus (every record from
  ``OUT/.cache``, still published);
* the same run with ``VNPLAN_PDF_TEXT=pdfium``, and which records differ from the default run;
* the floor: the same PDFs through ``pdfplumber`` alone (``page.extract_text()`` per page) and
  through ``pypdfium2`` alone (``get_text_range()`` per page), in as many processes set up the
  same way (models loaded).

For the largest N, the command line (``python -m pipeline process DIR``, one process) and its
re-run over the unchanged folder, start-up included.

Then a paired comparison in one process (each PDF through pdfplumber alone, pypdfium2 alone,
the pipeline and the pipeline with pdfium, one after the other, so machine noise hits all
alike) and the memory of one long PDF (``--pages``), each in a fresh process.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_corpus  # noqa: E402

STAGES = ("cache", "read", "normalise", "tokenise", "extract", "resolve", "validate", "write", "catalog", "index")
WARM_UP = ROOT / "corpus" / "inbox" / "101_kh-skhcn-dongnai-htx.txt"


# -- worker side ---------------------------------------------------------------------------------
def _init_worker(pdf_text: str) -> None:
    """Settings, then warm the models (underthesea, spaCy, schemas) outside the timed work."""
    os.environ["VNPLAN_PDF_TEXT"] = pdf_text
    from pipeline.core import timing
    from pipeline.ingest import limits, ocr
    from pipeline.run.process import process_bytes

    globals()["_LIMITS"] = limits.Limits.from_env()
    process_bytes(WARM_UP.read_bytes(), WARM_UP.name, _LIMITS)
    ocr.engine()  # probed once per process (two `tesseract` calls)
    timing.enable()


def _process_one(args: tuple[str, str]) -> dict[str, Any]:
    from pipeline.core import timing
    from pipeline.run.batch import process_and_write

    path, out = Path(args[0]), Path(args[1])
    before, count_before = timing.totals(), timing.counts()
    t = time.perf_counter()
    entry = process_and_write(path, out, _LIMITS)
    wall = time.perf_counter() - t
    after, count_after = timing.totals(), timing.counts()
    record = json.loads((out / entry["record_path"]).read_text(encoding="utf-8"))
    return {
        "entry": entry, "wall": wall, "suffix": path.suffix, "pages": record["source"].get("pages") or 0,
        "ocr_pages": len(((record.get("ingest") or {}).get("ocr") or {}).get("pages") or []),
        "stages": {k: after[k] - before.get(k, 0.0) for k in after},
        "extracted": count_after.get("read", 0) > count_before.get("read", 0),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _ready(_: int) -> int:
    time.sleep(0.5)  # long enough for every worker to be started (and warmed up) before timing
    return os.getpid()


def _floor_one(args: tuple[str, str]) -> dict[str, Any]:
    path, engine = Path(args[0]), args[1]
    data = path.read_bytes()
    t = time.perf_counter()
    pages = _plumber_text(data) if engine == "pdfplumber" else _pdfium_text(data)
    return {"wall": time.perf_counter() - t, "pages": pages}


def _plumber_text(data: bytes) -> int:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.close()
        return len(pdf.pages)


def _pdfium_text(data: bytes) -> int:
    import pypdfium2

    doc = pypdfium2.PdfDocument(data)
    try:
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
        return len(doc)
    finally:
        doc.close()


# -- runs ----------------------------------------------------------------------------------------
def pipeline_run(paths: list[Path], out: Path, workers: int, pdf_text: str) -> dict[str, Any]:
    """Process ``paths`` into ``out`` with ``workers`` processes, then the catalog and the index."""
    from pipeline.core import timing
    from pipeline.publish.catalog import update_catalog
    from pipeline.serve.search import open_index

    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(pdf_text,)) as pool:
        while len(set(pool.map(_ready, range(workers)))) < workers:
            pass
        t0 = time.perf_counter()
        results = list(pool.map(_process_one, [(str(p), str(out)) for p in paths], chunksize=4))
        t_docs = time.perf_counter()
    timing.enable()
    with timing.stage("catalog"):
        update_catalog(out, [r["entry"] for r in results])
    with timing.stage("index"):
        index = open_index(out, sync=True)
        indexed = index.count()
        index.close()
    end = time.perf_counter()
    stages: dict[str, float] = {}
    for r in results:
        for k, v in r["stages"].items():
            stages[k] = stages.get(k, 0.0) + v
    stages.update(timing.totals())
    timing.disable()
    return {
        "wall": end - t0, "docs_wall": t_docs - t0, "results": results, "stages": stages, "indexed": indexed,
        "rss_mb": max(r["rss_mb"] for r in results),
        "extracted": sum(r["extracted"] for r in results),
    }


def floor_run(pdfs: list[Path], workers: int, engine: str) -> dict[str, Any]:
    """The PDFs through ``engine`` alone, in worker processes set up like the pipeline's (models
    loaded: a process with a bigger heap is a little slower at the same work)."""
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=("pdfplumber",)) as pool:
        while len(set(pool.map(_ready, range(workers)))) < workers:
            pass
        t0 = time.perf_counter()
        results = list(pool.map(_floor_one, [(str(p), engine) for p in pdfs], chunksize=4))
        wall = time.perf_counter() - t0
    return {"wall": wall, "cpu": sum(r["wall"] for r in results), "pages": sum(r["pages"] for r in results)}


def cli_runs(paths: list[Path], tmp: Path) -> list[float]:
    """``python -m pipeline process DIR --out OUT`` twice over ``paths`` (linked into one folder):
    the wall time of each command, interpreter start-up and model loading included."""
    inbox, out = tmp / "cli-inbox", tmp / "cli-out"
    inbox.mkdir()
    for path in paths:
        (inbox / path.name).symlink_to(path.resolve())
    times = []
    for _ in range(2):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pipeline", "process", str(inbox), "--out", str(out)], cwd=ROOT,
                       check=True, capture_output=True, timeout=3600)
        times.append(time.perf_counter() - t)
    shutil.rmtree(inbox, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    return times


def _machine_records(out: Path) -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "machine").glob("*.json"))}


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    """A record without what differs from run to run (OCR timings and Tesseract's confidence)."""
    record = json.loads(json.dumps(record))
    for d in ((record.get("ingest") or {}).get("ocr") or {}).get("details", []):
        d.pop("seconds", None)
        d.pop("confidence", None)
    return record


def compare_runs(a: Path, b: Path) -> list[str]:
    """Records of ``a`` and ``b`` that differ, with the top-level keys that differ."""
    ra, rb = _machine_records(a), _machine_records(b)
    out = []
    for name in sorted(set(ra) | set(rb)):
        x, y = _comparable(ra.get(name, {})), _comparable(rb.get(name, {}))
        if x != y:
            out.append(f"{name}: {', '.join(sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k)))}")
    return out


def paired(pdfs: list[Path], tmp: Path) -> dict[str, Any]:
    """Per PDF, in this process: pdfplumber alone, pypdfium2 alone, the pipeline (both text paths;
    read, extract, validate and publish, no cache), interleaved."""
    from pipeline.ingest import limits
    from pipeline.run.batch import process_and_write
    from pipeline.run.process import process_bytes

    default = limits.Limits.from_env()
    settings = {"pdfplumber": replace(default, pdf_text="pdfplumber"), "pdfium": replace(default, pdf_text="pdfium")}
    no_ocr = replace(settings["pdfplumber"], ocr=False)
    process_bytes(WARM_UP.read_bytes(), WARM_UP.name)
    rows = []
    for i, pdf in enumerate(pdfs):
        data = pdf.read_bytes()
        row: dict[str, Any] = {"name": pdf.name}
        t = time.perf_counter()
        row["pages"] = _plumber_text(data)
        row["pdfplumber"] = time.perf_counter() - t
        t = time.perf_counter()
        _pdfium_text(data)
        row["pypdfium2"] = time.perf_counter() - t
        for label, lim in (("pipeline", settings["pdfplumber"]), ("pipeline_pdfium", settings["pdfium"]),
                           ("pipeline_no_ocr", no_ocr)):
            out = tmp / f"paired-{label}"
            t = time.perf_counter()
            entry = process_and_write(pdf, out, lim, use_cache=False)
            row[label] = time.perf_counter() - t
            if label == "pipeline":
                record = json.loads((out / entry["record_path"]).read_text(encoding="utf-8"))
                row["ocr_pages"] = len(((record.get("ingest") or {}).get("ocr") or {}).get("pages") or [])
        rows.append(row)
    return {"rows": rows}


MEMORY_SCRIPT = r"""
import json, sys, time, tracemalloc, os
sys.path.insert(0, sys.argv[1])
from pipeline.ingest import limits
from pipeline.run.process import process_bytes

def status():
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024
    return out

def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM, the peak RSS, to the current RSS
        return True
    except OSError:
        return False

warm = open(sys.argv[3], "rb").read()
process_bytes(warm, "warm.txt")
lim = limits.Limits.from_env()
data = open(sys.argv[2], "rb").read()
reset = reset_peak()
base = status()["VmRSS"]
t = time.perf_counter()
record = process_bytes(data, os.path.basename(sys.argv[2]), lim)
wall = time.perf_counter() - t
peak = status()["VmHWM"]
tracemalloc.start()
process_bytes(data, os.path.basename(sys.argv[2]), lim)
_, traced = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({"pages": record["source"]["pages"], "chars": len(record["text"] or ""), "status": record["status"],
                  "wall": wall, "rss_base_mb": base, "rss_peak_mb": peak, "peak_reset": reset,
                  "traced_peak_mb": traced / 2**20,
                  "ocr_pages": len(((record.get("ingest") or {}).get("ocr") or {}).get("pages") or [])}))
"""


def memory(pdf: Path, pdf_text: str) -> dict[str, Any]:
    env = {**os.environ, "VNPLAN_PDF_TEXT": pdf_text}
    proc = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(ROOT), str(pdf), str(WARM_UP)],
                          capture_output=True, text=True, env=env, timeout=3600)
    if proc.returncode:
        raise SystemExit(f"memory run failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


# -- report --------------------------------------------------------------------------------------
def _pdf_pages(run: dict[str, Any]) -> int:
    return sum(r["pages"] for r in run["results"])


def report_run(label: str, run: dict[str, Any], n: int, pdf_pages: int) -> None:
    wall = run["wall"]
    print(f"  {label:34s} {wall:8.1f} s  {n / wall:7.2f} docs/s  {pdf_pages / wall:7.1f} PDF pages/s  "
          f"peak RSS/worker {run['rss_mb']:.0f} MiB  extracted {run['extracted']}/{n}")


def report_stages(run: dict[str, Any]) -> None:
    stages = run["stages"]
    total = sum(stages.values()) or 1.0
    parts = [f"{k} {stages[k]:.1f}s ({100 * stages[k] / total:.0f}%)" for k in STAGES if stages.get(k)]
    print("    stages (s, summed over workers): " + ", ".join(parts))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, action="append", help="corpus sizes (repeatable; default 100 and 1000)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--corpus-dir", type=Path, help="where renderings are kept and reused (default: a temporary folder)")
    ap.add_argument("--pdf-text", choices=("both", "pdfplumber", "pdfium"), default="both")
    ap.add_argument("--pages", type=int, action="append", help="long-PDF memory runs (default 10 and 150 pages)")
    ap.add_argument("--paired", type=int, default=60, help="PDFs in the paired comparison (default 60; 0: skip)")
    ap.add_argument("--no-cli", dest="cli", action="store_false",
                    help="skip the command-line run and re-run over the largest corpus")
    args = ap.parse_args()
    sizes = sorted(set(args.n or [100, 1000]))
    page_counts = sorted(set(args.pages or [10, 150]))
    tmp = Path(tempfile.mkdtemp(prefix="vnplan-bench-"))
    corpus_dir = args.corpus_dir or tmp / "corpus"
    paths_tried = ["pdfplumber", "pdfium"] if args.pdf_text == "both" else [args.pdf_text]
    try:
        print(f"machine: {os.cpu_count()} CPUs, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}; "
              f"workers: {args.workers} processes (ProcessPoolExecutor)")
        t = time.perf_counter()
        corpus = bench_corpus.build(max(sizes), corpus_dir, args.seed, workers=args.workers)
        print(f"corpus: {len(corpus)} documents in {corpus_dir} ({time.perf_counter() - t:.0f} s to render or reuse)")
        for n in sizes:
            paths = corpus[:n]
            pdfs = [p for p in paths if p.suffix == ".pdf"]
            print(f"\nN = {n}: {len(pdfs)} PDF, {n - len(pdfs)} DOCX")
            runs: dict[str, dict[str, Any]] = {}
            for pdf_text in paths_tried:
                out = tmp / f"out-{n}-{pdf_text}"
                runs[pdf_text] = run = pipeline_run(paths, out, args.workers, pdf_text)
                pages = _pdf_pages(run)
                report_run(f"pipeline ({pdf_text})", run, n, pages)
                report_stages(run)
                pdf_runs = [r for r in run["results"] if r["suffix"] == ".pdf"]
                run["pdf_cpu"] = sum(r["wall"] for r in pdf_runs)
                print(f"    PDF documents: {sum(r['wall'] for r in pdf_runs):.1f} s summed per document "
                      f"(read+extract+validate+write), median {1000 * statistics.median(r['wall'] for r in pdf_runs):.0f} ms; "
                      f"index: {run['indexed']} records")
                if pdf_text == paths_tried[0]:
                    again = pipeline_run(paths, out, args.workers, pdf_text)
                    report_run(f"cached re-run ({pdf_text})", again, n, pages)
                    report_stages(again)
            if len(runs) == 2:
                differ = compare_runs(tmp / f"out-{n}-pdfplumber", tmp / f"out-{n}-pdfium")
                print(f"  records differing between the two PDF text paths: {len(differ)} of {n}")
                for line in differ[:20]:
                    print(f"    {line}")
            floors = {engine: floor_run(pdfs, args.workers, engine) for engine in ("pdfplumber", "pypdfium2")}
            for engine, fl in floors.items():
                print(f"  floor: {engine + ' alone':26s} {fl['wall']:8.1f} s  {len(pdfs) / fl['wall']:7.2f} PDFs/s  "
                      f"{fl['pages'] / fl['wall']:7.1f} pages/s  ({fl['cpu']:.1f} s summed per document)")
            for pdf_text, run in runs.items():
                ratio_plumber = run["pdf_cpu"] / floors["pdfplumber"]["cpu"]
                ratio_pdfium = run["pdf_cpu"] / floors["pypdfium2"]["cpu"]
                print(f"  ratio pipeline ({pdf_text}) / floor on the PDFs (summed per-document times): "
                      f"{ratio_plumber:.2f}x pdfplumber alone, {ratio_pdfium:.1f}x pypdfium2 alone")
            if args.cli and n == sizes[-1]:
                first, again = cli_runs(paths, tmp)
                print(f"  command line, one process (`python -m pipeline process DIR`, start-up included): "
                      f"{first:.1f} s, re-run over the unchanged folder {again:.1f} s")
            for d in (tmp / f"out-{n}-pdfplumber", tmp / f"out-{n}-pdfium"):
                shutil.rmtree(d, ignore_errors=True)
        if args.paired:
            pdfs = [p for p in corpus if p.suffix == ".pdf"][: args.paired]
            rows = paired(pdfs, tmp)["rows"]
            print(f"\npaired, one process, {len(rows)} PDFs ({sum(r['pages'] for r in rows)} pages), "
                  f"{sum(1 for r in rows if r['ocr_pages'])} with a page OCR'd:")
            for label in ("pipeline", "pipeline_pdfium", "pipeline_no_ocr"):
                per = [r[label] / r["pdfplumber"] for r in rows]
                born = [r[label] / r["pdfplumber"] for r in rows if not r["ocr_pages"]]
                total = sum(r[label] for r in rows) / sum(r["pdfplumber"] for r in rows)
                print(f"  {label:16s} / pdfplumber alone: median {statistics.median(per):.2f}x, "
                      f"without OCR'd pages median {statistics.median(born):.2f}x, sums {total:.2f}x; "
                      f"/ pypdfium2 alone: sums {sum(r[label] for r in rows) / sum(r['pypdfium2'] for r in rows):.1f}x")
            print(f"  medians per PDF: pdfplumber {1000 * statistics.median(r['pdfplumber'] for r in rows):.0f} ms, "
                  f"pypdfium2 {1000 * statistics.median(r['pypdfium2'] for r in rows):.1f} ms, "
                  f"pipeline {1000 * statistics.median(r['pipeline'] for r in rows):.0f} ms, "
                  f"pipeline (pdfium) {1000 * statistics.median(r['pipeline_pdfium'] for r in rows):.0f} ms")
        print("\nmemory, one PDF in a fresh process, after the models are loaded (RSS: resident set before the "
              "document -> its peak while processing it; traced: peak of Python allocations while processing it):")
        for pages in page_counts:
            pdf = bench_corpus.pdf_with_pages(pages, corpus_dir / f"long-{pages}p.pdf", args.seed)
            for pdf_text in paths_tried:
                m = memory(pdf, pdf_text)
                print(f"  {m['pages']:4d} pages, {m['chars']:7d} chars ({pdf_text:10s}): {m['wall']:6.1f} s, "
                      f"RSS {m['rss_base_mb']:.0f} -> {m['rss_peak_mb']:.0f} MiB (+{m['rss_peak_mb'] - m['rss_base_mb']:.0f}), "
                      f"traced peak {m['traced_peak_mb']:.1f} MiB, OCR'd pages {m['ocr_pages']}, {m['status']}")
        apart = [p for p in sorted((ROOT / "corpus" / "inbox").iterdir())
                 if "scan" in p.name or p.suffix in (".doc", ".rtf") or (p.suffix == ".txt" and not _utf8(p))]
        if apart:
            from pipeline.run.process import process_bytes

            print("\nsamples left out of the corpus, one process, one after the other:")
            for path in apart:
                t = time.perf_counter()
                record = process_bytes(path.read_bytes(), path.name)
                ingest = record.get("ingest") or {}
                kind = ", ".join(filter(None, ["OCR" if ingest.get("ocr") else None, ingest.get("converter"),
                                               *(ingest.get("encoding") or {}).get("detected", [])]))
                print(f"  {path.name:40s} {time.perf_counter() - t:6.1f} s  {record['status']:7s} ({kind})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
