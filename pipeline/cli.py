"""Command line: ``python -m pipeline process PATH... [--out DIR]`` (also installed as ``vnplan``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_OUT = Path("outputs")


def _cmd_process(args: argparse.Namespace) -> int:
    from .lang import vocabulary

    vocabulary()  # load and check the vocabulary before touching any input
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    if args.engine == "prefect":
        from .flows import process_with_prefect

        summary = process_with_prefect(args.paths, args.out, args.workers)
    else:
        from .batch import process_local

        summary = process_local(args.paths, args.out)
    if args.json:
        print(json.dumps({"out": str(args.out), "counts": summary.counts, "entries": summary.entries}, ensure_ascii=False))
    else:
        print(summary)
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    import tempfile

    from .evaluate import below, evaluate, format_report, load_records

    gold_files = sorted(args.gold.glob("*.json"))
    if not gold_files:
        print(f"error: no gold files (*.json) in {args.gold}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        records_dir = args.records
        if args.inputs:
            from .batch import process_local

            process_local(args.inputs, Path(tmp))
            records_dir = Path(tmp)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description="Vietnamese plan documents to grounded JSON records.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("process", help="process files or folders once and publish records and the catalog")
    p.add_argument("paths", nargs="+", type=Path, help="input files or folders")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: outputs/)")
    p.add_argument("--engine", choices=("local", "prefect"), default="local",
                   help="run in this process (local, default) or as a Prefect flow with one task per document")
    p.add_argument("--workers", type=int, default=2, help="concurrent documents with --engine prefect")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=_cmd_process)

    e = sub.add_parser("eval", help="score records against gold annotations (per family P/R/F1 and every miss)")
    e.add_argument("gold", type=Path, help="folder of gold JSON files")
    e.add_argument("records", type=Path, nargs="?", default=DEFAULT_OUT, help="folder of records (default: outputs/)")
    e.add_argument("--inputs", type=Path, nargs="+", help="process these inputs first (into a temporary folder) and score them")
    e.add_argument("--json", action="store_true", help="print the full result as JSON")
    e.add_argument("--quiet", action="store_true", help="scores only, no list of misses")
    e.add_argument("--min-f1", type=float, help="exit with status 1 if a family scores below this F1")
    e.set_defaults(func=_cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
