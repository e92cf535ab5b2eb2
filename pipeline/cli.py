"""Command line: ``python -m pipeline process PATH... [--out DIR]`` (also installed as ``vnplan``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

DEFAULT_OUT = Path("outputs")


def _usage_error(message: str) -> int:
    """Print a one-line usage error and return the usage exit code."""
    print(f"error: {message}", file=sys.stderr)
    return 2


def _check_out(out: Path, *, must_exist: bool = False) -> str | None:
    """Why ``out`` cannot be the output folder, or None: it is a file, or (``must_exist``) it is
    missing, or its parent folder is missing (a typo should not create a tree of folders)."""
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, not a folder"
    if must_exist and not out.is_dir():
        return f"no output folder {out}"
    if not out.exists() and not out.absolute().parent.is_dir():
        return f"--out {out}: its parent folder {out.absolute().parent} does not exist"
    return None


def _verbosity(args: argparse.Namespace) -> int:
    from .run.progress import NORMAL, QUIET, VERBOSE

    return QUIET if getattr(args, "quiet", False) else VERBOSE if getattr(args, "verbose", 0) else NORMAL


def _run_batch(args: argparse.Namespace, paths: list[Path], out: Path, label: str):
    """Process ``paths`` into ``out`` with the engine the options name, showing progress;
    returns the :class:`pipeline.run.report.BatchReport` (or an exit code for a usage error)."""
    import time

    from .run import cache
    from .run.batch import collect_inputs
    from .run.progress import Progress
    from .run.report import BatchReport

    total = len(collect_inputs(paths))
    hits_before = cache.hits(out)
    started = time.monotonic()
    with Progress(total, label, verbosity=_verbosity(args)) as progress:
        def on_document(entry: dict) -> None:
            progress.advance(entry["filename"], entry["status"])

        if getattr(args, "engine", "local") == "prefect":
            from .run.flows import process_with_prefect, resolve_runner

            try:
                runner, address = resolve_runner(args.runner, args.dask_address)
            except ValueError as exc:
                return _usage_error(str(exc))
            if args.dask_address and runner != "dask":
                return _usage_error("--dask-address needs --runner dask")
            summary = process_with_prefect(paths, out, args.workers, runner, address, on_document=on_document)
            from_cache = None if runner == "dask" else cache.hits(out) - hits_before
        else:
            from .run.batch import process_local

            summary = process_local(paths, out, on_document=on_document)
            from_cache = cache.hits(out) - hits_before
    return BatchReport.build(out, summary.entries, seconds=time.monotonic() - started, from_cache=from_cache)


def _cmd_process(args: argparse.Namespace) -> int:
    from .lang import vocabulary
    from .run.batch import collect_inputs

    vocabulary()  # load and check the vocabulary before touching any input
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        return _usage_error(f"no such file or folder: {', '.join(map(str, missing))}")
    problem = _check_out(args.out)
    if problem:
        return _usage_error(problem)
    if args.engine != "prefect" and (args.runner or args.dask_address):
        return _usage_error("--runner and --dask-address need --engine prefect")
    if not collect_inputs(args.paths):
        print(f"warning: no input files in {', '.join(map(str, args.paths))} (hidden files, lock files and "
              "unfinished downloads are skipped)", file=sys.stderr)
        if args.json:
            print(json.dumps({"out": str(args.out), "counts": {"ok": 0, "partial": 0, "failed": 0}, "documents": 0,
                              "entries": []}, ensure_ascii=False))
        return 4
    report = _run_batch(args, args.paths, args.out, "process")
    if isinstance(report, int):
        return report
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    elif not args.quiet or report.exit_code(args.fail_on):
        print(report)
    return report.exit_code(args.fail_on)


def _cmd_eval(args: argparse.Namespace) -> int:
    import tempfile

    from .run.evaluate import below, evaluate, format_report, load_records

    gold_files = sorted(args.gold.glob("*.json"))
    if not gold_files:
        print(f"error: no gold files (*.json) in {args.gold}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        records_dir = args.records
        if args.inputs:
            missing = [p for p in args.inputs if not p.exists()]
            if missing:
                return _usage_error(f"no such file or folder: {', '.join(map(str, missing))}")
            args.engine = "local"
            _run_batch(args, args.inputs, Path(tmp), "eval")
            records_dir = Path(tmp)
        elif not records_dir.is_dir():
            return _usage_error(f"no records folder {records_dir}")
        result = evaluate(gold_files, load_records(records_dir))
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_report(result, verbose=not args.quiet))
    if args.min_f1 is not None:
        failing = below(result, args.min_f1)
        if failing:
            print(f"FAILED: below {args.min_f1}: " + "; ".join(failing), file=sys.stderr)
            return 1
    return 0


def _check_inbox(inbox: Path) -> str | None:
    if not inbox.exists():
        return f"no inbox folder {inbox}"
    if not inbox.is_dir():
        return f"the inbox {inbox} is a file, not a folder"
    return None


def _serve(args: argparse.Namespace, inbox: Path, once: bool, settle: float | None = None, retrying: bool = False) -> int:
    """Run the inbox service on ``inbox`` with the options of ``watch``, a line per failure (and,
    unless quiet, per file); the exit code of ``watch``."""
    from .ingest.limits import Limits
    from .lang import vocabulary
    from .run.service import AlreadyRunning, InboxService, ServiceConfig

    vocabulary()
    config = ServiceConfig(inbox=inbox, out=args.out, concurrency=args.concurrency, poll=args.poll,
                           settle=args.settle if settle is None else settle,
                           limits=Limits.from_env(args.max_mb, args.max_pages), engine=args.engine)
    service = InboxService(config)
    verbosity = _verbosity(args)
    seen = {"failed": 0, "done": 0}

    def report(outcomes: list) -> None:
        for o in outcomes:
            seen["done"] += 1
            if o.state == "failed":
                seen["failed"] += 1
            reason = _failure_reason(Path(o.final_path)) if o.state == "failed" else ""
            retried = " (tried again; the earlier failure is in failed/.history/)" if o.detail.get("retried") else ""
            if verbosity or o.state == "failed":
                print(f"{o.state:10s} {o.name} -> {o.final_path}{reason}{retried}", flush=True)

    if verbosity and not once:
        print(f"watching {inbox} (outputs in {args.out}; Ctrl-C to stop)", flush=True)
    try:
        service.run(once=once, on_batch=report)
    except AlreadyRunning as exc:
        if retrying:  # the running service finds the files put back and processes them
            print(f"{exc}: it processes the files put back into {inbox}", flush=True)
            return 0
        return _usage_error(str(exc))
    if once:
        if verbosity:
            print(f"{seen['done']} file(s) handled, {seen['failed']} failed", flush=True)
        return 1 if seen["failed"] and args.fail_on != "never" else 0
    return 0


def _cmd_watch(args: argparse.Namespace) -> int:
    problem = _check_inbox(args.inbox) or _check_out(args.out)
    if problem:
        return _usage_error(problem)
    return _serve(args, args.inbox, args.once)


def _cmd_retry(args: argparse.Namespace) -> int:
    from .run.service import requeue_failed, served_inbox

    if bool(args.names) == bool(args.all_failed):
        return _usage_error("name the failed files to retry, or give --all-failed (not both)")
    inbox = args.inbox or served_inbox(args.out)
    if inbox is None:
        return _usage_error(f"no inbox service state in {args.out}: give --inbox")
    problem = _check_inbox(inbox) or _check_out(args.out, must_exist=True)
    if problem:
        return _usage_error(problem)
    from .run.inbox import Layout

    moved, unknown = requeue_failed(inbox, args.out, None if args.all_failed else args.names)
    for name in unknown:
        print(f"error: no failed file {name!r} in {inbox / 'failed'}", file=sys.stderr)
    if not moved and not (Layout(inbox).work.is_dir() and Layout(inbox).claimed()):
        if not unknown and _verbosity(args):
            print(f"no failed files in {inbox / 'failed'}", flush=True)
        return 2 if unknown else 0
    if moved and _verbosity(args):
        print(f"{len(moved)} failed file(s) put back into {inbox}; processing them again", flush=True)
    code = _serve(args, inbox, once=True, settle=0.0, retrying=True)
    return code if not unknown or code else 2


def _failure_reason(final: Path) -> str:
    """``: code: message`` from the failure note next to a failed file, or empty."""
    try:
        errors = json.loads(final.with_name(final.name + ".failure.json").read_text(encoding="utf-8"))["errors"]
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    return f": {errors[0]['code']}: {errors[0].get('message', '')}" if errors else ""


def _cmd_status(args: argparse.Namespace) -> int:
    from .run.service import status

    if not (args.out / "state.sqlite").exists():
        print(f"no inbox service state in {args.out}", file=sys.stderr)
        return 2
    result = status(args.out, args.inbox, args.last)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print("  ".join(f"{k}: {v}" for k, v in result["counts"].items()))
    if result["last_failures"]:
        print("last failures:")
        for f in result["last_failures"]:
            print(f"  {f['filename']}: {f['code']}: {f['reason']}")
    return 0


#: Options of ``search`` that are parameters of the API's search (same names, same checks).
_SEARCH_OPTIONS = ("kind", "number", "issuer", "province", "issued_from", "issued_to", "period_from", "period_to",
                   "target_year", "has_quotas", "cites", "status", "needs_review", "reviewed", "changed_since",
                   "order", "limit", "offset")


def _search_params(args: argparse.Namespace):
    """The search options checked as the API checks its parameters; prints the problems and
    returns None when one is invalid."""
    from pydantic import ValidationError

    from .serve.params import ExportParams, PageParams, SearchParams, problems

    values = {name: getattr(args, name) for name in _SEARCH_OPTIONS if getattr(args, name) is not None}
    try:
        if args.cited_by:
            return PageParams.model_validate({k: values[k] for k in ("limit", "offset") if k in values})
        model = ExportParams if args.csv else SearchParams
        return model.model_validate({"q": " ".join(args.query), **values})
    except ValidationError as exc:
        for line in problems(exc):
            name, _, message = line.partition(": ")
            option = "query" if name == "q" else "--" + name.replace("_", "-")
            print(f"error: {option}: {message}", file=sys.stderr)
        return None


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [min(40, max(len(h), *(len(r[i]) for r in rows))) if rows else len(h) for i, h in enumerate(headers)]
    def fmt(cells: list[str]) -> str:
        return "  ".join((c if len(c) <= w else c[: w - 1] + "…").ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([fmt(headers), fmt(["-" * w for w in widths]), *map(fmt, rows)])


def _cmd_search(args: argparse.Namespace) -> int:
    from .serve.search import open_index

    params = _search_params(args)
    if params is None:
        return 2
    if not (args.out / "records").is_dir():
        print(f"error: no records in {args.out}; run 'process' or 'watch' first", file=sys.stderr)
        return 2
    index = open_index(args.out)
    if args.cited_by:
        page = index.cited_by(args.cited_by, params.limit, params.offset)
    else:
        page = index.search(params.q, params.filters(), params.limit, params.offset, params.order, not args.csv)
    if args.csv:
        from .serve.export import csv_text

        sys.stdout.write(csv_text(page, bom=False))
        return 0
    if args.json:
        print(json.dumps({"total": page.total, "total_exact": page.total_exact, "limit": params.limit, "offset": params.offset,
                          "items": [h.to_dict() for h in page.hits]}, ensure_ascii=False, indent=2))
        return 0
    rows = [[h.number or "-", h.kind or "-", h.issued_on or "-", h.issuer or "-", h.province or "-", h.status,
             "yes" if h.needs_review else "-", h.filename] for h in page.hits]
    print(_table(rows, ["number", "kind", "issued", "issuer", "province", "status", "review", "file"]))
    for h in page.hits:
        if h.snippet:
            print(f"  {h.filename}: {h.snippet}")
    shown = f"{params.offset + 1}-{params.offset + len(page.hits)}" if page.hits else "0"
    print(f"{shown} of {page.total}" if page.total_exact else f"{shown} of more than {page.total:,}")
    return 0


def _cmd_index(args: argparse.Namespace) -> int:
    if not (args.out / "records").is_dir():
        return _usage_error(f"no records in {args.out}; run 'process' or 'watch' first")
    from .serve.search import open_index

    index = open_index(args.out, sync=False)
    result = index.sync(args.out)
    print(f"index {args.out / 'catalog.sqlite'}: {result['indexed']} indexed, {result['removed']} removed, {result['total']} records")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    if not (args.out / "records").is_dir():
        print(f"error: no records in {args.out}; run 'process' or 'watch' first", file=sys.stderr)
        return 2
    from .serve.api import serve

    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    serve(args.out, args.host, args.port, args.base_url, args.workers)
    return 0


def _review_name(args: argparse.Namespace) -> str:
    from .review.corrections import resolve_name

    return resolve_name(args.out, args.name)


def _cmd_review_list(args: argparse.Namespace) -> int:
    from .review.queue import Queue

    items = [e for e in Queue(args.out).entries() if e.reasons and e.tier != "reviewed"]
    if args.json:
        print(json.dumps([{"name": e.name, "tier": e.tier, "reasons": [str(r) for r in e.reasons]} for e in items],
                         ensure_ascii=False, indent=2))
        return 0
    for e in items:
        print(f"{e.name}: {'; '.join(map(str, e.reasons))}")
    print(f"{len(items)} record(s) need review (records marked reviewed are left out until their machine output "
          "changes)")
    return 0


def _cmd_review_serve(args: argparse.Namespace) -> int:
    from .serve.workbench import serve

    print(f"review workbench on http://{args.host}:{args.port}/ (records in {args.out}; Ctrl-C to stop)", flush=True)
    serve(args.out, args.host, args.port, sources=args.sources or (), author=args.author)
    return 0


def _cmd_review_sync(args: argparse.Namespace) -> int:
    from .review.corrections import record_names, sync_all
    from .run.progress import Progress

    with Progress(len(record_names(args.out)), "review sync", verbosity=_verbosity(args), unit="records") as progress:
        result = sync_all(args.out, author=args.author, on_record=progress.advance)
    for name, correction in result.captured:
        print(f"{name}: captured correction {correction['id']} ({len(correction['patch'])} operations)")
    from .review.edits import with_allowed

    for error in result.invalid:
        for problem in error.problems:
            print(with_allowed(problem), file=sys.stderr)
    print(f"{len(result.captured)} edit(s) captured, {len(result.invalid)} invalid (left pending in place)")
    return 1 if result.invalid else 0


def _cmd_review_show(args: argparse.Namespace) -> int:
    from .review.corrections import format_corrections

    print(format_corrections(args.out, _review_name(args)))
    return 0


def _cmd_review_decide(args: argparse.Namespace) -> int:
    from .review.corrections import accept, reject

    decide = accept if args.review_command == "accept" else reject
    correction = decide(args.out, _review_name(args), args.id, author=args.author)
    print(f"{args.name}: correction {correction['id']} is now {correction['status']}")
    return 0


def _cmd_review_export_gold(args: argparse.Namespace) -> int:
    from .review.corrections import export_gold

    written = export_gold(args.out, args.gold_dir)
    for path in written:
        print(path)
    print(f"{len(written)} gold file(s) written to {args.gold_dir}; score the extractor with: "
          f"python -m pipeline eval {args.gold_dir} {args.out / 'machine'}")
    return 0


def _cmd_review_pages(args: argparse.Namespace) -> int:
    from .review.page import main_pages

    return main_pages(args.out)


def _cmd_review(args: argparse.Namespace) -> int:
    from .review.errors import InvalidEdit, ReviewError

    if args.review_func is not _cmd_review_pages and not (args.out / "records").is_dir():
        print(f"error: no records in {args.out}; run 'process' or 'watch' first", file=sys.stderr)
        return 2
    try:
        return args.review_func(args)
    except InvalidEdit as exc:
        from .review.edits import with_allowed

        for problem in exc.problems:
            print(with_allowed(problem), file=sys.stderr)
        print(f"error: {exc.hint}", file=sys.stderr)
        return 1
    except ReviewError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2


def _add_review_parser(sub: argparse._SubParsersAction) -> None:
    """``review``: reviewer corrections (list, sync, show, accept, reject, export-gold) and review pages."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: outputs/)")
    rv = sub.add_parser("review", help="reviewer corrections that survive re-processing, review pages and the "
                        "review workbench")
    rv.set_defaults(func=_cmd_review)
    rsub = rv.add_subparsers(dest="review_command", required=True)
    r = rsub.add_parser("list", parents=[common], help="records needing review: failed, partial, conflicts, "
                        "pending edits, low confidence")
    r.add_argument("--json", action="store_true")
    r.set_defaults(review_func=_cmd_review_list)
    r = rsub.add_parser("sync", parents=[common], help="capture reviewers' edits of OUT/records/*.json as corrections")
    loud = r.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="no progress")
    loud.add_argument("-v", "--verbose", action="count", default=0, help="a line per record looked at")
    r.add_argument("--author", help="who made the edits (default: $USER)")
    r.set_defaults(review_func=_cmd_review_sync)
    r = rsub.add_parser("show", parents=[common], help="a record's corrections: path, machine value -> corrected value, status")
    r.add_argument("name", help="record name (file name in OUT/records/, with or without .json, or the source file name)")
    r.set_defaults(review_func=_cmd_review_show)
    for verb, text in (("accept", "re-pin a conflicting correction to the current machine values and apply it"),
                       ("reject", "reject a correction; the record goes back to the machine value")):
        r = rsub.add_parser(verb, parents=[common], help=text)
        r.add_argument("name", help="record name")
        r.add_argument("id", help="correction id (see 'review show')")
        r.add_argument("--author", help="who decides (default: $USER)")
        r.set_defaults(review_func=_cmd_review_decide)
    r = rsub.add_parser("export-gold", parents=[common], help="export corrected records as gold files for 'eval'")
    r.add_argument("gold_dir", type=Path, help="folder to write the gold files to")
    r.set_defaults(review_func=_cmd_review_export_gold)
    r = rsub.add_parser("pages", parents=[common], help="write one HTML review page per record to OUT/review/")
    r.set_defaults(review_func=_cmd_review_pages)
    r = rsub.add_parser("serve", parents=[common], help="the review workbench: a local web app to correct records "
                        "beside their page images (queue, record view, corrections)")
    r.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    r.add_argument("--port", type=int, default=8788, help="port (default 8788)")
    r.add_argument("--sources", type=Path, action="append", metavar="FOLDER",
                   help="a folder holding the source files, to show PDF pages (repeatable; files are matched by "
                        "name and sha256; the inbox service's own state is used first)")
    r.add_argument("--author", help="name recorded with the corrections (default: $USER)")
    r.set_defaults(review_func=_cmd_review_serve)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _prog() -> str:
    """The name the usage lines give: the console script's, or ``python -m pipeline``."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return name if name and name not in ("__main__.py", "-c", "-m") and not name.endswith(".py") else "python -m pipeline"


def _version() -> str:
    from . import EXTRACTOR_VERSION, __version__
    from .record.schema import SCHEMA_VERSION

    return f"%(prog)s {__version__} (extractor {EXTRACTOR_VERSION}, record schema {SCHEMA_VERSION})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=_prog(), description="Vietnamese plan documents to grounded JSON records.",
                                     epilog="exit codes: 0 all ok; 1 a document failed (or, with --fail-on review, "
                                            "see 3); 2 usage error; 3 documents need review (--fail-on review); "
                                            "4 nothing to process")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True)
    talk = argparse.ArgumentParser(add_help=False)
    loud = talk.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="no progress; only problems and errors")
    loud.add_argument("-v", "--verbose", action="count", default=0,
                      help="a line per document, and the Prefect engine's own log")
    fail_on = argparse.ArgumentParser(add_help=False)
    fail_on.add_argument("--fail-on", choices=("failed", "review", "never"), default="failed",
                         help="what makes the exit code non-zero: a failed document (default), also a document "
                              "that needs review (review: exit 3), or nothing (never)")
    p = sub.add_parser("process", parents=[talk, fail_on],
                       help="process files or folders once and publish records and the catalog")
    p.add_argument("paths", nargs="+", type=Path, help="input files or folders")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: outputs/)")
    p.add_argument("--engine", choices=("local", "prefect"), default="local",
                   help="run in this process (local, default) or as a Prefect flow with one task per document")
    p.add_argument("--workers", type=_positive_int, default=2,
                   help="concurrent documents with --engine prefect: threads, or with --runner dask and no "
                        "--dask-address the worker processes of a temporary local Dask cluster (default 2)")
    p.add_argument("--runner", choices=("thread", "dask"),
                   help="where --engine prefect runs its tasks: threads of this process (thread, default) or a "
                        "Dask cluster (dask); default from VNPLAN_TASK_RUNNER")
    p.add_argument("--dask-address", metavar="tcp://HOST:8786",
                   help="scheduler of an existing Dask cluster for --runner dask (default VNPLAN_DASK_ADDRESS; "
                        "without one a temporary local cluster is started)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=_cmd_process)

    e = sub.add_parser("eval", parents=[talk], help="score records against gold annotations (per family P/R/F1 and every miss)")
    e.add_argument("gold", type=Path, help="folder of gold JSON files")
    e.add_argument("records", type=Path, nargs="?", default=DEFAULT_OUT, help="folder of records (default: outputs/)")
    e.add_argument("--inputs", type=Path, nargs="+", help="process these inputs first (into a temporary folder) and score them")
    e.add_argument("--json", action="store_true", help="print the full result as JSON")
    e.add_argument("--min-f1", type=float, help="exit with status 1 if a family scores below this F1")
    e.set_defaults(func=_cmd_eval)

    service = argparse.ArgumentParser(add_help=False)
    service.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: outputs/)")
    service.add_argument("--concurrency", type=_positive_int, default=2, help="files processed at the same time (default 2)")
    service.add_argument("--poll", type=float, default=1.0, help="seconds between looks at the inbox (default 1)")
    service.add_argument("--settle", type=float, default=2.0,
                         help="seconds a file must stop growing before it is read (default 2)")
    service.add_argument("--max-mb", type=float, help="largest accepted file in MB (default 50, or VNPLAN_MAX_MB)")
    service.add_argument("--max-pages", type=_positive_int,
                         help="most accepted PDF pages (default 1000, or VNPLAN_MAX_PAGES)")
    service.add_argument("--engine", choices=("prefect", "local"), default="prefect",
                         help="run each batch as a Prefect flow (default) or in local threads")
    w = sub.add_parser("watch", parents=[talk, fail_on, service],
                       help="serve an inbox folder: process every file dropped into it (and into its subfolders)")
    w.add_argument("inbox", type=Path, help="the inbox folder")
    w.add_argument("--once", action="store_true", help="process what is in the inbox, then exit")
    w.set_defaults(func=_cmd_watch)

    rt = sub.add_parser("retry", parents=[talk, fail_on, service],
                        help="process failed files of an inbox again, with the current settings and limits",
                        description="Put failed files back into the inbox and process them again (the earlier "
                                    "failure notes are kept in INBOX/failed/.history/). If the service is running, "
                                    "it processes them.")
    rt.add_argument("names", nargs="*", help="failed files: their paths under INBOX/failed/, or their file names")
    rt.add_argument("--all-failed", action="store_true", help="every file in INBOX/failed/")
    rt.add_argument("--inbox", type=Path, help="the inbox (default: the one the service of --out last served)")
    rt.set_defaults(func=_cmd_retry)

    st = sub.add_parser("status", help="counts by state and the last failures of an inbox service")
    st.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the service's output folder")
    st.add_argument("--inbox", type=Path, help="the inbox, to count waiting and in-progress files too")
    st.add_argument("--last", type=int, default=10, help="how many recent failures to list")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=_cmd_status)

    se = sub.add_parser("search", help="search the catalog: full text (diacritics optional) and filters",
                        description="Search the catalog. The options are checked like the API's parameters "
                                    "(GET /records): a bad date, number or choice is an error.")
    se.add_argument("query", nargs="*", help="words to find (\"ke hoach chuyen doi so\" finds \"kế hoạch chuyển đổi "
                    "số\"); \"quoted phrases\", prefix*, AND, OR, NOT, parentheses")
    se.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the output folder whose records to search")
    se.add_argument("--kind", help="document kind, e.g. 'Kế hoạch'")
    se.add_argument("--number", help="document number, e.g. '1555/KH-SKHCN' (spaces and QD/QĐ tolerated)")
    se.add_argument("--issuer", help="words of the issuer's name")
    se.add_argument("--province", help="province, diacritics optional; knows the 2025 reorganisation")
    se.add_argument("--issued-from", help="issued on or after YYYY-MM-DD")
    se.add_argument("--issued-to", help="issued on or before YYYY-MM-DD")
    se.add_argument("--period-from", help="period overlapping years from ...")
    se.add_argument("--period-to", help="... to")
    se.add_argument("--target-year", help="has targets due in this year")
    se.add_argument("--has-quotas", action=argparse.BooleanOptionalAction, help="has (or, --no-has-quotas, has no) reward quotas")
    se.add_argument("--cites", help="cites this document number")
    se.add_argument("--status", help="ok, partial or failed")
    se.add_argument("--needs-review", action=argparse.BooleanOptionalAction, help="has (or has no) values in doubt")
    se.add_argument("--reviewed", action=argparse.BooleanOptionalAction,
                    help="corrected by a reviewer with no correction in conflict (or not)")
    se.add_argument("--changed-since", help="record file changed at or after this time (ISO 8601, UTC by default)")
    se.add_argument("--order", help="relevance (default with words), newest (default without) or changed")
    se.add_argument("--cited-by", metavar="NUMBER", help="list the records that cite document NUMBER")
    se.add_argument("--limit", help="results to show (default 20, at most 100; 1000 and 10,000 with --csv)")
    se.add_argument("--offset", help="results to skip (at most 10,000)")
    fmt = se.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the page as JSON")
    fmt.add_argument("--csv", action="store_true", help="print the results as CSV (the columns of GET /records.csv)")
    se.set_defaults(func=_cmd_search)

    ix = sub.add_parser("index", help="bring the catalog index (catalog.sqlite) up to date with the records")
    ix.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ix.set_defaults(func=_cmd_index)

    sv = sub.add_parser("serve", help="serve the catalog as a read-only HTTP JSON API (OpenAPI at /openapi.json)")
    sv.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the output folder whose records to serve")
    sv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    sv.add_argument("--port", type=int, default=8787, help="port (default 8787)")
    sv.add_argument("--base-url", help="the API's public address, that 'next' links start with "
                    "(default http://HOST:PORT; set it when a proxy serves the API)")
    sv.add_argument("--workers", type=_positive_int, default=1, help="worker processes (default 1; each reads the index "
                    "through its own connections)")
    sv.set_defaults(func=_cmd_serve)

    _add_review_parser(sub)
    return parser


def _prefect_environment(verbose: bool) -> None:
    """Settings for the Prefect engine, each only where the user has not set it: no telemetry
    (this machine may have no route to it); time for the first start of the temporary API (it
    creates its database then, which takes longer than Prefect's 20 s on a loaded machine); and
    Prefect's INFO log, and the temporary API's log, only with ``-v``."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_LOGGING_LOGGERS_ROOT_LEVEL", "WARNING")
        # the temporary API's own log (it reports its shutdown races as errors): with -v only
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _prefect_environment(bool(getattr(args, "verbose", 0)))
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
