"""The Prefect flow on a Dask cluster (``prefect-dask``): the same records as a local run, the
catalog written once by the flow, and per-document failures (a broken file, an exception in a
task, a worker process that dies) isolated as ``failed`` records."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.run.batch import process_local

pytest.importorskip("prefect_dask")

INBOX = Path(__file__).resolve().parents[1] / "corpus" / "inbox"
# .txt, .docx and text-layer .pdf files (no scans: OCR is slow)
SAMPLE = ["101_kh-skhcn-dongnai-htx.txt", "103_qd-ubnd-laocai-ocop.txt", "106_kh-lmhtx-sonla.txt",
          "110_tin-skhdt-gialai-doanhnghiep.txt", "122_qd-ubnd-laocai-ocop.pdf", "123_kh-congdoan-bacgiang-ldgioi.pdf",
          "124_hd-btdkt-thaibinh-ntm.docx", "126_kh-ubnd-binhdinh-chuyendoiso.docx"]
BROKEN_PDF = b"%PDF-1.7\n1 0 obj <</Type /Catalog>> garbage without xref"

# Loaded by every worker of the cluster in test_dask_isolates_task_failures (also by a worker
# restarted after a crash): a document named crash* raises, one named die* kills its worker.
FAULTS = '''
import os
from pathlib import Path

import pipeline.run.batch as batch

_real = batch.process_path


def _faulty(path):
    if Path(path).name.startswith("crash"):
        raise RuntimeError("simulated extractor crash")
    if Path(path).name.startswith("die"):
        os._exit(1)
    return _real(path)


def dask_setup(worker):
    batch.process_path = _faulty
'''


def make_inbox(root: Path, extra: dict[str, bytes]) -> Path:
    inbox = root / "inbox"
    inbox.mkdir()
    for name in SAMPLE:
        shutil.copyfile(INBOX / name, inbox / name)
    for name, data in extra.items():
        (inbox / name).write_bytes(data)
    return inbox


def record_files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "records").glob("*.json"))}


def envelope(out: Path) -> dict:
    doc = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    doc.pop("generated_at")
    return doc


def test_dask_runner_matches_local_run(tmp_path: Path, prefect_harness, monkeypatch) -> None:
    from prefect_dask import DaskTaskRunner

    import pipeline.run.batch as batch
    import pipeline.run.flows as flows

    inbox = make_inbox(tmp_path, {"broken.pdf": BROKEN_PDF})
    local = process_local([inbox], tmp_path / "local")

    # Proof that the documents are processed in the Dask worker processes: in this process
    # the extractor now fails, in freshly started workers it does not.
    def not_here(path: Path) -> dict:
        raise AssertionError("a document was processed in the flow's process")

    monkeypatch.setattr(batch, "process_path", not_here)
    runners = []
    make_runner = flows.task_runner
    monkeypatch.setattr(flows, "task_runner", lambda *a, **kw: runners.append(make_runner(*a, **kw)) or runners[-1])

    summary = flows.process_with_prefect([inbox], tmp_path / "dask", workers=3, runner="dask")

    assert isinstance(runners[0], DaskTaskRunner) and runners[0].address is None
    assert runners[0].cluster_kwargs["n_workers"] == 3 and runners[0].cluster_kwargs["threads_per_worker"] == 1
    assert summary.counts == local.counts
    assert summary.counts["failed"] == 1 and summary.counts["ok"] + summary.counts["partial"] == len(SAMPLE)
    broken = {e["filename"]: e for e in summary.entries}["broken.pdf"]
    assert broken["status"] == "failed" and broken["error_codes"] != ["internal_error"]
    dask_files, local_files = record_files(tmp_path / "dask"), record_files(tmp_path / "local")
    assert sorted(dask_files) == sorted(local_files) and len(dask_files) == len(SAMPLE) + 1
    for name in local_files:
        assert dask_files[name] == local_files[name], name
    assert (tmp_path / "dask" / "catalog.jsonl").read_bytes() == (tmp_path / "local" / "catalog.jsonl").read_bytes()
    assert envelope(tmp_path / "dask") == envelope(tmp_path / "local")


def test_dask_isolates_task_failures(tmp_path: Path, prefect_harness) -> None:
    """An existing cluster (``--dask-address``) whose workers raise on one document and die on
    another: both become ``failed`` records; the other documents and the catalog are complete."""
    import dask
    from distributed import LocalCluster

    from pipeline.run.flows import process_with_prefect

    preload = tmp_path / "faults.py"
    preload.write_text(FAULTS)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in SAMPLE[:2] + SAMPLE[-1:]:
        shutil.copyfile(INBOX / name, inbox / name)
    (inbox / "crash.txt").write_bytes((INBOX / SAMPLE[0]).read_bytes())
    (inbox / "die.txt").write_bytes((INBOX / SAMPLE[1]).read_bytes())
    # A dead worker fails its task at once (no rescheduling), and takes only that task with it.
    config = {"distributed.scheduler.allowed-failures": 0, "distributed.scheduler.worker-saturation": 1.0}
    with dask.config.set(config), LocalCluster(n_workers=2, threads_per_worker=1, preload=[str(preload)],
                                               dashboard_address="127.0.0.1:0", env={"DO_NOT_TRACK": "1"}) as cluster:
        summary = process_with_prefect([inbox], tmp_path / "out", runner="dask", dask_address=cluster.scheduler_address)

    by_name = {e["filename"]: e for e in summary.entries}
    assert sorted(by_name) == sorted(["crash.txt", "die.txt", *SAMPLE[:2], SAMPLE[-1]])
    for name in ("crash.txt", "die.txt"):
        assert by_name[name]["status"] == "failed" and by_name[name]["error_codes"] == ["internal_error"], name
    record = json.loads((tmp_path / "out" / by_name["crash.txt"]["record_path"]).read_text(encoding="utf-8"))
    assert "simulated extractor crash" in record["errors"][0]["message"]
    record = json.loads((tmp_path / "out" / by_name["die.txt"]["record_path"]).read_text(encoding="utf-8"))
    assert record["errors"][0]["exception"] == "KilledWorker"
    assert all(by_name[n]["status"] != "failed" for n in SAMPLE[:2] + SAMPLE[-1:])
    catalog = [json.loads(line) for line in (tmp_path / "out" / "catalog.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(e["filename"] for e in catalog) == sorted(by_name)
