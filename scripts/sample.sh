#!/usr/bin/env bash
# Set up, then run the main job on the bundled sample inbox (corpus/inbox) as a Prefect flow.
# Extra arguments are passed to `python -m pipeline process` (e.g. --out DIR, --engine local).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pipeline process corpus/inbox --engine prefect "$@"
