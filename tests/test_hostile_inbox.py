"""The inbox under hostile and careless use: every input accounted for in ``processed/`` or
``failed/``, nothing overwritten, nothing followed out of the inbox, no document able to take
the service down, no process or temporary folder outliving it.

Each case is written by the test. The cases, by what they guard against:

1. names equal after cleaning in one batch (``doc01.txt`` / ``doc01.txt ``, ``2024\\KH-01.txt`` /
   ``2023\\KH-01.txt``): both kept, neither overwritten (:func:`test_hostile_mix`);
2. unsupported files and texts together on the default (Prefect) engine: no deadlock, and a
   clean SIGTERM (:func:`test_hostile_mix`, :func:`test_kill_term_and_restart_leave_nothing`);
3. poison files: a name over 189 bytes, a name that is not UTF-8, a file that cannot be read
   (:func:`test_hostile_mix`, :func:`test_unreadable_file_is_failed_and_the_service_goes_on`);
4. documents whose content is far larger than their size (flate bomb, huge DOCX XML, huge text),
   a document over the time limit, over the memory limit (:func:`test_hostile_mix`,
   :func:`test_worker_limits`);
5. symbolic links, pipes and folders in the inbox (:func:`test_hostile_mix`);
6. names that collide across batches, NFD names (:func:`test_names_across_batches`);
7. and 11. the API: long queries, huge offsets, the Host header, LIKE wildcards (:func:`test_api_bounds`);
8. reviewer edits out of bounds, a deleted record file, an invalid edit and a new version
   (:func:`test_reviewer_edit_bounds`, :func:`test_deleted_record_file_comes_back`,
   :func:`test_invalid_edit_is_set_aside_by_a_new_version`);
9. a slow writer, a file changed while it is processed (:func:`test_slow_writer_is_waited_for`,
   :func:`test_file_changed_while_processed_is_requeued`);
10. leftovers after SIGKILL: the temporary Prefect API, LibreOffice and its folders
    (:func:`test_kill_term_and_restart_leave_nothing`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT
from inbox_cases import corpus_texts

sys.path.insert(0, str(ROOT / "benchmarks"))
import hostile_inputs  # noqa: E402

from pipeline.core.model import SourceInfo  # noqa: E402
from pipeline.ingest.limits import Limits  # noqa: E402
from pipeline.publish.catalog import read_catalog  # noqa: E402
from pipeline.run.inbox import NOTES, safe_name  # noqa: E402
from pipeline.run.service import InboxService, ServiceConfig  # noqa: E402
from pipeline.run.workers import DocumentWorkers  # noqa: E402

LONG_NAME = ("Kế hoạch triển khai thực hiện phong trào thi đua chuyển đổi số của Ủy ban nhân dân tỉnh "
             "giai đoạn hai nghìn không trăm hai mươi lăm đến năm hai nghìn không trăm ba mươi.txt")
NFD_NAME = unicodedata.normalize("NFD", "Kế hoạch chuyển đổi số.txt")
MARKER = "VNPLAN_HOSTILE_TEST"


# -- helpers ------------------------------------------------------------------------------------
def text(i: int) -> str:
    texts = corpus_texts()
    name, body = texts[i % len(texts)]
    return f"{body}\n\nGhi chú lưu trữ: bản số {i}."


def write(folder: Path, name: str | bytes, data: str | bytes) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path = os.path.join(os.fsencode(folder), os.fsencode(name))
    with open(path, "wb") as fh:
        fh.write(raw)


def documents(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if not p.name.endswith(NOTES)]


def contents(inbox: Path) -> Counter:
    """sha256 of every document in ``processed/`` and ``failed/``."""
    return Counter(hashlib.sha256(p.read_bytes()).hexdigest()
                   for folder in ("processed", "failed") for p in documents(inbox / folder))


def check_catalog(out: Path) -> list[dict]:
    """Every catalog line names an existing record file holding that record; no record file is
    shared by two names."""
    catalog = read_catalog(out)
    assert len({e["record_path"] for e in catalog}) == len(catalog)
    for e in catalog:
        record = json.loads((out / e["record_path"]).read_text(encoding="utf-8"))
        assert record["record_id"] == e["record_id"] and record["source"]["filename"] == e["filename"], e
    return catalog


def environment(tmp: Path) -> dict[str, str]:
    """The service's environment: a marker every descendant inherits, its own temporary folder."""
    tmp.mkdir(exist_ok=True)
    return {**os.environ, MARKER: str(tmp), "TMPDIR": str(tmp), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1"}


def marked(tmp: Path) -> list[int]:
    """Processes that carry the marker of ``tmp`` (descendants of a service of this test)."""
    found, needle = [], f"{MARKER}={tmp}".encode()
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/environ", "rb") as fh:
                    if needle in fh.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:
                continue
    return found


def wait_for(condition, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


def leftovers(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith("vnplan-"))


def watch(inbox: Path, out: Path, tmp: Path, *args: str, engine: str | None = None, env: dict | None = None
          ) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "pipeline", "watch", str(inbox), "--out", str(out), "--settle", "0.2",
           "--poll", "0.1", "--fail-on", "never", *args]
    if engine:
        cmd += ["--engine", engine]
    return subprocess.Popen(cmd, cwd=ROOT, env={**environment(tmp), **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


# -- 1 to 5: one inbox of everything, on both engines --------------------------------------------
def hostile_inbox(inbox: Path, outside: Path) -> tuple[dict[bytes, bytes], dict[str, str]]:
    """Write the mix; returns the regular inputs (name bytes -> content) and the expected failure
    code of some of them (by safe name)."""
    inbox.mkdir(parents=True)
    expected: dict[str, str] = {}
    for i, name in enumerate(["doc01.txt", "doc01.txt ", "2024\\KH-01.txt", "2023\\KH-01.txt", "KH 01.txt",
                              "KH_01.txt", LONG_NAME, NFD_NAME, "report.txt", "report.txt "]):
        write(inbox, name, text(i))
    write(inbox, b"ke-hoach-\xff\xfe.txt", text(20))
    for i in range(30):
        write(inbox, f"blob-{i:02d}.bin", bytes([0, 159, 146, 150, i]) * 64)
        expected[f"blob-{i:02d}.bin"] = "unsupported_format"
    hostile_inputs.flate_bomb_pdf(inbox / "bomb.pdf", 400 * 1024)  # ~400 MB of content stream
    expected["bomb.pdf"] = "too_large"
    hostile_inputs.huge_xml_docx(inbox / "heavy.docx", 3 * 1024 * 1024)
    expected["heavy.docx"] = "too_large"
    hostile_inputs.huge_text(inbox / "long.txt", 600 * 1024)
    expected["long.txt"] = "too_large"
    secret = outside / "secret.txt"
    secret.write_text("SECRET-OUTSIDE-THE-INBOX " + text(3), encoding="utf-8")
    os.symlink(secret, inbox / "link.txt")
    os.symlink("/etc/passwd", inbox / "passwd.txt")
    os.mkfifo(inbox / "pipe.txt")
    (inbox / "folder.txt").mkdir()
    inputs = {os.fsencode(p.name): p.read_bytes() for p in inbox.iterdir() if p.is_file() and not p.is_symlink()}
    return inputs, expected


#: Small budgets so that the mix stays small: the same checks hold at the default sizes.
BUDGETS = {"VNPLAN_MAX_XML_MB": "2", "VNPLAN_MAX_CHARS": "200000", "VNPLAN_MAX_STREAM_MB": "64"}


@pytest.mark.parametrize("engine", ["prefect", "local"])
def test_hostile_mix(tmp_path: Path, engine: str) -> None:
    inbox, out, tmp, outside = tmp_path / "inbox", tmp_path / "out", tmp_path / "tmp", tmp_path / "outside"
    outside.mkdir()
    inputs, expected = hostile_inbox(inbox, outside)
    proc = watch(inbox, out, tmp, "--once", engine=None if engine == "prefect" else engine, env=BUDGETS)
    try:
        stdout, stderr = proc.communicate(timeout=600)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr[-3000:]

    # every input in processed/ or failed/, none lost, none overwritten, none twice
    assert contents(inbox) == Counter(hashlib.sha256(d).hexdigest() for d in inputs.values())
    assert not list((inbox / ".work").iterdir())
    assert sorted(p.name for p in inbox.iterdir() if p.name not in ("processed", "failed", ".work")) == [
        "folder.txt", "link.txt", "passwd.txt", "pipe.txt"]  # left where they are, never followed
    assert "refused" in stdout and "symbolic link" in stdout + stderr
    for folder in ("processed", "failed"):
        for doc in documents(inbox / folder):
            note = ".record.json" if folder == "processed" else (".failure.json", ".duplicate.json")
            assert any((inbox / folder / f"{doc.name}{n}").exists() for n in (note if isinstance(note, tuple) else (note,)))
    for name, code in expected.items():
        failure = json.loads((inbox / "failed" / f"{name}.failure.json").read_text(encoding="utf-8"))
        assert failure["errors"][0]["code"] == code, (name, failure["errors"])
        assert failure["errors"][0]["hint"]

    catalog = check_catalog(out)
    names = {e["filename"] for e in catalog}
    assert {safe_name("doc01.txt"), safe_name("doc01.txt "), safe_name("2024\\KH-01.txt"),
            safe_name("2023\\KH-01.txt"), "KH 01.txt", "KH_01.txt", "report.txt", safe_name("report.txt ")} <= names
    assert len({safe_name("doc01.txt"), safe_name("doc01.txt "), safe_name("2024\\KH-01.txt"),
                safe_name("2023\\KH-01.txt")}) == 4
    assert unicodedata.normalize("NFC", NFD_NAME) in names
    long = [n for n in names if n.startswith("Kế hoạch triển khai")]
    assert len(long) == 1 and len(long[0].encode()) <= 150
    assert any(n.startswith("ke-hoach-~") for n in names)  # not UTF-8: replaced, tagged
    for e in catalog:
        record = json.loads((out / e["record_path"]).read_text(encoding="utf-8"))
        assert "SECRET-OUTSIDE" not in (record["text"] or "") and "root:x:0:0" not in (record["text"] or "")
    # nothing outlives the service
    assert wait_for(lambda: not marked(tmp), 20), marked(tmp)
    assert leftovers(tmp) == []


def test_unreadable_file_is_failed_and_the_service_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.run import service as service_module

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    write(inbox, "locked.txt", text(1))
    write(inbox, "fine.txt", text(2))
    real = service_module.hash_file

    def hash_file(path: Path):
        if path.name.endswith("locked.txt"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(service_module, "hash_file", hash_file)
    InboxService(ServiceConfig(inbox=inbox, out=out, poll=0.01, settle=0.0, isolate=False)).run(once=True)
    note = json.loads((inbox / "failed" / "locked.txt.failure.json").read_text(encoding="utf-8"))
    assert note["errors"][0]["code"] == "io_error" and "Permission denied" in note["errors"][0]["message"]
    assert (inbox / "failed" / "locked.txt").read_text(encoding="utf-8") == text(1)
    assert (inbox / "processed" / "fine.txt").exists() and [e["filename"] for e in read_catalog(out)] == ["fine.txt"]


def test_worker_limits(tmp_path: Path) -> None:
    """Over the time limit: ``timeout``; over the memory limit: ``too_large``; the next document
    is processed normally."""
    path = tmp_path / "plan.txt"
    path.write_text(text(4) * 150, encoding="utf-8")
    source = SourceInfo("plan.txt", hashlib.sha256(path.read_bytes()).hexdigest(), "text/plain", path.stat().st_size)
    workers = DocumentWorkers()
    workers.start()
    slow = workers.process(path, "plan.txt", source, Limits(timeout=0.05))
    assert slow["status"] == "failed" and slow["errors"][0]["code"] == "timeout"
    greedy = workers.process(path, "plan.txt", source, Limits(max_memory_bytes=2**20))
    assert greedy["status"] == "failed" and greedy["errors"][0]["code"] == "too_large"
    assert "VNPLAN_MAX_MEMORY_MB" in greedy["errors"][0]["hint"]
    ok = workers.process(path, "plan.txt", source, Limits())
    assert ok["status"] != "failed" and ok["record_id"] == source.sha256


# -- 6: names across batches -------------------------------------------------------------------
def test_names_across_batches(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    config = ServiceConfig(inbox=inbox, out=out, poll=0.01, settle=0.0, isolate=False)
    batches = [["a\\b.txt", "report.txt ", "KH 01.txt", NFD_NAME], ["b.txt", "report.txt", "KH_01.txt"]]
    for i, batch in enumerate(batches):
        for j, name in enumerate(batch):
            write(inbox, name, text(10 * i + j))
        InboxService(config).run(once=True)
    catalog = check_catalog(out)
    assert len(catalog) == 7 and not any(e.get("previous_record_ids") for e in catalog)  # no false versions
    assert unicodedata.normalize("NFC", NFD_NAME) in {e["filename"] for e in catalog}
    assert sorted(p.name for p in documents(inbox / "processed")) == sorted(safe_name(n) for b in batches for n in b)


# -- 7 and 11: the API's bounds -----------------------------------------------------------------
def test_api_bounds(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from pipeline.run.batch import process_local
    from pipeline.serve.api import create_app

    out = tmp_path / "out"
    process_local(sorted((CORPUS / "inbox").glob("10*.txt"))[:3], out)
    with TestClient(create_app(out)) as client:
        assert client.get("/records", params={"offset": 2**63}).status_code == 422
        page = client.get("/records", params={"limit": 1}, headers={"Host": "evil.example"}).json()
        assert "evil.example" not in json.dumps(page)
        assert client.get("/records", params={"issuer": "_"}).json()["total"] == 0
        start = time.monotonic()
        long = client.get("/records", params={"q": " ".join(["kế hoạch"] * 2500)})
        assert long.status_code == 422 and time.monotonic() - start < 30


# -- 8: reviewer edits --------------------------------------------------------------------------
@pytest.fixture()
def served(tmp_path: Path) -> tuple[Path, Path, ServiceConfig]:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    config = ServiceConfig(inbox=inbox, out=out, poll=0.01, settle=0.0, isolate=False)
    shutil.copy(CORPUS / "inbox" / "101_kh-skhcn-dongnai-htx.txt", inbox / "plan.txt")
    InboxService(config).run(once=True)
    return inbox, out, config


def test_reviewer_edit_bounds(served) -> None:
    from pipeline.review.corrections import capture_edits
    from pipeline.review.errors import InvalidEdit

    _, out, _ = served
    path = out / "records" / "plan.txt.json"
    original = path.read_text(encoding="utf-8")
    n = len(json.loads(original)["text"])

    def refused(change) -> list[str]:
        record = json.loads(original)
        change(record)
        path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
        with pytest.raises(InvalidEdit) as err:
            capture_edits(out, "plan.txt")
        path.write_text(original, encoding="utf-8")
        return [p.message for p in err.value.problems]

    def evidence(record: dict) -> dict:
        return record["document"]["evidence"]["title"]

    assert any("outside the text" in m for m in refused(lambda r: evidence(r).update(start=n + 10, end=n + 20, quote="")))
    assert any("outside the text" in m for m in refused(lambda r: evidence(r).update(start=20, end=10, quote="")))
    assert any("quote is empty" in m for m in refused(lambda r: evidence(r).update(start=5, end=5, quote="")))
    assert any("not a page" in m for m in refused(lambda r: evidence(r).update(page=999)))
    assert any("over the limit" in m for m in refused(lambda r: r["document"].update(title="Kế hoạch " * 10_000)))


def test_deleted_record_file_comes_back(served) -> None:
    inbox, out, config = served
    record = out / "records" / "plan.txt.json"
    before = json.loads(record.read_text(encoding="utf-8"))
    record.unlink()
    InboxService(config).run(once=True)  # at start-up
    assert json.loads(record.read_text(encoding="utf-8"))["record_id"] == before["record_id"]
    record.unlink()
    shutil.copy(inbox / "processed" / "plan.txt", inbox / "again.txt")  # a re-drop: a duplicate
    InboxService(config).run(once=True)
    assert record.exists() and list((inbox / "processed").glob("again.txt.duplicate.json"))
    check_catalog(out)


def test_invalid_edit_is_set_aside_by_a_new_version(served) -> None:
    inbox, out, config = served
    path = out / "records" / "plan.txt.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["document"]["evidence"]["title"]["page"] = 999
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    (inbox / "plan.txt").write_text(text(5), encoding="utf-8")  # a new version arrives
    InboxService(config).run(once=True)
    (entry,) = check_catalog(out)  # the catalog line and the record file are the new version
    assert entry["record_id"] != record["record_id"] and entry["previous_record_ids"] == [record["record_id"]]
    (aside,) = [p for p in (out / "corrections" / "set-aside").glob("plan.txt.*.json") if not p.name.endswith(".base.json")]
    assert json.loads(aside.read_text(encoding="utf-8"))["document"]["evidence"]["title"]["page"] == 999


# -- 9: writers ---------------------------------------------------------------------------------
def test_slow_writer_is_waited_for(tmp_path: Path) -> None:
    """A file written in bursts 1.5 s apart (settle 1 s) is read only once complete."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    body = text(6).encode("utf-8")
    parts = [body[i:i + len(body) // 4 + 1] for i in range(0, len(body), len(body) // 4 + 1)]
    service = InboxService(ServiceConfig(inbox=inbox, out=out, poll=0.1, settle=1.0, isolate=False))
    done = threading.Event()

    def writer() -> None:
        with open(inbox / "slow.txt", "wb") as fh:
            for part in parts:
                fh.write(part)
                fh.flush()
                time.sleep(1.5)
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    runner = threading.Thread(target=service.run)
    runner.start()
    try:
        thread.join(60)
        assert wait_for(lambda: (inbox / "processed" / "slow.txt.record.json").exists(), 120)
    finally:
        service.stop()
        runner.join(60)
    record = json.loads((inbox / "processed" / "slow.txt.record.json").read_text(encoding="utf-8"))
    assert (inbox / "processed" / "slow.txt").read_bytes() == body
    assert record["source"]["sha256"] == hashlib.sha256(body).hexdigest()


def test_file_changed_while_processed_is_requeued(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    write(inbox, "plan.txt", text(7))
    service = InboxService(ServiceConfig(inbox=inbox, out=out, poll=0.01, settle=0.0, isolate=False))
    real, calls = service._process, []

    def process(work_path: Path, name: str, source: SourceInfo):
        record = real(work_path, name, source)
        if not calls:
            with open(work_path, "ab") as fh:
                fh.write("\nPhụ lục bổ sung.".encode("utf-8"))
        calls.append(name)
        return record

    monkeypatch.setattr(service, "_process", process)
    service.run(once=True)
    assert len(calls) == 2  # processed again once changed
    kept = (inbox / "processed" / "plan.txt").read_bytes()
    record = json.loads((inbox / "processed" / "plan.txt.record.json").read_text(encoding="utf-8"))
    assert kept.endswith("Phụ lục bổ sung.".encode()) and record["source"]["sha256"] == hashlib.sha256(kept).hexdigest()


# -- 2 and 10: SIGKILL, SIGTERM, restart --------------------------------------------------------
def test_kill_term_and_restart_leave_nothing(tmp_path: Path) -> None:
    """Default engine. SIGKILL during a LibreOffice conversion: the converter, its folder, the
    workers and the temporary Prefect API die with the service. SIGTERM during a document: a
    prompt clean exit. A restart finishes everything and leaves no temporary folder."""
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        pytest.skip("LibreOffice is not installed")
    inbox, out, tmp = tmp_path / "inbox", tmp_path / "out", tmp_path / "tmp"
    inbox.mkdir()
    shutil.copy(next((CORPUS / "inbox").glob("*.doc")), inbox / "legacy.doc")
    for i in range(3):
        write(inbox, f"plan-{i}.txt", text(30 + i))
    inputs = Counter(hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.iterdir())

    proc = watch(inbox, out, tmp)
    try:
        converting = wait_for(lambda: [p for p in tmp.glob("vnplan-lo-*") if (p / "input.doc").exists()], 240)
        assert converting, proc.stderr.read() if proc.poll() is not None else "no conversion started"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        proc.kill()
    assert wait_for(lambda: not marked(tmp), 30), marked(tmp)  # soffice, workers, Prefect API: gone
    assert not any(p.exists() for p in converting)  # the conversion's private copy too

    proc = watch(inbox, out, tmp)  # redoes the claimed .doc first: stopped during its conversion
    try:
        assert wait_for(lambda: [p for p in tmp.glob("vnplan-lo-*") if (p / "input.doc").exists()], 240)
        proc.send_signal(signal.SIGTERM)
        start = time.monotonic()
        proc.wait(60)
        assert time.monotonic() - start < 60 and proc.returncode == 0, proc.stderr.read()[-2000:]
    finally:
        proc.kill()
    assert wait_for(lambda: not marked(tmp), 30), marked(tmp)
    assert list((inbox / ".work").iterdir()), "the interrupted document stays claimed"

    proc = watch(inbox, out, tmp, "--once")
    try:
        _, stderr = proc.communicate(timeout=600)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr[-2000:]
    assert contents(inbox) == inputs and not list((inbox / ".work").iterdir())
    assert len(check_catalog(out)) == 4
    assert wait_for(lambda: not marked(tmp), 30), marked(tmp)
    assert wait_for(lambda: leftovers(tmp) == [], 30), leftovers(tmp)  # a killed conversion's guard may still be removing it
