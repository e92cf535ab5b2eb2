"""Prefect at the edges: a flow that processes an inbox, one task per document.

Extraction stays plain Python (:mod:`pipeline.batch`); the flow adds per-document tasks that
run concurrently, retries on transient I/O failures, and failure isolation: a task that still
fails after its retries becomes a ``failed`` record, never a crashed batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.task_runners import ThreadPoolTaskRunner

from .batch import Summary, collect_inputs, process_and_write, write_record
from .catalog import update_catalog
from .process import source_info
from .record import failure_record

DEFAULT_WORKERS = 2


def _transient(task, task_run, state) -> bool:  # noqa: ANN001 - Prefect's callback signature
    """Retry only I/O errors (a file still being copied, a network share hiccup)."""
    try:
        state.result()
    except (OSError, TimeoutError):
        return True
    except Exception:
        return False
    return False


@task(name="process-document", retries=2, retry_delay_seconds=1, retry_condition_fn=_transient,
      task_run_name="process {path.name}")
def process_document_task(path: Path, out_dir: Path) -> dict[str, Any]:
    return process_and_write(path, out_dir)


def _crash_entry(path: Path, out_dir: Path, exc: BaseException) -> dict[str, Any]:
    record = failure_record(source_info(b"", path.name), [{
        "code": "internal_error", "stage": "process", "message": f"{type(exc).__name__}: {exc}",
        "exception": type(exc).__name__, "hint": "This is a pipeline bug; report it with the file attached.",
    }])
    try:
        data = path.read_bytes()
        record["record_id"] = record["source"]["sha256"] = source_info(data, path.name).sha256
        record["source"]["size"] = len(data)
    except OSError:
        pass
    return write_record(out_dir, record)


@flow(name="process-inbox", log_prints=True)
def process_inbox_flow(paths: list[str], out_dir: str, workers: int = DEFAULT_WORKERS) -> dict[str, Any]:
    """Process every input under ``paths`` into ``out_dir``; returns the batch counts."""
    out = Path(out_dir)
    inputs = collect_inputs(Path(p) for p in paths)
    runner_flow = _run_tasks.with_options(task_runner=ThreadPoolTaskRunner(max_workers=max(1, workers)))
    entries = runner_flow(inputs, out)
    update_catalog(out, entries)
    return {"entries": entries}


@flow(name="process-documents")
def _run_tasks(inputs: list[Path], out: Path) -> list[dict[str, Any]]:
    futures = [process_document_task.submit(p, out) for p in inputs]
    entries = []
    for path, fut in zip(inputs, futures):
        try:
            entries.append(fut.result())
        except Exception as exc:  # the task failed after its retries: isolate it
            entries.append(_crash_entry(path, out, exc))
    return entries


# Services registered for the inbox flow: a flow's parameters must be plain data, so the flow
# is given a service's key and finds the running service (its locks and state) here.
_SERVICES: dict[str, Any] = {}


@task(name="handle-inbox-file", retries=2, retry_delay_seconds=1, retry_condition_fn=_transient,
      task_run_name="handle {work_path}")
def handle_inbox_file_task(service_key: str, work_path: str) -> Any:
    return _SERVICES[service_key].handle(Path(work_path))


@flow(name="inbox-batch")
def _inbox_batch(service_key: str, work_paths: list[str]) -> list[Any]:
    futures = [handle_inbox_file_task.submit(service_key, p) for p in work_paths]
    return [f.result() for f in futures]


def inbox_batch_flow(service: Any, paths: list[Path]) -> list[Any]:
    """Handle claimed inbox files as one Prefect flow run, ``service.config.concurrency`` at a time."""
    key = str(id(service))
    _SERVICES[key] = service
    runner = ThreadPoolTaskRunner(max_workers=max(1, service.config.concurrency))
    return _inbox_batch.with_options(task_runner=runner)(key, [str(p) for p in paths])


def process_with_prefect(paths: list[Path], out_dir: Path, workers: int = DEFAULT_WORKERS) -> Summary:
    result = process_inbox_flow([str(p) for p in paths], str(out_dir), workers)
    return Summary(out_dir, result["entries"])
