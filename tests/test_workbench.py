"""The review workbench without a browser: form values, edits as corrections, the version check,
the queue and reviewed marks, value boxes from the layout, and the web app's routes (FastAPI
test client). The browser drives it end to end in ``test_workbench_browser.py``."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pipeline.cli import build_parser
from pipeline.cli import main as cli_main
from pipeline.publish.storage import dump_json
from pipeline.review.boxes import Layout
from pipeline.review.corrections import load_corrections, publish
from pipeline.review.edits import (
    StaleRecord,
    add_item,
    coerce,
    current_version,
    grounded_span,
    parse_number,
    remove_item,
    set_fields,
    submit,
)
from pipeline.review.errors import InvalidEdit
from pipeline.review.queue import Queue, mark_reviewed, reviewed_mark, select
from pipeline.run.batch import process_local
from pipeline.serve.workbench import create_app

INBOX = Path(__file__).resolve().parents[1] / "corpus" / "inbox"
PLAN = "101_kh-skhcn-dongnai-htx.txt"
PDF = "121_kh-skhcn-dongnai-htx.pdf"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("workbench-pristine")
    summary = process_local([INBOX / PLAN, INBOX / PDF], out)
    assert summary.counts["ok"] == 2, str(summary)
    return out


@pytest.fixture()
def out(pristine: Path, tmp_path: Path) -> Path:
    target = tmp_path / "out"
    shutil.copytree(pristine, target)
    return target


@pytest.fixture()
def client(out: Path) -> TestClient:
    return TestClient(create_app(out, [INBOX], author="tester"))


def published(out: Path, name: str = PLAN) -> dict[str, Any]:
    return json.loads((out / "records" / f"{name}.json").read_text(encoding="utf-8"))


def version(out: Path, name: str = PLAN) -> str:
    return current_version(out, name) or ""


# -- form values ------------------------------------------------------------------------------
@pytest.mark.parametrize("text, value", [
    ("14.000", 14000), ("1.234.567", 1234567), ("6,5", 6.5), ("6.5", 6.5), ("02", 2), ("400", 400),
    ("-3", -3), ("2,125", 2.125), (" 80 ", 80), ("abc", None), ("12a", None), ("", None),
])
def test_vietnamese_numbers(text: str, value: Any) -> None:
    assert parse_number(text) == value
    assert type(parse_number(text)) is type(value)


@pytest.mark.parametrize("path, text, value", [
    ("/targets/0/value", "14.000", 14000),
    ("/targets/0/year", "", None),
    ("/targets/0/comparator", "min", "min"),
    ("/document/number", " 46/KH-LMHTX ", "46/KH-LMHTX"),
    ("/document/issued_on", "", None),
    ("/responsibilities/0/tasks", "one\n\ntwo\n", ["one", "two"]),
    ("/reward_quotas/-/collectives", "02", 2),
])
def test_coerce(path: str, text: str, value: Any) -> None:
    assert coerce(path, text) == value


@pytest.mark.parametrize("path, text, words", [
    ("/targets/0/value", "nhiều", ["$.targets[0].value", "'nhiều'", "a number"]),
    ("/targets/0/comparator", "about", ["$.targets[0].comparator", "'about'", "one of eq, approx, min"]),
    ("/targets/0/unit", "", ["$.targets[0].unit", "required", "text (not empty)"]),
    ("/reward_quotas/0/collectives", "2.5", ["collectives", "'2.5'", "a whole number of at least 0"]),
    ("/targets/0/colour", "red", ["$.targets[0].colour", "not a field"]),
])
def test_an_invalid_value_names_the_field_the_value_and_what_is_allowed(path: str, text: str, words: list[str]) -> None:
    with pytest.raises(InvalidEdit) as caught:
        coerce(path, text)
    message = str(caught.value)
    assert all(w in message for w in words), message


# -- edits are corrections ------------------------------------------------------------------
def test_set_a_value_is_a_correction_that_survives_reprocessing(out: Path) -> None:
    done = submit(out, PLAN, version(out), set_fields("/document", {"number": "1235/KH-SKHCN"}), author="minh")
    assert done.correction["author"] == "minh" and done.correction["status"] == "active"
    assert {"op": "replace", "path": "/document/number", "value": "1235/KH-SKHCN"} in done.correction["patch"]
    assert any(op["op"] == "test" and op["path"] == "/document/number" for op in done.correction["patch"])
    record = published(out)
    assert record["document"]["number"] == "1235/KH-SKHCN"
    assert record["review"]["corrected_paths"] == ["$.document.number"]
    assert done.version == version(out) and done.record == record
    process_local([INBOX / PLAN], out)
    assert published(out)["document"]["number"] == "1235/KH-SKHCN"


def test_a_stale_version_is_refused_and_nothing_is_stored(out: Path) -> None:
    old = version(out)
    submit(out, PLAN, old, set_fields("/document", {"issuer": "Sở KH&CN"}))
    with pytest.raises(StaleRecord) as caught:
        submit(out, PLAN, old, set_fields("/document", {"province": "Bình Dương"}))
    assert "changed since this form was opened" in caught.value.message
    assert published(out)["document"]["province"] == "Đồng Nai"
    assert len(load_corrections(out, PLAN)["corrections"]) == 1


def test_a_hand_edit_makes_an_open_form_stale(out: Path) -> None:
    old = version(out)
    record = published(out)
    record["document"]["issuer"] = "Sở Khoa học"
    (out / "records" / f"{PLAN}.json").write_text(dump_json(record), encoding="utf-8")
    with pytest.raises(StaleRecord):
        submit(out, PLAN, old, set_fields("/document", {"province": "Bình Dương"}))
    # a form opened after the hand edit captures it first, then applies its own change
    done = submit(out, PLAN, version(out), set_fields("/document", {"province": "Bình Dương"}))
    assert done.correction["id"] == "c2"
    assert [c["note"] for c in load_corrections(out, PLAN)["corrections"]][0] == "captured by 'review sync'"
    assert (published(out)["document"]["issuer"], published(out)["document"]["province"]) == ("Sở Khoa học", "Bình Dương")


def test_an_invalid_edit_is_refused_with_field_value_and_allowed(out: Path) -> None:
    with pytest.raises(InvalidEdit) as caught:
        submit(out, PLAN, version(out), set_fields("/document", {"issued_on": "14/9/2021"}))
    message = str(caught.value)
    assert "$.document.issued_on" in message and '"14/9/2021"' in message and "a date YYYY-MM-DD" in message, message
    with pytest.raises(InvalidEdit) as caught:
        submit(out, PLAN, version(out), set_fields("/targets/0", {"year": "1800"}))
    assert "$.targets[0].year" in str(caught.value) and "from 1900 to 2200" in str(caught.value)
    assert load_corrections(out, PLAN) is None


def test_remove_and_add_items(out: Path) -> None:
    record = published(out)
    count = len(record["targets"])
    submit(out, PLAN, version(out), remove_item("/targets/0"))
    assert len(published(out)["targets"]) == count - 1
    text = record["text"]
    start = text.index("hợp tác xã")
    span = grounded_span(published(out), start, start + len("hợp tác xã"), "hợp tác xã")
    submit(out, PLAN, version(out), add_item("targets", {"value": "12", "unit": "hợp tác xã", "comparator": "eq"}, span))
    added = published(out)["targets"][-1]
    assert added == {"year": None, "value": 12, "value_max": None, "unit": "hợp tác xã", "comparator": "eq",
                     "indicator": None, "evidence": {"start": start, "end": start + 10, "quote": "hợp tác xã",
                                                     "page": None}}
    process_local([INBOX / PLAN], out)
    assert published(out)["targets"][-1] == added and len(published(out)["targets"]) == count


@pytest.mark.parametrize("start, end, quote, words", [
    (10, 5, None, "outside the text"),
    (0, 10 ** 7, None, "outside the text"),
    (0, 4, "KẾ H", "not the text at 0-4"),
])
def test_a_selection_must_be_the_text(out: Path, start: int, end: int, quote: str | None, words: str) -> None:
    record = published(out)
    if quote is not None:
        quote = "x" + record["text"][1:4]
    with pytest.raises(InvalidEdit) as caught:
        grounded_span(record, start, end, quote)
    assert words in str(caught.value)


def test_protected_fields_cannot_be_set(out: Path) -> None:
    with pytest.raises(InvalidEdit) as caught:
        submit(out, PLAN, version(out), set_fields("/source", {"filename": "other.txt"}))
    assert "$.source" in str(caught.value)


# -- the queue and reviewed marks -----------------------------------------------------------
def test_queue_orders_by_doubt_and_reviewed_marks_last_until_the_machine_output_changes(out: Path) -> None:
    (out / "records" / f"{PDF}.json").write_text(dump_json({**published(out, PDF), "status": "bad"}), encoding="utf-8")
    machine = json.loads((out / "machine" / f"{PLAN}.json").read_text(encoding="utf-8"))
    queue = Queue(out)
    entries = queue.entries()
    assert [(e.name, e.tier) for e in entries] == [(PDF, "edit"), (PLAN, "rest")]
    assert "invalid edit pending" in str(entries[0].reasons[0])
    mark = mark_reviewed(out, PLAN, "minh")
    assert mark["reviewed_by"] == "minh" and reviewed_mark(out, PLAN) == mark
    entries = queue.entries()
    assert [e.tier for e in entries] == ["edit", "reviewed"]
    assert [e.name for e in select(entries)] == [PDF]
    assert [e.name for e in select(entries, "reviewed")] == [PLAN]
    assert [e.name for e in select(entries, "all", query="dongnai", media="text")] == [PLAN]
    changed = {**machine, "document": {**machine["document"], "number": "1/KH"}}
    publish(out, PLAN, changed)  # the machine output changes: the mark no longer holds
    assert reviewed_mark(out, PLAN) is None and queue.entry(PLAN).tier == "rest"


def test_failed_and_conflicts_come_first(out: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    process_local([broken], out)
    submit(out, PLAN, version(out), set_fields("/document", {"number": "1235/KH-SKHCN"}))
    machine = json.loads((out / "machine" / f"{PLAN}.json").read_text(encoding="utf-8"))
    publish(out, PLAN, {**machine, "document": {**machine["document"], "number": "9/KH"}})
    tiers = [(e.name, e.tier) for e in Queue(out).entries()]
    assert tiers == [("broken.pdf", "failed"), (PLAN, "conflict"), (PDF, "rest")], tiers
    assert cli_main(["review", "list", "--out", str(out)]) == 0


# -- boxes ----------------------------------------------------------------------------------
def test_boxes_narrow_to_the_lines_of_the_span() -> None:
    text = "Số: 1/KH\n" + "một hai ba bốn năm sáu bảy tám chín mười " * 3
    record = {"text": text, "pages": [{"page": 1, "width": 600, "height": 800}, {"page": 2, "width": 600, "height": 800}],
              "blocks": [{"kind": "heading", "start": 0, "end": 8, "page": 1, "bbox": [100, 50, 200, 62]},
                         {"kind": "paragraph", "start": 9, "end": len(text), "page": 1, "bbox": [50, 100, 550, 136]},
                         {"kind": "paragraph", "start": len(text), "end": len(text), "page": 2, "bbox": [50, 50, 550, 62]}]}
    layout = Layout(record)
    assert layout.line_height(1) == 12
    (head,) = layout.span_boxes(4, 8)
    assert (head.page, head.x0, head.top, head.x1, head.bottom, head.approximate) == (1, 100, 50, 200, 62, False)
    (first,) = layout.span_boxes(9, 15)  # the start of a two-line paragraph: its first line
    assert (first.top, first.bottom, first.approximate) == (100, 112, True)
    (last,) = layout.span_boxes(len(text) - 5, len(text))
    assert (last.top, last.bottom) == (124, 136)
    (both,) = layout.span_boxes(0, 12)
    assert (both.x0, both.top, both.bottom) == (50, 50, 112)
    assert layout.page_range(1) == (0, len(text)) and layout.page_of(20) == 1


# -- the web app ----------------------------------------------------------------------------
def form_version(html: str) -> str:
    return re.search(r'name="version" value="([0-9a-f]{64})"', html).group(1)


def test_queue_and_record_views(client: TestClient, out: Path) -> None:
    page = client.get("/queue")
    assert page.status_code == 200 and PLAN in page.text and PDF in page.text
    assert not re.search(r'(src|href)="(https?:)?//', page.text), "the workbench loads nothing from outside"
    view = client.get(f"/records/{PDF}")
    assert view.status_code == 200 and view.headers["etag"] == f'"{version(out, PDF)}"'
    assert not re.search(r'(src|href)="(https?:)?//', view.text)
    assert f'/records/{PDF}/pages/1.png' in view.text and view.text.count('class="box ') > 3
    assert client.get(f"/records/{PDF}", headers={"If-None-Match": view.headers["etag"]}).status_code == 304
    image = client.get(f"/records/{PDF}/pages/1.png")
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get(f"/records/{PDF}/pages/99.png").status_code == 404
    text = client.get(f"/records/{PLAN}")
    assert text.status_code == 200 and 'class="sheet"' not in text.text and 'id="text"' in text.text
    assert client.get("/records/nothing.json").status_code == 404
    assert client.get("/static/workbench.js").status_code == 200
    assert client.get("/queue.json").json()["counts"]["rest"] == 2


def test_app_edit_stale_invalid_and_reviewed(client: TestClient, out: Path) -> None:
    html = client.get(f"/records/{PLAN}").text
    v = form_version(html)
    saved = client.post(f"/records/{PLAN}/set", data={"version": v, "pointer": "/document", "v:number": "1235/KH-SKHCN"},
                        follow_redirects=False)
    assert saved.status_code == 303 and "correction+c1" in saved.headers["location"]
    stale = client.post(f"/records/{PLAN}/set", data={"version": v, "pointer": "/document", "v:number": "9/KH"})
    assert stale.status_code == 409 and "changed since this form was opened" in stale.text
    assert published(out)["document"]["number"] == "1235/KH-SKHCN"
    v = form_version(client.get(f"/records/{PLAN}").text)
    invalid = client.post(f"/records/{PLAN}/set", data={"version": v, "pointer": "/targets/0", "v:value": "nhiều"})
    assert invalid.status_code == 422 and "$.targets[0].value" in invalid.text and "a number" in invalid.text
    if_match = client.post(f"/records/{PLAN}/remove", data={"pointer": "/targets/0"}, headers={"If-Match": '"0"'})
    assert if_match.status_code == 409
    reject = client.post(f"/records/{PLAN}/corrections/c1/reject", data={"version": v}, follow_redirects=False)
    assert reject.status_code == 303 and published(out)["document"]["number"] == "1234/KH-SKHCN"
    v = form_version(client.get(f"/records/{PLAN}").text)
    accepted = client.post(f"/records/{PLAN}/corrections/c1/accept", data={"version": v}, follow_redirects=False)
    assert accepted.status_code == 303 and published(out)["document"]["number"] == "1235/KH-SKHCN"
    v = form_version(client.get(f"/records/{PLAN}").text)
    done = client.post(f"/records/{PLAN}/reviewed", data={"version": v}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith(f"/records/{PDF}")
    assert [e["name"] for e in client.get("/queue.json").json()["items"]] == [PDF]
    assert "reviewed by tester" in client.get(f"/records/{PLAN}").text


def test_add_from_a_selection_through_the_app(client: TestClient, out: Path) -> None:
    record = published(out, PDF)
    text = record["text"]
    start = text.index("hợp tác xã")
    v = form_version(client.get(f"/records/{PDF}").text)
    data = {"version": v, "family": "criteria", "start": str(start), "end": str(start + 10), "quote": "hợp tác xã",
            "v:applies_to": "collective", "v:text": "hợp tác xã"}
    assert client.post(f"/records/{PDF}/add", data=data, follow_redirects=False).status_code == 303
    added = published(out, PDF)["criteria"][-1]
    assert added["evidence"]["quote"] == "hợp tác xã" and added["evidence"]["page"] == 1
    v = form_version(client.get(f"/records/{PDF}").text)
    wrong = client.post(f"/records/{PDF}/add", data={**data, "version": v, "quote": "hợp tác"})
    assert wrong.status_code == 422 and "select them again" in wrong.text
    v = form_version(client.get(f"/records/{PDF}").text)
    field = {"version": v, "pointer": "/document", "field": "title", "start": str(start), "end": str(start + 10),
             "quote": "hợp tác xã"}
    assert client.post(f"/records/{PDF}/set", data=field, follow_redirects=False).status_code == 303
    document = published(out, PDF)["document"]
    assert document["title"] == "hợp tác xã" and document["evidence"]["title"]["start"] == start


def test_serve_binds_to_localhost_by_default() -> None:
    args = build_parser().parse_args(["review", "serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8788)


# -- the static review pages ----------------------------------------------------------------
def test_static_pages_have_an_index_and_mark_corrections_and_pending_edits(out: Path) -> None:
    from pipeline.review.page import write_review_pages

    submit(out, PLAN, version(out), set_fields("/document", {"number": "1235/KH-SKHCN"}))
    record = published(out, PDF)
    record["document"]["issuer"] = "Sở Khoa học"
    (out / "records" / f"{PDF}.json").write_text(dump_json(record), encoding="utf-8")
    pages = write_review_pages(out)
    assert [p.name for p in pages] == [f"{PLAN}.html", f"{PDF}.html"]
    index = (out / "review" / "index.html").read_text(encoding="utf-8")
    assert f'href="{PLAN}.html"' in index and f'href="{PDF}.html"' in index
    assert index.index(PDF) < index.index(PLAN), "the record with a pending edit comes first"
    plan = pages[0].read_text(encoding="utf-8")
    assert re.search(r'<mark class="ev fam-document [^"]*corrected" id="ev-\d+" data-path="\$\.document\.number"', plan)
    assert '<span class="badge">corrected</span>' in plan and 'href="index.html"' in plan
    pdf = pages[1].read_text(encoding="utf-8")
    assert "Pending hand edit" in pdf and "$.document.issuer" in pdf and "Sở Khoa học" in pdf
    assert 'title="$.document.issuer: Sở Khoa học và Công nghệ' in pdf, "the page shows the published value"
    record["targets"][0]["value"] = "nhiều"
    (out / "records" / f"{PDF}.json").write_text(dump_json(record), encoding="utf-8")
    pdf = write_review_pages(out)[1].read_text(encoding="utf-8")
    assert "Pending hand edit, invalid" in pdf and "$.targets[0].value" in pdf


def test_review_sync_says_what_is_allowed(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = published(out)
    record["targets"][0]["year"] = 1800
    (out / "records" / f"{PLAN}.json").write_text(dump_json(record), encoding="utf-8")
    assert cli_main(["review", "sync", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "$.targets[0].year: 1800 is less than the minimum of 1900; allowed: a whole number from 1900 to 2200, or null" in err


def test_text_layer_rectangles_merge_into_lines() -> None:
    from pipeline.serve.page_images import merge_lines

    rects = [(10, 100, 20, 110), (21, 101, 40, 110), (41, 100, 60, 111), (10, 120, 30, 130)]
    assert merge_lines(rects) == [(10, 100, 60, 111), (10, 120, 30, 130)]


def test_concurrent_forms_of_one_version_one_wins(out: Path) -> None:
    import threading

    v, results = version(out), []

    def save(number: str) -> None:
        try:
            results.append(submit(out, PLAN, v, set_fields("/document", {"number": number})).correction["id"])
        except StaleRecord:
            results.append("stale")

    threads = [threading.Thread(target=save, args=(f"{n}/KH",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["c1", "stale", "stale", "stale"]
    assert len(load_corrections(out, PLAN)["corrections"]) == 1


def test_accept_a_conflicting_correction_in_the_app(client: TestClient, out: Path) -> None:
    submit(out, PLAN, version(out), set_fields("/document", {"number": "1235/KH-SKHCN"}))
    machine = json.loads((out / "machine" / f"{PLAN}.json").read_text(encoding="utf-8"))
    publish(out, PLAN, {**machine, "document": {**machine["document"], "number": "9/KH"}})
    view = client.get(f"/records/{PLAN}")
    assert "corrections in conflict: c1" in view.text and "/corrections/c1/accept" in view.text
    done = client.post(f"/records/{PLAN}/corrections/c1/accept", data={"version": form_version(view.text)},
                       follow_redirects=False)
    assert done.status_code == 303 and "now+active" in done.headers["location"]
    assert published(out)["document"]["number"] == "1235/KH-SKHCN"
    assert published(out)["review"]["conflicts"] == 0
