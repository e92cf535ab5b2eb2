"""Check the readers on a folder of real documents (default ``../shared/realdocs``).

For every file it prints the reader used, whether OCR ran (and on which pages), the legacy
encoding detected, the characters of text out, the time taken, the status (or the failure
code), the document number, date and issuer extracted, and, for files that have a Unicode
transcript next to them (``<stem>.GROUNDTRUTH-viparse.txt``), the character error rate
against it: as is, and case-folded (transcripts of TCVN3 text write capitals fonts such as
``.VnTimeH`` in small letters, which the reader renders as the capitals they print as). Table
cell separators (the " | " bars of the reader's table layout, empty cells included) count as spaces.

    python benchmarks/realdocs_check.py [FOLDER] [--only g5] [--json out.json]

Exits non-zero when a file crashes the pipeline, yields an ``ok`` record without text, or a
transcript's case-folded CER is above ``--max-cer`` (default 0.02).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.ingest.legacy import character_error_rate  # noqa: E402
from pipeline.run.process import process_bytes  # noqa: E402

TRANSCRIPT = ".GROUNDTRUTH-viparse.txt"
_CELL_BARS = re.compile(r"(?:^| )\|(?= |$)", re.MULTILINE)
SKIP_SUFFIXES = (".md", ".txt")


def transcript_for(path: Path) -> Path | None:
    candidate = path.with_name(path.stem + TRANSCRIPT)
    return candidate if candidate.is_file() else None


def check(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    started = time.perf_counter()
    record = process_bytes(data, path.name)
    seconds = time.perf_counter() - started
    ingest = record.get("ingest") or {}
    ocr = ingest.get("ocr") or {}
    text = record.get("text") or ""
    doc = record["document"]
    row: dict[str, Any] = {
        "file": path.name,
        "reader": ingest.get("reader") or "-",
        "converter": ingest.get("converter"),
        "ocr_pages": ocr.get("pages", []),
        "encoding": ",".join((ingest.get("encoding") or {}).get("detected", [])) or "-",
        "chars": len(text),
        "seconds": round(seconds, 2),
        "status": record["status"],
        "error": record["errors"][0]["code"] if record["errors"] else None,
        "number": doc.get("number"),
        "date": doc.get("issued_on"),
        "issuer": doc.get("issuer"),
    }
    truth = transcript_for(path)
    if truth is not None:
        reference = truth.read_text(encoding="utf-8", errors="replace")
        plain = _CELL_BARS.sub(" ", text)  # the reader's table layout (" | ", empty cells "| |") is not text
        row["cer"] = round(character_error_rate(plain, reference), 4)
        row["cer_casefold"] = round(character_error_rate(plain, reference, casefold=True), 4)
    return row


def _fmt_pages(pages: list[int]) -> str:
    return f"{len(pages)}p" if pages else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", default=str(ROOT.parent / "shared" / "realdocs"))
    parser.add_argument("--only", help="only files whose name starts with this")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("--max-cer", type=float, default=0.02)
    args = parser.parse_args(argv)
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"no such folder: {folder}", file=sys.stderr)
        return 2
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.endswith(SKIP_SUFFIXES))
    if args.only:
        files = [p for p in files if p.name.startswith(args.only)]
    head = f"{'file':44} {'reader':6} {'ocr':>4} {'enc':6} {'chars':>7} {'secs':>6} {'status':14} {'cer':>6} {'cer_cf':>6}  number | date | issuer"
    print(head)
    print("-" * len(head))
    rows, bad = [], []
    for path in files:
        try:
            row = check(path)
        except Exception as exc:  # a crash is a finding, not the end of the check
            row = {"file": path.name, "status": "crash", "error": f"{type(exc).__name__}: {exc}"}
            bad.append(f"{path.name}: crashed: {row['error']}")
        rows.append(row)
        if row["status"] == "crash":
            print(f"{path.name[:44]:44} CRASH {row['error']}")
            continue
        status = row["status"] if row["status"] != "failed" else f"failed:{row['error']}"
        cer = f"{row['cer']:.4f}" if "cer" in row else "-"
        cer_cf = f"{row['cer_casefold']:.4f}" if "cer_casefold" in row else "-"
        print(f"{path.name[:44]:44} {row['reader']:6} {_fmt_pages(row['ocr_pages']):>4} {row['encoding']:6} "
              f"{row['chars']:>7} {row['seconds']:>6.1f} {status[:14]:14} {cer:>6} {cer_cf:>6}  "
              f"{row['number'] or '-'} | {row['date'] or '-'} | {row['issuer'] or '-'}")
        if row["status"] != "failed" and row["chars"] == 0:
            bad.append(f"{path.name}: {row['status']} record without text")
        if row.get("cer_casefold", 0) > args.max_cer:
            bad.append(f"{path.name}: CER {row['cer_casefold']:.4f} > {args.max_cer}")
    done = [r for r in rows if r["status"] != "crash"]
    total = sum(r["seconds"] for r in done)
    cers = [r["cer_casefold"] for r in done if "cer_casefold" in r]
    print(f"\n{len(rows)} files: {sum(r['status'] == 'ok' for r in done)} ok, "
          f"{sum(r['status'] == 'partial' for r in done)} partial, {sum(r['status'] == 'failed' for r in done)} failed, "
          f"{len(rows) - len(done)} crashed; {total:.1f} s in all")
    if cers:
        print(f"transcripts: {len(cers)}, case-folded CER max {max(cers):.4f}, mean {sum(cers) / len(cers):.4f}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    for line in bad:
        print("PROBLEM:", line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
