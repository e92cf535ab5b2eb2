"""The inbox service: lifecycle, idempotency by content, versions, bad inputs, status."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from inbox_cases import bad_inputs, corpus_texts

from pipeline.ingest.limits import Limits
from pipeline.publish.catalog import read_catalog
from pipeline.record.schema import CATALOG_ENTRY_SCHEMA, problems
from pipeline.run.inbox import safe_name
from pipeline.run.service import AlreadyRunning, InboxService, ServiceConfig, status


def serve_once(inbox: Path, out: Path, **kw) -> InboxService:
    service = InboxService(ServiceConfig(inbox=inbox, out=out, poll=0.01, settle=0.0, **kw))
    service.run(once=True)
    return service


def finals(inbox: Path) -> dict[str, str]:
    """Input file name -> final folder, for every document (not the notes next to them)."""
    out = {}
    for folder in ("processed", "failed"):
        for p in (inbox / folder).iterdir():
            if p.is_file() and not p.name.endswith((".record.json", ".failure.json", ".duplicate.json")):
                out[p.name] = folder
    return out


def test_lifecycle_and_bad_inputs(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    expected = bad_inputs(inbox)
    serve_once(inbox, out, limits=Limits(max_bytes=512 * 1024, max_pages=50))
    placed = finals(inbox)
    left = sorted(p.name for p in inbox.iterdir() if p.is_file())
    assert left == sorted(["~$lock.docx", ".hidden.txt", "copying.pdf.part"]), "temporary files are left alone"
    assert not list((inbox / ".work").iterdir())
    for name, code in expected.items():
        assert placed[name] == "failed", name
        failure = json.loads((inbox / "failed" / f"{name}.failure.json").read_text(encoding="utf-8"))
        err = failure["errors"][0]
        assert err["code"] == code, (name, err)
        assert err["stage"] and err["exception"] and err["hint"] and err["message"]
    big = json.loads((inbox / "failed" / "big.txt.failure.json").read_text(encoding="utf-8"))
    assert big["errors"][0]["code"] == "too_large"
    assert placed["xmlbomb.docx"] in ("processed", "failed")  # never a crash, never an expanded bomb
    for name in ("page.pdf", "cp1258.txt", "Kế hoạch số 12 (bản cuối).txt", "  spaced name .txt"):
        assert placed[safe_name(name)] == "processed", name
    assert safe_name("  spaced name .txt").startswith("spaced name ~")  # changed, so tagged
    assert "evil~" in " ".join(placed) and not (tmp_path / "evil.txt").exists()
    cp = json.loads((inbox / "processed" / "cp1258.txt.record.json").read_text(encoding="utf-8"))
    assert "Kế hoạch" in cp["text"] or "KẾ HOẠCH" in cp["text"]
    catalog = read_catalog(out)
    duplicates = list((inbox / "processed").glob("*.duplicate.json"))
    assert [d.name for d in duplicates] == ["docx-named.pdf.duplicate.json"]  # same bytes as ok-source.docx
    assert len(catalog) == len({e["filename"] for e in catalog}) == len(placed) - len(duplicates)
    assert all(problems(e, CATALOG_ENTRY_SCHEMA) == [] for e in catalog)


def test_duplicates_and_versions(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (name, text), (_, other) = corpus_texts()[:2]
    (inbox / "plan.txt").write_text(text, encoding="utf-8")
    (inbox / "copy of plan.txt").write_text(text, encoding="utf-8")
    serve_once(inbox, out)
    notes = list((inbox / "processed").glob("*.duplicate.json"))
    assert len(notes) == 1
    assert len(read_catalog(out)) == 1, "the same bytes are extracted once"
    # the same name again with new content: a new version, and the catalog keeps the current one
    (inbox / "plan.txt").write_text(other, encoding="utf-8")
    serve_once(inbox, out)
    (entry,) = read_catalog(out)
    record = json.loads((out / entry["record_path"]).read_text(encoding="utf-8"))
    assert record["text"].startswith(other.strip()[:30])
    assert len(entry["previous_record_ids"]) == 1 and entry["previous_record_ids"][0] != entry["record_id"]
    assert list((out / "records" / "history").glob("plan.txt.*.json"))
    assert sorted(finals(inbox)) == sorted(["plan.txt", "copy of plan.txt", f"plan-{entry['record_id'][:12]}.txt"])
    assert status(out)["counts"] == {"processed": 2, "failed": 0, "duplicates": 1, "retried": 0}


def test_subfolders_are_watched_and_mirrored(tmp_path: Path) -> None:
    """Files in subfolders of the inbox are inputs; each ends in the same subfolder of
    ``processed/`` or ``failed/``, known by its path, so equal names in two folders stay two documents."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    (first, text), (_, other), (_, third) = corpus_texts()[:3]
    for rel, body in (("2024/KH-01.txt", text), ("2023/KH-01.txt", other), ("2023/quý 4/kế hoạch.txt", third),
                      ("2023/empty.txt", "")):
        (inbox / rel).parent.mkdir(parents=True, exist_ok=True)
        (inbox / rel).write_text(body, encoding="utf-8")
    (inbox / "top.txt").write_text(text + "\nbản hai", encoding="utf-8")
    service = InboxService(ServiceConfig(inbox=inbox, out=out, poll=0.01, settle=0.0))
    assert status(out, inbox)["counts"]["waiting"] == 5
    service.run(once=True)
    for rel in ("2024/KH-01.txt", "2023/KH-01.txt", "2023/quý 4/kế hoạch.txt", "top.txt"):
        assert (inbox / "processed" / rel).read_bytes() and (inbox / "processed" / f"{rel}.record.json").exists(), rel
    assert (inbox / "failed" / "2023" / "empty.txt.failure.json").exists()
    assert not list((inbox / ".work").iterdir()), "no claimed file and no empty subfolder left in .work/"
    assert (inbox / "2023").is_dir(), "staff's folders stay"
    names = sorted(e["filename"] for e in read_catalog(out))
    assert names == ["2023/KH-01.txt", "2023/empty.txt", "2023/quý 4/kế hoạch.txt", "2024/KH-01.txt", "top.txt"]
    assert len({e["record_path"] for e in read_catalog(out)}) == 5
    assert status(out, inbox)["counts"] == {"processed": 4, "failed": 1, "duplicates": 0, "retried": 0,
                                             "waiting": 0, "in_progress": 0}


def test_a_failed_file_dropped_again_is_retried(tmp_path: Path) -> None:
    """The same bytes as a failure, dropped again, are processed again with the current limits
    (not a duplicate of the failure); the earlier failure is kept in ``failed/.history/``."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    text = corpus_texts()[0][1]
    (inbox / "plan.txt").write_text(text, encoding="utf-8")
    serve_once(inbox, out, limits=Limits(max_bytes=1000, max_pages=50))
    assert finals(inbox) == {"plan.txt": "failed"}
    (inbox / "plan.txt").write_text(text, encoding="utf-8")
    serve_once(inbox, out)
    assert finals(inbox) == {"plan.txt": "processed"}
    assert not list(inbox.rglob("*.duplicate.json"))
    kept = list((inbox / "failed" / ".history").iterdir())
    assert sorted(p.name.endswith(".failure.json") for p in kept) == [False, True]
    (entry,) = read_catalog(out)
    assert entry["status"] == "ok"
    assert status(out)["counts"] == {"processed": 1, "failed": 0, "duplicates": 0, "retried": 1}


def test_retry_command(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    (inbox / "2024").mkdir(parents=True)
    (name, text), (_, other) = corpus_texts()[:2]
    (inbox / "2024" / "a.txt").write_text(text, encoding="utf-8")
    (inbox / "b.txt").write_text(other, encoding="utf-8")
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, timeout=300, env=env)

    serve = ["--out", str(out), "--engine", "local", "--settle", "0", "--poll", "0.05"]
    run = cli("watch", str(inbox), *serve, "--once", "--max-mb", "0.001")
    assert run.returncode == 1 and run.stdout.count("too_large") == 2, run.stdout + run.stderr
    assert cli("retry", *serve).returncode == 2  # neither names nor --all-failed
    missing = cli("retry", "nothing.txt", *serve)
    assert missing.returncode == 2 and "no failed file 'nothing.txt'" in missing.stderr
    run = cli("retry", "2024/a.txt", *serve)  # the inbox is the one the service served; the default limits
    assert run.returncode == 0, run.stdout + run.stderr
    assert "processed  2024/a.txt" in run.stdout and "tried again" in run.stdout
    assert finals(inbox) == {"b.txt": "failed"}
    assert (inbox / "processed" / "2024" / "a.txt").exists()
    assert list((inbox / "failed" / ".history" / "2024").glob("a.txt*.failure.json"))
    run = cli("retry", "--all-failed", *serve, "--max-mb", "0.001")  # still too large: fails again, reason shown
    assert run.returncode == 1 and "failed     b.txt" in run.stdout and "too_large" in run.stdout
    run = cli("retry", "--all-failed", *serve)
    assert run.returncode == 0 and "processed  b.txt" in run.stdout
    assert not list((inbox / "failed").glob("*.failure.json"))
    assert status(out, inbox)["counts"] == {"processed": 2, "failed": 0, "duplicates": 0, "retried": 3,
                                             "waiting": 0, "in_progress": 0}


def test_waits_until_a_file_stops_growing(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    service = InboxService(ServiceConfig(inbox=inbox, out=out, settle=5.0))
    growing = inbox / "growing.txt"
    growing.write_text("Kế hoạch")
    assert service.stable_files(now=100.0) == []
    with growing.open("a") as fh:
        fh.write(" số 1")
    assert service.stable_files(now=104.0) == []  # changed: the clock starts again
    assert service.stable_files(now=108.0) == []  # seen changing after 4 s: waits for 2 x 4 s
    assert service.stable_files(now=111.5) == []
    assert service.stable_files(now=112.5) == [growing]


def test_crash_leftovers_are_redone(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    text = corpus_texts()[0][1]
    service = InboxService(ServiceConfig(inbox=inbox, out=out))
    (inbox / "a.txt").write_text(text, encoding="utf-8")
    (inbox / "b.txt").write_text(text + "\nbản hai", encoding="utf-8")
    claimed = service.claim(inbox / "a.txt")
    (service.layout.work / "claim-0123__b.txt").write_bytes((inbox / "b.txt").read_bytes())  # killed mid-claim
    (inbox / "b.txt").unlink()
    assert claimed is not None and claimed.exists()
    serve_once(inbox, out)
    assert finals(inbox) == {"a.txt": "processed", "b.txt": "processed"}
    assert len(read_catalog(out)) == 2


def test_one_service_per_output_folder(tmp_path: Path) -> None:
    first = InboxService(ServiceConfig(inbox=tmp_path / "in", out=tmp_path / "out"))
    first.acquire()
    with pytest.raises(AlreadyRunning):
        InboxService(ServiceConfig(inbox=tmp_path / "in", out=tmp_path / "out")).acquire()


@pytest.mark.parametrize("raw,safe", [("a.txt", "a.txt"), ("Kế hoạch 12.docx", "Kế hoạch 12.docx"),
                                      ("../../x.pdf", "x~"), ("..\\..\\evil.txt", "evil~"), (".hidden", "hidden~"),
                                      ("  ", "unnamed~"), ("Kế hoạch\x07.docx", "Kế hoạch~")])
def test_safe_names(raw: str, safe: str) -> None:
    """A name kept as it is, or, when it had to change, the cleaned name with a hash of the original."""
    name = safe_name(raw)
    assert name == safe if not safe.endswith("~") else re.fullmatch(re.escape(safe) + r"[0-9a-f]{8}(\.\w+)?", name)


def test_watch_and_status_commands(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "plan.txt").write_text(corpus_texts()[0][1], encoding="utf-8")
    (inbox / "empty.txt").write_bytes(b"")
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    run = subprocess.run([sys.executable, "-m", "pipeline", "watch", str(inbox), "--out", str(out), "--engine", "local",
                          "--settle", "0", "--poll", "0.05", "--once"], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 1, run.stderr  # a file failed
    assert "processed  plan.txt" in run.stdout and "failed     empty.txt" in run.stdout
    assert "empty.txt: no_text:" in run.stdout  # the failure's reason, where it happens
    st = subprocess.run([sys.executable, "-m", "pipeline", "status", "--out", str(out), "--inbox", str(inbox)],
                        capture_output=True, text=True, timeout=120, env=env)
    assert st.returncode == 0
    assert "processed: 1  failed: 1  duplicates: 0  retried: 0  waiting: 0  in_progress: 0" in st.stdout
    assert "empty.txt: no_text" in st.stdout


def test_prefect_engine_serves_a_batch(tmp_path: Path, prefect_harness) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    for i, (name, text) in enumerate(corpus_texts()[:3]):
        (inbox / name).write_text(text, encoding="utf-8")
    start = time.monotonic()
    serve_once(inbox, out, engine="prefect")
    assert len(finals(inbox)) == 3 and time.monotonic() - start < 300
    assert len(read_catalog(out)) == 3


def test_stale_temporary_writes_are_removed(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    (inbox / "processed").mkdir(parents=True)
    (out / "records").mkdir(parents=True)
    stale = [inbox / "processed" / ".a.txt.record.json.x1.tmp", out / "records" / ".a.txt.json.x2.tmp", out / ".catalog.jsonl.x3.tmp"]
    for p in stale:
        p.write_text("{half")
    serve_once(inbox, out)
    assert not any(p.exists() for p in stale)
