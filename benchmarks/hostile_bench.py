"""Memory peak and time of hostile documents through the inbox service, under the default limits.

    .venv/bin/python benchmarks/hostile_bench.py [--repo DIR] [--inputs DIR] [--timeout 600] [--only pdf,docx,txt]

Three documents written from scratch (:mod:`hostile_inputs`): a 3 MB flate-bomb PDF (one content
stream inflating to about 3 GB), a DOCX holding 150 MB of XML, a 45 MB text. Each is dropped alone
into a fresh inbox and served by ``python -m pipeline watch INBOX --once --engine local`` of the
checkout ``--repo`` (default: this one), started fresh. Printed per document: wall time, the peak
of the summed resident memory of the service and all its descendants (sampled every 0.1 s), and
where the file ended (``processed``/``failed`` and the error code), or ``killed after N s``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile_inputs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "pdf": ("flate-bomb.pdf", hostile_inputs.flate_bomb_pdf),
    "docx": ("xml-150mb.docx", hostile_inputs.huge_xml_docx),
    "txt": ("text-45mb.txt", hostile_inputs.huge_text),
}


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def run_one(repo: Path, source: Path, timeout: float) -> dict:
    work = Path(tempfile.mkdtemp(prefix="hostile-bench-"))
    inbox, out = work / "inbox", work / "out"
    inbox.mkdir()
    os.link(source, inbox / source.name) if source.stat().st_dev == inbox.stat().st_dev else shutil.copy(source, inbox)
    python = repo / ".venv" / "bin" / "python"
    cmd = [str(python if python.exists() else sys.executable), "-m", "pipeline", "watch", str(inbox), "--out", str(out),
           "--engine", "local", "--once", "--settle", "0", "--poll", "0.1"]
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    peak, killed = 0, False
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        if time.monotonic() - start > timeout:
            os.killpg(proc.pid, 9)
            killed = True
            break
        time.sleep(0.1)
    proc.wait()
    elapsed = time.monotonic() - start
    placed = "left in the inbox or .work"
    for folder in ("processed", "failed"):
        note = inbox / folder / (source.name + (".record.json" if folder == "processed" else ".failure.json"))
        if note.exists():
            record = json.loads(note.read_text(encoding="utf-8"))
            codes = ",".join(e["code"] for e in record.get("errors") or []) or "-"
            placed = f"{folder} ({record['status']}; {codes})"
    result = {"file": source.name, "size_mb": round(source.stat().st_size / 1e6, 1), "seconds": round(elapsed, 1),
              "peak_rss_mb": round(peak / 1e6), "placed": placed,
              "exit": f"killed after {timeout:g} s" if killed else proc.returncode}
    if not killed and proc.returncode:
        result["stderr"] = proc.stderr.read()[-500:] if proc.stderr else ""
    shutil.rmtree(work, ignore_errors=True)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", type=Path, default=ROOT, help="checkout whose service to run (default: this one)")
    ap.add_argument("--inputs", type=Path, default=Path(tempfile.gettempdir()) / "vnplan-hostile-inputs",
                    help="where the documents are written (reused when present)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds before a run is killed")
    ap.add_argument("--only", default="pdf,docx,txt", help="which documents (pdf, docx, txt)")
    args = ap.parse_args()
    args.inputs.mkdir(parents=True, exist_ok=True)
    for key in args.only.split(","):
        name, make = CASES[key]
        path = args.inputs / name
        if not path.exists():
            make(path.with_suffix(".partial"))
            path.with_suffix(".partial").rename(path)
        print(json.dumps(run_one(args.repo.resolve(), path, args.timeout), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
