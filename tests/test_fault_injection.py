"""Fault injection: a few hundred files, the service SIGKILLed and restarted several times.

Afterwards every input is in exactly one final state, every record equals a clean single run,
and the catalog has no duplicate and no partial line.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import CORPUS, ROOT
from inbox_cases import bad_inputs, corpus_texts

from pipeline.ingest.limits import Limits
from pipeline.run.inbox import safe_name
from pipeline.run.process import process_bytes

GOOD = 180
DUPLICATES = 12
KILLS = 5
LIMITS = Limits(max_bytes=512 * 1024, max_pages=50)
NOTES = (".record.json", ".failure.json", ".duplicate.json")


def build_inbox(inbox: Path) -> list[str]:
    bad_inputs(inbox)
    texts = corpus_texts()
    for i in range(GOOD):
        name, text = texts[i % len(texts)]
        (inbox / f"doc-{i:03d}-{name}").write_text(f"{text}\n\nGhi chú lưu trữ: bản số {i}.", encoding="utf-8")
    for i in range(DUPLICATES):
        shutil.copy(inbox / f"doc-{i:03d}-{texts[i % len(texts)][0]}", inbox / f"bản sao {i}.txt")
    for p in sorted((CORPUS / "inbox").glob("12*")):
        shutil.copy(p, inbox / p.name)
    return sorted(p.name for p in inbox.iterdir() if p.is_file())


def start(inbox: Path, out: Path, once: bool = False, fail_on: str = "failed") -> subprocess.Popen:
    cmd = [sys.executable, "-m", "pipeline", "watch", str(inbox), "--out", str(out), "--engine", "local",
           "--settle", "0.05", "--poll", "0.05", "--concurrency", "2", "--max-mb", "0.5", "--max-pages", "50",
           "--fail-on", fail_on]
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    return subprocess.Popen(cmd + (["--once"] if once else []), cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_kill_and_restart(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    names = build_inbox(inbox)
    temporary = {"~$lock.docx", ".hidden.txt", "copying.pdf.part"}
    inputs = {n: (inbox / n).read_bytes() for n in names if n not in temporary}
    assert len(inputs) >= 200

    rng = random.Random(20261121)
    kills_landed = 0
    for _ in range(KILLS):
        proc = start(inbox, out)
        time.sleep(rng.uniform(1.5, 4.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills_landed += 1
        proc.wait(timeout=60)
    final = start(inbox, out, once=True, fail_on="never")
    _, err = final.communicate(timeout=900)
    assert final.returncode == 0, err[-3000:]
    assert kills_landed == KILLS

    # every input is in exactly one final state, nothing is left in the inbox or in .work
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == sorted(temporary)
    assert not list((inbox / ".work").iterdir())
    placed: dict[str, list[str]] = {}
    for folder in ("processed", "failed"):
        for p in (inbox / folder).iterdir():
            if not p.name.endswith(NOTES):
                placed.setdefault(p.name, []).append(folder)
    assert sorted(placed) == sorted(safe_name(n) for n in inputs)
    assert all(len(v) == 1 for v in placed.values())

    # records equal a clean single run
    duplicates = 0
    by_safe = {safe_name(n): data for n, data in inputs.items()}
    for name, (folder,) in placed.items():
        doc = inbox / folder / name
        assert doc.read_bytes() == by_safe[name]
        note = doc.with_name(name + ".duplicate.json")
        if note.exists():
            duplicates += 1
            assert Path(json.loads(note.read_text(encoding="utf-8"))["duplicate_of"]).exists()
            continue
        suffix = ".record.json" if folder == "processed" else ".failure.json"
        record = json.loads(doc.with_name(name + suffix).read_text(encoding="utf-8"))
        assert record == process_bytes(by_safe[name], name, LIMITS), name
    assert duplicates >= DUPLICATES

    # no temporary file of an interrupted atomic write is left anywhere
    assert not [p for p in list(inbox.rglob("*.tmp")) + list(out.rglob("*.tmp"))]

    # the catalog: whole lines only, one per extracted file name
    lines = (out / "catalog.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    filenames = [e["filename"] for e in entries]
    assert len(filenames) == len(set(filenames)) == len(placed) - duplicates
    for e in entries:
        assert json.loads((out / e["record_path"]).read_text(encoding="utf-8"))["record_id"] == e["record_id"]
    print(f"inputs={len(inputs)} processed+failed={len(placed)} duplicates={duplicates} catalog={len(entries)} kills={kills_landed}")
