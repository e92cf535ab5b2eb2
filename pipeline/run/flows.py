"""Prefect at the edges: a flow that processes an inbox, one task per document.

Extraction stays plain Python (:mod:`pipeline.run.batch`); the flow adds per-document tasks that
run concurrently, retries on transient I/O failures, and failure isolation: a task that still
fails after its retries becomes a ``failed`` record, never a crashed batch.

Where the tasks run is a setting (:func:`task_runner`): ``thread`` (default) runs them in
threads of the flow's process; ``dask`` runs them on a Dask cluster through ``prefect-dask``,
either an existing scheduler (``VNPLAN_DASK_ADDRESS`` / ``--dask-address``) or a temporary
``distributed.LocalCluster`` of ``workers`` processes. Tasks are module-level functions with
plain-data arguments (paths as ``str``) so that Dask can pickle them; each task writes its
record into the output folder, and the catalog is updated once, by the flow run.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from prefect import flow, get_run_logger, task
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from ..core.reaper import guard
from ..publish.catalog import update_catalog
from ..record.build import failure_record
from .batch import Summary, collect_inputs, process_and_write, write_record
from .process import source_info

DEFAULT_WORKERS = 2
RUNNERS = ("thread", "dask")
RUNNER_ENV = "VNPLAN_TASK_RUNNER"
DASK_ADDRESS_ENV = "VNPLAN_DASK_ADDRESS"


def resolve_runner(runner: str | None = None, dask_address: str | None = None) -> tuple[str, str | None]:
    """The task runner to use and the Dask scheduler address, from the arguments, else the
    environment (``VNPLAN_TASK_RUNNER``, ``VNPLAN_DASK_ADDRESS``). A scheduler address with no
    runner named means ``dask``; otherwise the default is ``thread``."""
    address = dask_address or os.environ.get(DASK_ADDRESS_ENV) or None
    name = (runner or os.environ.get(RUNNER_ENV) or ("dask" if address else "thread")).strip().lower()
    if name not in RUNNERS:
        raise ValueError(f"unknown task runner {name!r} (choose from {', '.join(RUNNERS)}; set by --runner or {RUNNER_ENV})")
    return name, (address if name == "dask" else None)


def task_runner(runner: str | None = None, workers: int = DEFAULT_WORKERS, dask_address: str | None = None) -> TaskRunner:
    """``thread``: ``workers`` threads in this process. ``dask``: the Dask scheduler at
    ``dask_address`` (``tcp://host:8786``) if one is given, else a temporary local cluster of
    ``workers`` worker processes with one thread each, closed when the flow run ends."""
    name, address = resolve_runner(runner, dask_address)
    if name == "thread":
        return ThreadPoolTaskRunner(max_workers=max(1, workers))
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_class="distributed.LocalCluster", cluster_kwargs={
        "n_workers": max(1, workers), "threads_per_worker": 1, "processes": True,
        "dashboard_address": "127.0.0.1:0",  # any free port on this machine, not `serve`'s 8787
        # No client telemetry from the workers (the CLI opts out of Prefect's analytics too); without
        # a route to the telemetry endpoint a worker process also takes seconds to exit.
        "env": {"DO_NOT_TRACK": os.environ.get("DO_NOT_TRACK") or "1"},
    })


def _transient(task, task_run, state) -> bool:  # noqa: ANN001 - Prefect's callback signature
    """Retry only I/O errors (a file still being copied, a network share hiccup)."""
    try:
        state.result()
    except (OSError, TimeoutError):
        return True
    except Exception:
        return False
    return False


def _document_run_name() -> str:
    from prefect.runtime import task_run

    return f"process {Path(task_run.parameters['path']).name}"


@task(name="process-document", retries=2, retry_delay_seconds=1, retry_condition_fn=_transient,
      task_run_name=_document_run_name)
def process_document_task(path: str, out_dir: str) -> dict[str, Any]:
    """Process one input and publish its record; returns its catalog entry. Module-level with
    ``str`` arguments, so that it pickles for Dask workers."""
    return process_and_write(Path(path), Path(out_dir))


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
def process_inbox_flow(paths: list[str], out_dir: str, workers: int = DEFAULT_WORKERS,
                       runner: str | None = None, dask_address: str | None = None) -> dict[str, Any]:
    """Process every input under ``paths`` into ``out_dir``; returns the batch's catalog entries.

    The documents are processed by ``runner`` (see :func:`task_runner`); the catalog is updated
    here, in the flow run, after every task has finished: it has one writer."""
    name, address = resolve_runner(runner, dask_address)
    out = Path(out_dir)
    inputs = collect_inputs(Path(p) for p in paths)
    if name == "dask":  # workers have their own working directory (or machine): give them absolute paths
        out, inputs = out.absolute(), [p.absolute() for p in inputs]
    runner_flow = _run_tasks.with_options(task_runner=task_runner(name, workers, address))
    with _api_for_workers(name, address):
        entries = runner_flow([str(p) for p in inputs], str(out))
    update_catalog(out, entries)
    return {"entries": entries}


@contextmanager
def _api_for_workers(runner: str, address: str | None) -> Iterator[None]:
    """Dask workers are other processes: they report task runs to the Prefect API named in the
    settings the flow run sends them. Without ``PREFECT_API_URL`` that is empty, and each worker
    would try to start a temporary API of its own; name the flow's temporary API instead."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if runner != "dask" or PREFECT_API_URL.value():
        yield
        return
    from prefect.client.orchestration import get_client

    url = str(get_client(sync_client=True).api_url).rstrip("/")
    host = (address or "").split("://")[-1].rsplit(":", 1)[0].strip("[]")
    if address and host not in ("127.0.0.1", "localhost", "::1"):
        get_run_logger().warning(
            "PREFECT_API_URL is not set: Dask workers report to this process's temporary Prefect API at %s, "
            "which workers on other machines cannot reach; run a Prefect server and set PREFECT_API_URL", url)
    with temporary_settings(updates={PREFECT_API_URL: url}):
        yield


#: Progress callbacks of running batches, by output folder: a flow's parameters must be plain
#: data, so the flow finds the caller's callback here (see :func:`process_with_prefect`).
_ON_DOCUMENT: dict[str, Callable[[dict[str, Any]], None]] = {}


@flow(name="process-documents")
def _run_tasks(inputs: list[str], out: str) -> list[dict[str, Any]]:
    futures = [process_document_task.submit(p, out) for p in inputs]
    entries = []
    on_document = _ON_DOCUMENT.get(out)
    for path, fut in zip(inputs, futures):
        try:
            entries.append(fut.result())
        except Exception as exc:  # failed after its retries, or (Dask) its worker died: isolate it
            entries.append(_crash_entry(Path(path), Path(out), exc))
        if on_document is not None:
            on_document(entries[-1])
        wrapped = getattr(fut, "wrapped_future", None)
        if hasattr(wrapped, "release"):  # Dask: forget the result, or a worker's death would recompute it
            wrapped.release()
    return entries


_guarded: dict[int, Any] = {}


def start_api() -> None:
    """Start Prefect's temporary API now (when no ``PREFECT_API_URL`` is set), in the calling
    thread, before any flow runs, and make it die with this process even on SIGKILL
    (:func:`pipeline.core.reaper.guard`); Prefect stops it itself on a normal exit."""
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    proc = server.server_process
    if proc is not None and proc.pid not in _guarded:
        _guarded[proc.pid] = guard(proc.pid)


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
    """Handle claimed inbox files as one Prefect flow run, ``service.config.concurrency`` at a time.

    Always in threads of this process: a task calls the running service (its per-hash locks,
    state store and catalog lock), which cannot be sent to another process."""
    key = str(id(service))
    _SERVICES[key] = service
    runner = ThreadPoolTaskRunner(max_workers=max(1, service.config.concurrency))
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = _inbox_batch.with_options(task_runner=runner)(key, [str(p) for p in paths])
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            result["error"] = exc

    # The flow runs in a thread of its own: Prefect then leaves the service's SIGTERM handler in
    # place (it replaces it only in the main thread), and a SIGTERM stops the service cleanly.
    thread = threading.Thread(target=run, name="inbox-batch", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.5)
    if "error" in result:
        raise result["error"]
    return result["value"]


def process_with_prefect(paths: list[Path], out_dir: Path, workers: int = DEFAULT_WORKERS,
                         runner: str | None = None, dask_address: str | None = None,
                         on_document: Callable[[dict[str, Any]], None] | None = None) -> Summary:
    name, address = resolve_runner(runner, dask_address)
    key = str(out_dir.absolute() if name == "dask" else out_dir)
    if on_document is not None:
        _ON_DOCUMENT[key] = on_document
    try:
        result = process_inbox_flow([str(p) for p in paths], str(out_dir), workers, runner, dask_address)
    finally:
        _ON_DOCUMENT.pop(key, None)
    return Summary(out_dir, result["entries"])
