"""The content-addressed record cache (``OUT/.cache``): hits, misses, and that a hit is published
like a fresh record (reviewer corrections applied again)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import pipeline
import pipeline.run.batch as batch
from pipeline.core import timing
from pipeline.ingest.limits import DEFAULT_LIMITS
from pipeline.review.corrections import save_edit
from pipeline.run.batch import cached_record, process_and_write, process_local
from pipeline.run.cache import CACHE_DIR, RecordCache, cache_key

PLAN = ("Thực hiện Kế hoạch số 272/KH-UBND ngày 20/8/2021 của UBND tỉnh, ngày 14/9/2021 Sở Khoa học và Công nghệ "
        "đã ban hành Kế hoạch số 1555/KH-SKHCN về phong trào thi đua “Đổi mới” giai đoạn 2021 - 2025 trên địa bàn tỉnh Bình Phước.")


@pytest.fixture()
def plan(tmp_path: Path) -> Path:
    path = tmp_path / "inbox" / "plan.txt"
    path.parent.mkdir()
    path.write_text(PLAN, encoding="utf-8")
    return path


@pytest.fixture()
def count_processing(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Paths actually processed (cache misses)."""
    seen: list[Path] = []
    real = batch.process_path

    def counting(path: Path, *args, **kwargs):
        seen.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(batch, "process_path", counting)
    return seen


def entries(out: Path) -> list[Path]:
    return sorted((out / CACHE_DIR).rglob("*.json"))


def test_hit_gives_the_identical_record(plan: Path, tmp_path: Path, count_processing: list[Path]) -> None:
    out = tmp_path / "out"
    first = cached_record(plan, out)
    assert count_processing == [plan] and len(entries(out)) == 1
    second = cached_record(plan, out)
    assert count_processing == [plan]  # nothing extracted the second time
    assert second == first
    assert json.dumps(second, ensure_ascii=False) == json.dumps(first, ensure_ascii=False)  # same key order too


def test_miss_when_the_bytes_change(plan: Path, tmp_path: Path, count_processing: list[Path]) -> None:
    out = tmp_path / "out"
    first = cached_record(plan, out)
    plan.write_text(PLAN.replace("1555", "1556"), encoding="utf-8")
    second = cached_record(plan, out)
    assert count_processing == [plan, plan]
    assert second["record_id"] != first["record_id"]
    assert second["document"]["number"] == "1556/KH-SKHCN"
    assert len(entries(out)) == 2


def test_miss_when_the_extractor_version_changes(plan: Path, tmp_path: Path, count_processing: list[Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    cached_record(plan, out)
    monkeypatch.setattr(pipeline, "EXTRACTOR_VERSION", "999.0.0")
    cached_record(plan, out)
    assert count_processing == [plan, plan]
    assert len(entries(out)) == 2


def test_miss_when_an_output_setting_changes(plan: Path, tmp_path: Path, count_processing: list[Path]) -> None:
    out = tmp_path / "out"
    cached_record(plan, out, replace(DEFAULT_LIMITS, pdf_text="pdfplumber"))
    cached_record(plan, out, replace(DEFAULT_LIMITS, pdf_text="pdfium"))
    cached_record(plan, out, replace(DEFAULT_LIMITS, pdf_text="pdfium", ocr=not DEFAULT_LIMITS.ocr))
    cached_record(plan, out, replace(DEFAULT_LIMITS, pdf_text="pdfium", ocr_workers=7))  # not an output setting
    assert len(count_processing) == 3


def test_key_depends_on_content_name_version_and_settings() -> None:
    base = cache_key("a" * 64, "plan.pdf", DEFAULT_LIMITS)
    assert base == cache_key("a" * 64, "plan.pdf", DEFAULT_LIMITS)
    assert base != cache_key("b" * 64, "plan.pdf", DEFAULT_LIMITS)
    assert base != cache_key("a" * 64, "plan2.pdf", DEFAULT_LIMITS)
    assert base != cache_key("a" * 64, "plan.pdf", replace(DEFAULT_LIMITS, max_pages=DEFAULT_LIMITS.max_pages + 1))


@pytest.mark.parametrize("damage", ["truncate", "garbage", "edit", "empty", "other_key"])
def test_corrupt_entry_is_ignored(plan: Path, tmp_path: Path, count_processing: list[Path], damage: str) -> None:
    out = tmp_path / "out"
    first = cached_record(plan, out)
    (entry,) = entries(out)
    raw = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        entry.write_bytes(b"\x00\xff not json at all")
    elif damage == "edit":  # a valid JSON record whose checksum no longer matches
        entry.write_bytes(raw.replace("1555/KH-SKHCN".encode(), "9999/KH-SKHCN".encode()))
    elif damage == "empty":
        entry.write_bytes(b"")
    else:  # a whole, valid entry stored under another key
        head, _, body = raw.partition(b"\n")
        header = json.loads(head)
        header["key"] = "0" * 64
        entry.write_bytes(json.dumps(header).encode() + b"\n" + body)
    again = cached_record(plan, out)
    assert count_processing == [plan, plan]  # extracted again
    assert again == first
    assert RecordCache(out).get(entry.stem, first["record_id"]) == first  # and the entry repaired


def test_unwritable_cache_only_costs_a_miss(plan: Path, tmp_path: Path, count_processing: list[Path]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / CACHE_DIR).write_text("a file where the cache folder should be")
    assert cached_record(plan, out)["status"] == "ok"
    assert cached_record(plan, out)["status"] == "ok"
    assert len(count_processing) == 2


def test_cache_can_be_turned_off(plan: Path, tmp_path: Path, count_processing: list[Path],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    cached_record(plan, out, use_cache=False)
    cached_record(plan, out, use_cache=False)
    monkeypatch.setenv("VNPLAN_CACHE", "0")
    cached_record(plan, out)
    assert len(count_processing) == 3 and not (out / CACHE_DIR).exists()


def test_failed_records_are_cached_too(tmp_path: Path, count_processing: list[Path]) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out = tmp_path / "out"
    assert cached_record(empty, out)["status"] == "failed"
    assert cached_record(empty, out)["status"] == "failed"
    assert count_processing == [empty]


def test_records_with_failed_ocr_pages_are_not_cached(tmp_path: Path) -> None:
    store = RecordCache(tmp_path)
    record = {"record_id": "a" * 64, "errors": [], "ingest": {"ocr": {"details": [{"page": 1, "error": "timeout"}]}}}
    assert not store.put("k" * 64, record)


def test_unreadable_file_is_not_cached(tmp_path: Path, count_processing: list[Path]) -> None:
    missing = tmp_path / "gone.txt"
    out = tmp_path / "out"
    assert cached_record(missing, out)["errors"][0]["code"] == "io_error"
    assert not entries(out)
    missing.write_bytes(b"")  # now there, and empty: read, not taken for the earlier failure
    assert cached_record(missing, out)["errors"][0]["code"] == "no_text"
    assert len(count_processing) == 2


def test_hit_is_published_with_the_reviewers_corrections(plan: Path, tmp_path: Path, count_processing: list[Path]) -> None:
    out = tmp_path / "out"
    entry = process_and_write(plan, out)
    published = out / entry["record_path"]
    record = json.loads(published.read_text(encoding="utf-8"))
    record["document"]["title"] = "Tiêu đề do người duyệt sửa"
    save_edit(out, published.stem, record)
    # the re-run takes the record from the cache, publish captures the edit and applies it again
    summary = process_local([plan], out)
    assert count_processing == [plan]
    again = json.loads(published.read_text(encoding="utf-8"))
    assert again["document"]["title"] == "Tiêu đề do người duyệt sửa"
    machine = json.loads((out / "machine" / published.name).read_text(encoding="utf-8"))
    assert machine["document"]["title"] != "Tiêu đề do người duyệt sửa"
    assert summary.entries[0]["title"] == "Tiêu đề do người duyệt sửa"
    corrections = json.loads((out / "corrections" / published.name).read_text(encoding="utf-8"))
    assert [c["status"] for c in corrections["corrections"]] == ["active"]


def test_rerun_of_an_unchanged_folder_extracts_nothing(tmp_path: Path, count_processing: list[Path]) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(5):
        (inbox / f"plan{i}.txt").write_text(PLAN.replace("1555", str(1000 + i)), encoding="utf-8")
    out = tmp_path / "out"
    first = process_local([inbox], out)
    assert len(count_processing) == 5
    timing.enable()
    try:
        second = process_local([inbox], out)
        stages = timing.counts()
    finally:
        timing.disable()
    assert len(count_processing) == 5
    assert "read" not in stages and stages["write"] == 5
    assert second.entries == first.entries


def test_rerun_of_an_unchanged_folder_rewrites_no_file(tmp_path: Path, count_processing: list[Path]) -> None:
    """Published, machine and stamp files that would get the same bytes are left as they are:
    same inode and modification time, so the search index skips them too."""
    from pipeline.serve.search import open_index

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(3):
        (inbox / f"plan{i}.txt").write_text(PLAN.replace("1555", str(2000 + i)), encoding="utf-8")
    out = tmp_path / "out"
    process_local([inbox], out)
    index = open_index(out, sync=True)
    index.close()

    def files() -> dict[str, tuple[int, int]]:
        return {str(p.relative_to(out)): (p.stat().st_ino, p.stat().st_mtime_ns)
                for p in out.rglob("*") if p.is_file() and CACHE_DIR not in p.parts and p.suffix == ".json"
                and p.parent.name in ("records", "machine")}

    before = files()
    assert len(before) == 6
    process_local([inbox], out)
    assert files() == before
    index = open_index(out, sync=False)
    try:
        assert index.sync(out)["indexed"] == 0
    finally:
        index.close()
    # a changed input is still published anew
    (inbox / "plan0.txt").write_text(PLAN.replace("1555", "2999"), encoding="utf-8")
    process_local([inbox], out)
    after = files()
    assert after["records/plan0.txt.json"] != before["records/plan0.txt.json"]
    assert after["records/plan1.txt.json"] == before["records/plan1.txt.json"]
