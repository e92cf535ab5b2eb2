"""The bundled corpus: golden records (rewritten only with --update-golden) and scores against
the corpus's own gold, through the same ``eval`` command CI users run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT
from helpers import assert_grounded

from pipeline.record.schema import problems
from pipeline.run.batch import collect_inputs, process_local, record_name

GOLDEN = ROOT / "tests" / "golden"
INBOX = CORPUS / "inbox"
INPUTS = collect_inputs([INBOX]) if INBOX.is_dir() else []


@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    process_local([INBOX], out)
    return out


def test_corpus_is_varied() -> None:
    suffixes = {p.suffix for p in INPUTS}
    assert len(INPUTS) >= 15 and {".txt", ".pdf", ".docx"} <= suffixes


@pytest.mark.parametrize("path", INPUTS, ids=[p.name for p in INPUTS])
def test_golden_record(path: Path, corpus_out: Path, update_golden: bool) -> None:
    record = json.loads((corpus_out / "records" / record_name(path.name)).read_text(encoding="utf-8"))
    assert record["status"] == "ok", record["errors"]
    assert problems(record) == []
    assert assert_grounded(record) > 0
    golden = GOLDEN / record_name(path.name)
    if update_golden:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return
    assert golden.exists(), f"no golden file for {path.name}; run the tests with --update-golden"
    expected = json.loads(golden.read_text(encoding="utf-8"))
    for key in record:
        assert record[key] == expected[key], f"{path.name}: {key} differs from tests/golden (re-run with --update-golden if intended)"


def test_eval_command_on_corpus_gold() -> None:
    """Every family scores at least 0.95 on the corpus's own gold: a regression fails CI."""
    proc = subprocess.run([sys.executable, "-m", "pipeline", "eval", str(CORPUS / "gold"), "--inputs", str(INBOX),
                           "--min-f1", "0.95"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
