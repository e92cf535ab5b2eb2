"""Reviewer corrections: edits of published records survive re-processing, conflicts are flagged,
invalid edits are refused with file and JSON path, nothing is lost to a concurrent write, and
corrected records become gold files that ``eval`` reads. Plus RFC 6902 unit cases."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main as cli_main
from pipeline.errors import ReaderError
from pipeline.extract import EXTRACTORS
from pipeline.publish.catalog import read_catalog
from pipeline.publish.storage import dump_json
from pipeline.record.build import failure_record
from pipeline.record.schema import problems
from pipeline.review.corrections import (
    accept,
    capture_edits,
    load_corrections,
    needs_review,
    publish,
    reject,
    save_edit,
    sync_all,
)
from pipeline.review.errors import InvalidEdit, PatchError, PatchTestFailed, ReviewError
from pipeline.review.patch import apply_patch, json_equal, make_patch, parse_pointer
from pipeline.run.batch import process_local
from pipeline.run.evaluate import load_records
from pipeline.run.process import source_info
from pipeline.run.service import InboxService, ServiceConfig
from pipeline.serve.search import open_index

INBOX = Path(__file__).resolve().parents[1] / "corpus" / "inbox"
PLAN = "101_kh-skhcn-dongnai-htx.txt"
OTHER = "102_ctr-tinhuy-quangngai-kttt.txt"
INPUTS = [INBOX / PLAN, INBOX / OTHER]


# -- helpers ----------------------------------------------------------------------------------
def published_path(out: Path, name: str = PLAN) -> Path:
    return out / "records" / f"{name}.json"


def published(out: Path, name: str = PLAN) -> dict[str, Any]:
    return json.loads(published_path(out, name).read_text(encoding="utf-8"))


def machine(out: Path, name: str = PLAN) -> dict[str, Any]:
    return json.loads((out / "machine" / f"{name}.json").read_text(encoding="utf-8"))


def edit(out: Path, change, name: str = PLAN) -> dict[str, Any]:
    """Edit the published record the way a reviewer does: load, change, save pretty-printed."""
    record = published(out, name)
    change(record)
    published_path(out, name).write_text(dump_json(record), encoding="utf-8")
    return record


def catalog_line(out: Path, name: str = PLAN) -> dict[str, Any]:
    return next(e for e in read_catalog(out) if e["filename"] == name)


def indexed_target_values(out: Path, name: str = PLAN) -> list[float]:
    index = open_index(out)
    try:
        rows = index.db.execute("SELECT t.value FROM targets t JOIN records r ON r.rowid = t.rec "
                                "WHERE r.filename = ? ORDER BY t.rowid", (name,)).fetchall()
    finally:
        index.close()
    return [r[0] for r in rows]


def set_target(value: Any, i: int = 0):
    def change(record: dict[str, Any]) -> None:
        record["targets"][i]["value"] = value
    return change


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pristine")
    summary = process_local(INPUTS, out)
    assert summary.counts["ok"] == 2, str(summary)
    return out


@pytest.fixture()
def out(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the processed outputs of 101 and 102 (processing them again is fast)."""
    target = tmp_path / "out"
    shutil.copytree(pristine, target)
    return target


# -- corrections survive re-processing -----------------------------------------------------------
def test_published_equals_machine_without_corrections(out: Path) -> None:
    assert published(out) == machine(out)
    assert "review" not in published(out) and not (out / "corrections" / f"{PLAN}.json").exists()
    assert needs_review(out) == []


def test_edit_sync_reprocess_keeps_the_correction(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert machine(out)["targets"][0]["value"] == 12
    edit(out, lambda r: (set_target(13)(r), r["document"].update(number="1235/KH-SKHCN")))
    assert cli_main(["review", "sync", "--out", str(out), "--author", "lan"]) == 0
    assert "captured correction c1" in capsys.readouterr().out

    process_local(INPUTS, out)  # re-process: a new machine output, the same values

    record = published(out)
    assert record["targets"][0]["value"] == 13 and record["document"]["number"] == "1235/KH-SKHCN"
    assert record["review"] == {"corrections": 1, "conflicts": 0,
                                "corrected_paths": ["$.document.number", "$.targets[0].value"]}
    assert problems(record) == []
    assert machine(out)["targets"][0]["value"] == 12  # the machine output is kept as it came out
    assert catalog_line(out)["number"] == "1235/KH-SKHCN"
    assert indexed_target_values(out)[0] == 13
    doc = load_corrections(out, PLAN)
    (c,) = doc["corrections"]
    assert c["author"] == "lan" and c["status"] == "active" and doc["filename"] == PLAN
    # every replace/remove is preceded by a test pinning the machine value; the list item is pinned whole
    ops = c["patch"]
    for i, op in enumerate(ops):
        if op["op"] in ("replace", "remove"):
            assert ops[i - 1] == {"op": "test", "path": op["path"], "value": ops[i - 1]["value"]}
    assert {"op": "test", "path": "/targets/0", "value": machine(out)["targets"][0]} in ops
    assert published(out, OTHER) == machine(out, OTHER)  # other records untouched


def test_show_lists_machine_and_corrected_values(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(out, set_target(13))
    sync_all(out, author="lan")
    assert cli_main(["review", "show", PLAN, "--out", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "c1 [active] by lan" in shown and "$.targets[0].value: 12 -> 13" in shown


def test_removed_reference_and_added_quota_survive(out: Path) -> None:
    text = machine(out)["text"]
    sentence = "Sở lựa chọn tập thể, cá nhân tiêu biểu đề nghị Chủ tịch Ủy ban nhân dân tỉnh tặng Bằng khen theo quy định"
    start = text.index(sentence)
    quota = {"award": "Bằng khen", "granted_by": "Chủ tịch Ủy ban nhân dân tỉnh", "occasion": "other", "year": None,
             "collectives": None, "individuals": None,
             "evidence": {"start": start, "end": start + len(sentence), "quote": sentence, "page": None}}
    removed = machine(out)["references"][1]  # say the reviewer found it is the plan itself, not a citation

    def change(record: dict[str, Any]) -> None:
        del record["references"][1]
        record["reward_quotas"].append(quota)

    edit(out, change)
    result = sync_all(out)
    assert result.invalid == [] and len(result.captured) == 1
    ops = result.captured[0][1]["patch"]
    assert {"op": "add", "path": "/reward_quotas/-", "value": quota} in ops
    assert ops[ops.index({"op": "remove", "path": "/references/1"}) - 1] == {"op": "test", "path": "/references/1",
                                                                             "value": removed}
    for _ in range(2):
        process_local(INPUTS, out)
        record = published(out)
        assert removed not in record["references"] and len(record["references"]) == len(machine(out)["references"]) - 1
        assert record["reward_quotas"][-1] == quota and len(record["reward_quotas"]) == len(machine(out)["reward_quotas"]) + 1
        assert record["review"]["corrections"] == 1 and record["review"]["conflicts"] == 0
        assert catalog_line(out)["references"] == [r["number"] for r in record["references"]]


def test_shifted_list_is_a_conflict_not_a_wrong_item(out: Path) -> None:
    edit(out, lambda r: r["references"].pop(1))
    sync_all(out)
    new = machine(out)
    new["references"].insert(0, copy.deepcopy(new["references"][2]))  # the extractor now finds one more, first
    record = publish(out, PLAN, new)
    assert record["references"] == new["references"]  # nothing removed from the wrong place
    assert record["review"]["conflicts"] == 1


# -- conflicts ------------------------------------------------------------------------------------
def test_extractor_change_under_a_correction_is_a_conflict(out: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    edit(out, set_target(13))
    sync_all(out)
    original = EXTRACTORS["targets"]

    def changed_extractor(doc):  # a new extractor version reads 14 where 12 was read
        found = original(doc)
        return [dataclasses.replace(t, value=14) if t.value == 12 else t for t in found]

    monkeypatch.setitem(EXTRACTORS, "targets", changed_extractor)
    process_local(INPUTS, out)

    record = published(out)
    assert record["targets"][0]["value"] == 14  # the correction is not applied ...
    assert record["review"] == {"corrections": 0, "conflicts": 1, "corrected_paths": []}
    (c,) = load_corrections(out, PLAN)["corrections"]
    assert c["status"] == "conflict" and "$.targets[0]" in c["conflict"]["message"]  # ... but kept
    assert "(value: 12 -> 14)" in c["conflict"]["message"]
    assert c["patch"][1] == {"op": "test", "path": "/targets/0/value", "value": 12}
    assert cli_main(["review", "list", "--out", str(out)]) == 0
    assert f"{PLAN}: corrections in conflict: c1" in capsys.readouterr().out

    process_local(INPUTS, out)  # a conflict is never re-activated nor overwritten by itself
    assert load_corrections(out, PLAN)["corrections"][0]["status"] == "conflict"

    assert cli_main(["review", "accept", PLAN, "c1", "--out", str(out), "--author", "minh"]) == 0
    record = published(out)
    assert record["targets"][0]["value"] == 13 and record["review"]["conflicts"] == 0
    (c,) = load_corrections(out, PLAN)["corrections"]
    assert c["status"] == "active" and c["accepted_by"] == "minh" and "conflict" not in c
    assert {"op": "test", "path": "/targets/0/value", "value": 14} in c["patch"]  # re-pinned
    process_local(INPUTS, out)
    assert published(out)["targets"][0]["value"] == 13


def test_edited_machine_output_conflicts_and_reject_restores_machine_value(out: Path) -> None:
    edit(out, set_target(13))
    sync_all(out)
    new = machine(out)
    new["targets"][0]["value"] = 11  # the pinned value differs in the new machine output
    record = publish(out, PLAN, new)
    assert record["targets"][0]["value"] == 11 and record["review"]["conflicts"] == 1
    assert published(out) == record
    assert reject(out, PLAN, "c1", author="minh")["status"] == "rejected"
    record = published(out)
    assert record["targets"][0]["value"] == 11 and "review" not in record
    assert load_corrections(out, PLAN)["corrections"][0]["status"] == "rejected"
    with pytest.raises(ReviewError):
        accept(out, PLAN, "c9")


def test_reject_an_active_correction(out: Path) -> None:
    edit(out, set_target(13))
    sync_all(out)
    assert cli_main(["review", "reject", PLAN, "c1", "--out", str(out)]) == 0
    assert published(out)["targets"][0]["value"] == 12 and catalog_line(out)["filename"] == PLAN


def test_a_failed_read_does_not_turn_corrections_into_conflicts(out: Path) -> None:
    edit(out, set_target(13))
    sync_all(out)
    good = machine(out)
    failed = failure_record(source_info(b"", PLAN), [ReaderError("transient").to_dict()])
    assert publish(out, PLAN, failed)["status"] == "failed"
    assert load_corrections(out, PLAN)["corrections"][0]["status"] == "active"
    assert any("status failed" in r for n, rs in needs_review(out) if n == PLAN for r in rs)
    assert publish(out, PLAN, good)["targets"][0]["value"] == 13


def test_review_commands_need_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["review", "list", "--out", str(tmp_path / "none")]) == 2
    assert "no records" in capsys.readouterr().err


def test_unknown_names_and_ids(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["review", "show", "nope.txt", "--out", str(out)]) == 2
    assert "no record 'nope.txt'" in capsys.readouterr().err
    assert cli_main(["review", "accept", f"{PLAN}.json", "c1", "--out", str(out)]) == 2
    assert "no correction 'c1'" in capsys.readouterr().err


# -- invalid edits --------------------------------------------------------------------------------
@pytest.mark.parametrize("change,path,words", [
    (set_target("13"), "$.targets[0].value", "is not of type 'number'"),
    (lambda r: r["targets"][0]["evidence"].update(quote="khoảng 13 tổ hợp tác"), "$.targets[0].evidence",
     "quote does not match"),
    (lambda r: r["source"].update(filename="other.txt"), "$.source", "set by the pipeline"),
])
def test_invalid_edit_is_refused_and_kept(out: Path, capsys: pytest.CaptureFixture[str], change, path: str,
                                          words: str) -> None:
    assert indexed_target_values(out)[0] == 12
    catalog_before = (out / "catalog.jsonl").read_bytes()
    machine_before = (out / "machine" / f"{PLAN}.json").read_bytes()
    edited = edit(out, change)

    with pytest.raises(InvalidEdit) as err:
        capture_edits(out, PLAN)
    (problem,) = [p for p in err.value.problems if p.path == path]
    assert problem.file == str(published_path(out)) and words in problem.message

    assert cli_main(["review", "sync", "--out", str(out)]) == 1
    assert f"{published_path(out)}: {path}: " in capsys.readouterr().err
    assert published(out) == edited  # left as the reviewer left it, to be fixed
    assert (out / "catalog.jsonl").read_bytes() == catalog_before
    assert (out / "machine" / f"{PLAN}.json").read_bytes() == machine_before
    assert indexed_target_values(out)[0] == 12  # the index keeps the last valid version
    assert load_corrections(out, PLAN) is None
    assert any("invalid edit pending" in r for n, rs in needs_review(out) if n == PLAN for r in rs)

    process_local(INPUTS, out)  # a new machine version does not overwrite (nor drop) the pending edit
    assert published(out) == edited and load_corrections(out, PLAN) is None


def test_fixed_edit_after_a_new_machine_version_is_diffed_against_its_base(out: Path) -> None:
    edit(out, set_target("13"))
    new = machine(out)
    new["targets"][1]["value"] = 26  # the machine output changes while the edit is pending
    publish(out, PLAN, new)
    assert published(out)["targets"][0]["value"] == "13"
    edit(out, set_target(13))  # the reviewer fixes the type
    result = sync_all(out)
    assert result.invalid == [] and len(result.captured) == 1
    assert [op for op in result.captured[0][1]["patch"] if op["op"] != "test"] == [
        {"op": "replace", "path": "/targets/0/value", "value": 13}]  # not a revert of the machine's 26
    record = published(out)
    assert [t["value"] for t in record["targets"]][:2] == [13, 26]
    assert needs_review(out) == [] and not (out / "corrections" / "base" / f"{PLAN}.json").exists()


# -- concurrency --------------------------------------------------------------------------------
def test_edit_is_captured_when_the_service_publishes_a_new_version(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    source = (INBOX / PLAN).read_text(encoding="utf-8")
    config = ServiceConfig(inbox=inbox, out=out, poll=0.01, settle=0.0, engine="local")
    (inbox / PLAN).write_text(source, encoding="utf-8")
    InboxService(config).run(once=True)
    edit(out, set_target(13))  # the reviewer edits, and does not sync

    (inbox / PLAN).write_text(source + "\nPhụ lục bổ sung.\n", encoding="utf-8")  # a new version arrives
    InboxService(config).run(once=True)

    record = published(out)
    assert record["targets"][0]["value"] == 13 and record["review"]["corrections"] == 1
    assert machine(out)["targets"][0]["value"] == 12 and "Phụ lục bổ sung" in record["text"]
    (c,) = load_corrections(out, PLAN)["corrections"]
    assert c["status"] == "active" and "new machine version" in c["note"]
    assert record["record_id"] != json.loads(next((out / "records" / "history").glob("*.json")).read_text())["record_id"]
    assert catalog_line(out)["record_id"] == record["record_id"] and len(catalog_line(out)["previous_record_ids"]) == 1


def test_a_crash_after_capturing_does_not_capture_twice(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.review.corrections as corrections

    edit(out, set_target(13))
    new = machine(out)
    new["targets"][1]["value"] = 26
    real = corrections.write_text_atomic

    def killed_before_the_published_write(path: Path, text: str, **kw: Any) -> bool:
        if path == published_path(out):
            raise KeyboardInterrupt("killed")
        return real(path, text, **kw)

    monkeypatch.setattr(corrections, "write_text_atomic", killed_before_the_published_write)
    with pytest.raises(KeyboardInterrupt):
        publish(out, PLAN, new)  # captured the edit, wrote the new machine copy, then died
    monkeypatch.setattr(corrections, "write_text_atomic", real)

    assert sync_all(out).captured == []
    assert [t["value"] for t in published(out)["targets"]][:2] == [13, 26]
    assert len(load_corrections(out, PLAN)["corrections"]) == 1


def test_a_save_while_a_new_version_is_prepared_is_captured(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.review.corrections as corrections

    new = machine(out)
    new["targets"][1]["value"] = 26
    real = corrections._corrected
    saved = []

    def reviewer_saves_meanwhile(files, record):  # an editor saves after publish() captured, before it writes
        if not saved:
            saved.append(edit(out, set_target(13)))
        return real(files, record)

    monkeypatch.setattr(corrections, "_corrected", reviewer_saves_meanwhile)
    record = publish(out, PLAN, new)
    assert saved and [t["value"] for t in record["targets"]][:2] == [13, 26]
    assert published(out) == record
    (c,) = load_corrections(out, PLAN)["corrections"]
    assert [op for op in c["patch"] if op["op"] != "test"] == [{"op": "replace", "path": "/targets/0/value", "value": 13}]


def test_concurrent_publishes_and_syncs_lose_no_edit(out: Path) -> None:
    new = machine(out)
    stop = threading.Event()
    errors: list[BaseException] = []

    def service() -> None:
        try:
            while not stop.is_set():
                publish(out, PLAN, new)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=service)
    thread.start()
    try:
        for value in (13, 14, 15):  # a review tool saves under the record lock, then syncs
            record = published(out)
            set_target(value)(record)
            save_edit(out, PLAN, record)
            capture_edits(out, PLAN)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    publish(out, PLAN, new)
    assert published(out)["targets"][0]["value"] == 15
    assert [c["status"] for c in load_corrections(out, PLAN)["corrections"]] == ["active"] * 3


# -- gold export and eval --------------------------------------------------------------------------
def test_export_gold_and_eval(out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(out, lambda r: (set_target(13)(r), r["references"].pop(1)))
    sync_all(out)
    gold = tmp_path / "gold"
    assert cli_main(["review", "export-gold", str(gold), "--out", str(out)]) == 0
    capsys.readouterr()
    (gold_file,) = sorted(gold.glob("*.json"))  # only the corrected record
    data = json.loads(gold_file.read_text(encoding="utf-8"))
    assert data["source"] == PLAN and data["targets"][0]["value"] == 13
    assert set(data) == {"source", "document", "movement", "period", "duration", "references", "targets",
                         "reward_quotas", "criteria"}
    assert set(data["document"]) == {"kind", "number", "issued_on", "issuer", "province"}

    assert cli_main(["eval", str(gold), str(out), "--json"]) == 0  # OUT: the published, corrected records
    result = json.loads(capsys.readouterr().out)
    assert result["overall"]["f1"] == 1.0 and result["missing_records"] == []
    assert all(f["f1"] == 1.0 for f in result["families"].values())

    assert cli_main(["eval", str(gold), str(out / "machine"), "--json"]) == 0  # the extractor against reviewers
    result = json.loads(capsys.readouterr().out)
    assert result["families"]["targets"]["f1"] < 1.0 and result["families"]["references"]["fp"] == 1

    # eval's loader reads OUT/records under OUT, never the machine copies or the corrections
    assert load_records(out)[PLAN] == published(out) and load_records(out / "machine")[PLAN] == machine(out)
    published_path(out).unlink()
    assert PLAN not in load_records(out)


# -- RFC 6902 --------------------------------------------------------------------------------------
DOC = {"a/b": {"m~n": 1}, "list": [1, 2, 3], "flag": True, "nested": {"x": [{"y": 1}]}}


@pytest.mark.parametrize("op,expected", [
    ({"op": "add", "path": "/list/1", "value": 9}, {**DOC, "list": [1, 9, 2, 3]}),
    ({"op": "add", "path": "/list/-", "value": 4}, {**DOC, "list": [1, 2, 3, 4]}),
    ({"op": "add", "path": "/a~1b/new", "value": None}, {**DOC, "a/b": {"m~n": 1, "new": None}}),
    ({"op": "add", "path": "/a~1b/m~0n", "value": 2}, {**DOC, "a/b": {"m~n": 2}}),
    ({"op": "remove", "path": "/list/0"}, {**DOC, "list": [2, 3]}),
    ({"op": "remove", "path": "/a~1b/m~0n"}, {**DOC, "a/b": {}}),
    ({"op": "replace", "path": "/nested/x/0/y", "value": "z"}, {**DOC, "nested": {"x": [{"y": "z"}]}}),
    ({"op": "replace", "path": "", "value": [1]}, [1]),
    ({"op": "move", "from": "/list/0", "path": "/list/-"}, {**DOC, "list": [2, 3, 1]}),
    ({"op": "copy", "from": "/flag", "path": "/copy"}, {**DOC, "copy": True}),
    ({"op": "test", "path": "/a~1b/m~0n", "value": 1.0}, DOC),
])
def test_rfc6902_operations(op: dict, expected: Any) -> None:
    before = copy.deepcopy(DOC)
    assert json_equal(apply_patch(DOC, [op]), expected)
    assert DOC == before  # never modified in place


@pytest.mark.parametrize("patch,error", [
    ([{"op": "test", "path": "/flag", "value": 1}], PatchTestFailed),  # true is not 1
    ([{"op": "test", "path": "/list", "value": [1, 2]}], PatchTestFailed),
    ([{"op": "test", "path": "/a~1b/m~0n", "value": "1"}], PatchTestFailed),
    ([{"op": "test", "path": "/missing", "value": 1}], PatchError),
    ([{"op": "remove", "path": "/list/3"}], PatchError),
    ([{"op": "add", "path": "/list/5", "value": 1}], PatchError),
    ([{"op": "add", "path": "/list/01", "value": 1}], PatchError),
    ([{"op": "replace", "path": "/nope", "value": 1}], PatchError),
    ([{"op": "add", "path": "/a/b", "value": 1}], PatchError),  # "a/b" unescaped is not "a" then "b"
    ([{"op": "move", "from": "/nested", "path": "/nested/x/child"}], PatchError),
    ([{"op": "frobnicate", "path": "/list"}], PatchError),
    ([{"op": "add", "path": "list", "value": 1}], PatchError),
    ([{"op": "add", "path": "/x~2", "value": 1}], PatchError),
])
def test_rfc6902_errors(patch: list, error: type) -> None:
    with pytest.raises(error):
        apply_patch(DOC, patch)


def test_patch_is_atomic() -> None:
    patch = [{"op": "replace", "path": "/flag", "value": False}, {"op": "test", "path": "/list/0", "value": 5}]
    with pytest.raises(PatchTestFailed):
        apply_patch(DOC, patch)
    assert DOC["flag"] is True


def test_pointer_escaping() -> None:
    assert parse_pointer("/a~1b/m~0n/~01") == ["a/b", "m~n", "~1"]
    assert parse_pointer("") == [] and parse_pointer("/") == [""]


@pytest.mark.parametrize("edited", [
    {**DOC, "list": [0, 1, 2, 3]},  # insert first: pins the item it goes before
    {**DOC, "list": [1, 2, 7, 3]},  # insert inside: pins the item before
    {**DOC, "list": [3]},
    {**DOC, "a/b": {"m~n": 1, "k/~": [1]}, "flag": False},
    {**DOC, "nested": {"x": [{"y": 2}, {"y": 1}]}},
    {"list": []},
])
def test_make_patch_round_trip_and_pins(edited: dict) -> None:
    patch = make_patch(DOC, edited)
    assert json_equal(apply_patch(DOC, patch), edited)
    for i, op in enumerate(patch):
        if op["op"] in ("replace", "remove"):
            assert patch[i - 1]["op"] == "test" and patch[i - 1]["path"] == op["path"]
        if op["op"] == "add" and not op["path"].endswith("-") and isinstance(DOC.get(op["path"].split("/")[1]), list):
            assert any(p["op"] == "test" for p in patch[:i])
    shifted = {**DOC, "list": [0, *DOC["list"]]}  # on a shifted list the pinned items no longer match
    if patch and any(op["path"].startswith("/list/") and op["op"] != "add" for op in patch):
        with pytest.raises(PatchTestFailed):
            apply_patch(shifted, patch)


def test_an_added_item_the_extractor_now_finds_is_a_conflict_not_a_duplicate(out: Path) -> None:
    edit(out, lambda r: r["reward_quotas"].append({**r["reward_quotas"][0], "year": 2022}))
    sync_all(out)
    added = published(out)["reward_quotas"][-1]
    new = machine(out)
    new["reward_quotas"].append(added)  # a better extractor finds it too
    record = publish(out, PLAN, new)
    assert record["reward_quotas"].count(added) == 1 and record["review"]["conflicts"] == 1
    (c,) = load_corrections(out, PLAN)["corrections"]
    assert c["conflict"]["kind"] == "duplicate"
    assert reject(out, PLAN, "c1")["status"] == "rejected" and published(out)["reward_quotas"] == new["reward_quotas"]
