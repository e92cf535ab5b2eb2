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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
