"""The command line as an operator meets it: exit codes, one-line errors, the end-of-batch
report, progress, file modes, version and usage."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.run.progress import NORMAL, QUIET, VERBOSE, Progress
from pipeline.run.report import (EXIT_FAILED, EXIT_NEEDS_REVIEW, EXIT_NOTHING, EXIT_OK, BatchReport)

PLAN = ("ỦY BAN NHÂN DÂN TỈNH QUẢNG BÌNH\nSố: 45/KH-UBND\nQuảng Bình, ngày 12 tháng 3 năm 2023\n"
        "KẾ HOẠCH\nPhát triển kinh tế tập thể giai đoạn 2023 - 2025\n"
        "Đến năm 2025 có 400 hợp tác xã hoạt động hiệu quả.\n")


def run(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd, env={**os.environ, **(env or {})})


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "plan.txt").write_text(PLAN, encoding="utf-8")
    return folder


def test_all_ok_exits_0_and_reports_every_family(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run("process", str(inbox), "--out", str(out))
    assert proc.returncode == EXIT_OK, proc.stderr
    assert "1 processed" in proc.stdout and "1 ok, 0 partial, 0 failed" in proc.stdout
    assert "need review: 0 of 1" in proc.stdout
    assert "from the record cache: 0 of 1" in proc.stdout
    assert "targets" in proc.stdout and "reward quotas" in proc.stdout and "criteria" in proc.stdout
    again = run("process", str(inbox), "--out", str(out), "--json")
    data = json.loads(again.stdout)
    assert data["from_cache"] == 1 and data["counts"] == {"ok": 1, "partial": 0, "failed": 0}
    assert data["facts"]["targets"] >= 1 and data["facts"]["document"] >= 4
    assert set(data) >= {"needs_review", "failures", "facts", "entries", "seconds"}


def test_failed_document_exits_1_with_its_reason(inbox: Path, tmp_path: Path) -> None:
    (inbox / "empty.txt").write_bytes(b"")
    proc = run("process", str(inbox), "--out", str(tmp_path / "out"))
    assert proc.returncode == EXIT_FAILED
    assert "failed: empty.txt: no_text" in proc.stdout and "hint:" in proc.stdout
    assert run("process", str(inbox), "--out", str(tmp_path / "out"), "--fail-on", "never").returncode == EXIT_OK


def test_fail_on_review(tmp_path: Path) -> None:
    entries = [{"filename": "a.txt", "status": "ok", "needs_review": [{"field": "document.number", "reason": "missing"}],
                "error_codes": []}]
    report = BatchReport(tmp_path, entries)
    assert report.exit_code("failed") == EXIT_OK
    assert report.exit_code("review") == EXIT_NEEDS_REVIEW
    assert "a.txt: document.number: missing" in str(report)
    assert BatchReport(tmp_path, []).exit_code() == EXIT_NOTHING
    with pytest.raises(ValueError):
        report.exit_code("sometimes")


def test_empty_folder_warns_and_exits_4(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".hidden").write_text("x")
    proc = run("process", str(tmp_path / "empty"), "--out", str(tmp_path / "out"))
    assert proc.returncode == EXIT_NOTHING and "warning: no input files" in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args,message", [
    (["process", "README.md", "--out", "README.md"], "is a file, not a folder"),
    (["process", "README.md", "--out", "/nonexistent-vnplan/x"], "does not exist"),
    (["process", "/nonexistent-vnplan"], "no such file"),
    (["watch", "README.md", "--once"], "is a file, not a folder"),
    (["watch", "/nonexistent-vnplan", "--once"], "no inbox folder"),
    (["index", "--out", "/nonexistent-vnplan"], "no records"),
    (["status", "--out", "/nonexistent-vnplan"], "no inbox service state"),
    (["eval", "corpus/gold", "/nonexistent-vnplan"], "no records folder"),
])
def test_usage_errors_are_one_line_and_create_nothing(args: list[str], message: str) -> None:
    root = Path(__file__).resolve().parents[1]
    proc = run(*args, cwd=root)
    assert proc.returncode == 2, proc.stderr
    no_traceback(proc)
    assert message in proc.stderr
    assert not Path("/nonexistent-vnplan").exists()


@pytest.mark.parametrize("args", [["process", "x", "--workers", "0"], ["watch", "x", "--concurrency", "-1"],
                                  ["watch", "x", "--max-pages", "many"]])
def test_counts_must_be_positive(args: list[str]) -> None:
    proc = run(*args)
    assert proc.returncode == 2
    assert "must be at least 1" in proc.stderr or "not a whole number" in proc.stderr
    no_traceback(proc)


def test_version_and_usage_name(tmp_path: Path) -> None:
    proc = run("--version")
    assert proc.returncode == 0 and "extractor" in proc.stdout and "record schema" in proc.stdout
    script = Path(sys.executable).with_name("vnplan")
    if script.exists():
        usage = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120).stdout
        assert usage.startswith("usage: vnplan")
    assert run("--help").stdout.startswith("usage: python -m pipeline")
    assert "exit codes" in run("--help").stdout


def test_published_files_follow_the_umask(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(["sh", "-c", f"umask 022 && {sys.executable} -m pipeline process {inbox} --out {out}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for path in [out / "catalog.jsonl", *(out / "records").glob("*.json")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_quiet_prints_nothing_on_success(inbox: Path, tmp_path: Path) -> None:
    proc = run("process", str(inbox), "--out", str(tmp_path / "out"), "-q")
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""


def test_verbose_lists_every_document(inbox: Path, tmp_path: Path) -> None:
    (inbox / "other.txt").write_text(PLAN.replace("45/KH", "46/KH"), encoding="utf-8")
    proc = run("process", str(inbox), "--out", str(tmp_path / "out"), "-v")
    assert "[1/2] ok" in proc.stderr and "[2/2] ok" in proc.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_on_a_terminal() -> None:
    now = [0.0]
    stream = _Terminal()
    with Progress(4, "process", stream=stream, clock=lambda: now[0]) as progress:
        now[0] = 2.0
        progress.advance("a.pdf", "ok")
        assert progress.line() == "process  1/4  25%  0.5 docs/s  ETA 0:06"
        now[0] = 4.0
        progress.advance("b.pdf", "ok")
    drawn = stream.getvalue()
    assert "process  1/4  25%" in drawn and "2/4  50%" in drawn and "b.pdf" in drawn
    assert drawn.endswith("\r")  # the line is taken away before the summary


@pytest.mark.parametrize("verbosity,tty,expect", [(NORMAL, False, ""), (QUIET, True, ""), (VERBOSE, False, "[1/1] ok")])
def test_progress_is_quiet_off_a_terminal(verbosity: int, tty: bool, expect: str) -> None:
    stream = _Terminal() if tty else io.StringIO()
    with Progress(1, "process", verbosity=verbosity, stream=stream) as progress:
        progress.advance("a.pdf", "ok")
    assert stream.getvalue().strip().startswith(expect) if expect else stream.getvalue() == ""
