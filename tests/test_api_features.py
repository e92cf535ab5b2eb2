"""The catalog API's contract for downstream systems, through a real HTTP client against a
running uvicorn server: every filter (status, needs_review, reviewed, kind, changed_since,
province across the 2025 reorganisation), ETag / If-None-Match, HEAD, CSV export, unknown
parameters, bounds, ``next`` links, typed models from ``schemas/`` and the offline docs."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from jsonschema import Draft202012Validator
from test_api import inputs, running

from pipeline.publish.catalog import CATALOG_VERSION, read_catalog
from pipeline.record.schema import CATALOG_ENTRY_SCHEMA, SCHEMA_VERSION, problems
from pipeline.review.corrections import sync_record
from pipeline.run.batch import process_local
from pipeline.serve.export import CSV_COLUMNS
from pipeline.serve.regions import StaticProvinceMap

CHROMIUM = Path("/usr/bin/chromium")
MERGES = StaticProvinceMap({"Bình Phước": "Đồng Nai"})
# our own samples, in the shape of a provincial plan (no real text)
SAMPLES = {
    "201_kh-ubnd-binhphuoc.txt": "ỦY BAN NHÂN DÂN TỈNH BÌNH PHƯỚC\nSố: 45/KH-UBND\nBình Phước, ngày 12 tháng 3 năm 2024\n"
                                 "KẾ HOẠCH\nPhát triển hợp tác xã nông nghiệp giai đoạn 2024 - 2025\nỦy ban nhân dân tỉnh "
                                 "ban hành Kế hoạch phát triển hợp tác xã nông nghiệp: đến năm 2025 có 120 hợp tác xã.\n",
    "202_kh-ubnd-dongnai-2025.txt": "ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI\nSố: 210/KH-UBND\nĐồng Nai, ngày 20 tháng 8 năm 2025\n"
                                    "KẾ HOẠCH\nChuyển đổi số trong các xã, phường sau sắp xếp đơn vị hành chính năm 2025\n"
                                    "Ủy ban nhân dân tỉnh ban hành Kế hoạch chuyển đổi số trên địa bàn tỉnh.\n",
}
FAILED = "203_hong.pdf"
OLD_DONGNAI = {"101_kh-skhcn-dongnai-htx.txt"}


def edit(out: Path, filename: str, change) -> None:
    """A reviewer's edit of a published record, captured and republished as ``review sync`` does."""
    path = out / "records" / f"{filename}.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    change(record)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    assert sync_record(out, filename) is not None


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("api-features")
    inbox = out.parent / f"{out.name}-inbox"
    inbox.mkdir()
    for name, text in SAMPLES.items():
        (inbox / name).write_text(text, encoding="utf-8")
    (inbox / FAILED).write_bytes(b"%PDF-1.4 not a real PDF")
    process_local([*inputs("101", "103", "116"), *sorted(inbox.iterdir())], out)
    edit(out, "103_qd-ubnd-laocai-ocop.txt", lambda r: r["needs_review"].append(
        {"field": "document.issuer", "reason": "low_confidence", "message": "the header is cut"}))
    edit(out, "116_ctr-ubnd-vinhlong-htx.txt", lambda r: r["document"].update(title="=SUM(1) chương trình phát triển hợp tác xã"))
    return out


@pytest.fixture(scope="module")
def api(out: Path) -> Iterator[httpx.Client]:
    with running(out, sync_interval=0.1, base_url="https://catalog.example/api", provinces=MERGES) as (client, _):
        yield client


def found(api: httpx.Client, **params: Any) -> set[str]:
    r = api.get("/records", params={"limit": 100, **params})
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == len(page["items"])
    return {h["filename"] for h in page["items"]}


ALL = {"101_kh-skhcn-dongnai-htx.txt", "103_qd-ubnd-laocai-ocop.txt", "116_ctr-ubnd-vinhlong-htx.txt", *SAMPLES, FAILED}


@pytest.mark.parametrize("q", ["", "ke hoach OR quyet dinh OR chuong trinh"])
@pytest.mark.parametrize("params,expected", [
    ({"status": "failed"}, {FAILED}),
    ({"status": "ok"}, ALL - {FAILED}),
    ({"needs_review": "true"}, {"103_qd-ubnd-laocai-ocop.txt"}),
    ({"needs_review": "false"}, ALL - {"103_qd-ubnd-laocai-ocop.txt"}),
    ({"reviewed": "true"}, {"103_qd-ubnd-laocai-ocop.txt", "116_ctr-ubnd-vinhlong-htx.txt"}),
    ({"reviewed": "false"}, ALL - {"103_qd-ubnd-laocai-ocop.txt", "116_ctr-ubnd-vinhlong-htx.txt"}),
    ({"kind": "ke hoach"}, OLD_DONGNAI | set(SAMPLES)),
    ({"kind": "Chương trình hành động"}, {"116_ctr-ubnd-vinhlong-htx.txt"}),
    ({"province": "Đồng Nai"}, OLD_DONGNAI | set(SAMPLES)),  # Bình Phước became part of Đồng Nai
    ({"province": "binh phuoc"}, set(SAMPLES)),  # its own plan, and Đồng Nai's since the merger
    ({"province": "Lào Cai"}, {"103_qd-ubnd-laocai-ocop.txt"}),
    ({"kind": "Kế hoạch", "province": "dong nai", "issued_from": "2024-01-01"}, set(SAMPLES)),
    ({"issuer": "_"}, set()), ({"issuer": "%"}, set()),
])
def test_every_filter(api: httpx.Client, q: str, params: dict[str, Any], expected: set[str]) -> None:
    matching = found(api, q=q) if q else ALL
    assert found(api, q=q, **params) == expected & matching


def test_hits_carry_status_and_review_flags(api: httpx.Client, out: Path) -> None:
    items = {h["filename"]: h for h in api.get("/records", params={"limit": 100}).json()["items"]}
    assert items[FAILED]["status"] == "failed" and items[FAILED]["error_codes"]
    assert items["103_qd-ubnd-laocai-ocop.txt"]["needs_review"] == [{"field": "document.issuer", "reason": "low_confidence"}]
    assert items["116_ctr-ubnd-vinhlong-htx.txt"]["reviewed"] is True
    for hit in items.values():
        assert hit["schema_version"] == CATALOG_VERSION and hit["record_schema_version"] == SCHEMA_VERSION
        entry = {k: v for k, v in hit.items() if k not in ("changed_at", "exact", "match", "snippet", "relation")}
        assert problems(entry, CATALOG_ENTRY_SCHEMA) == []
    # the catalog lines say the same
    lines = {e["filename"]: e for e in read_catalog(out)}
    assert lines["103_qd-ubnd-laocai-ocop.txt"]["needs_review"] == items["103_qd-ubnd-laocai-ocop.txt"]["needs_review"]
    assert lines["116_ctr-ubnd-vinhlong-htx.txt"]["reviewed"] is True and lines[FAILED]["status"] == "failed"


def test_changed_since_and_order_for_incremental_sync(api: httpx.Client, out: Path) -> None:
    page = api.get("/records", params={"order": "changed", "limit": 100}).json()
    stamps = [h["changed_at"] for h in page["items"]]
    assert stamps == sorted(stamps) and len(stamps) == len(ALL)
    latest = stamps[-1]
    assert found(api, changed_since=latest) == {page["items"][-1]["filename"]} | \
        {h["filename"] for h in page["items"] if h["changed_at"] == latest}
    assert found(api, changed_since="2999-01-01T00:00:00Z") == set()
    assert found(api, changed_since="2000-01-01") == ALL
    # a record changes: it is the one changed since the last stamp seen
    path = out / "records" / "101_kh-skhcn-dongnai-htx.txt.json"
    later = os.stat(path).st_mtime_ns + 60_000_000_000
    os.utime(path, ns=(later, later))
    deadline = time.monotonic() + 20
    while True:  # the background sync picks the change up
        newer = {h["filename"] for h in api.get("/records", params={"changed_since": latest}).json()["items"]}
        if "101_kh-skhcn-dongnai-htx.txt" in newer or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert "101_kh-skhcn-dongnai-htx.txt" in newer


@pytest.mark.parametrize("url", ["/records?q=hop+tac+xa", "/records.csv?q=hop+tac+xa", "/documents/20-NQ/TW/cited-by",
                                 "/records/{rid}", "/records/{rid}/cites"])
def test_etag_and_head(api: httpx.Client, out: Path, url: str) -> None:
    rid = json.loads((out / "records" / "116_ctr-ubnd-vinhlong-htx.txt.json").read_text(encoding="utf-8"))["record_id"]
    url = url.format(rid=rid)
    first = api.get(url)
    assert first.status_code == 200 and first.content
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag) and first.headers["cache-control"] == "no-cache"
    assert api.get(url).headers["etag"] == etag  # same content, same tag
    again = api.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert api.get(url, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert api.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    head = api.head(url)
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == etag
    assert int(head.headers["content-length"]) == len(first.content)
    assert head.headers["content-type"] == first.headers["content-type"]


def test_etag_changes_with_the_content(api: httpx.Client) -> None:
    one = api.get("/records", params={"q": "hop tac xa"})
    two = api.get("/records", params={"q": "hop tac xa", "limit": 1})
    assert one.headers["etag"] != two.headers["etag"]


def test_head_on_every_route(api: httpx.Client, out: Path) -> None:
    for url in ("/health", "/records", "/records.csv", "/openapi.json", "/docs", "/redoc"):
        head = api.head(url)
        assert head.status_code == 200 and head.content == b"", url
    assert api.head("/records/" + "0" * 64).status_code == 404
    assert api.head("/records", params={"limit": 0}).status_code == 422


def test_csv_export(api: httpx.Client) -> None:
    params = {"q": "ke hoach OR chuong trinh OR quyet dinh", "limit": 100}
    r = api.get("/records.csv", params=params)
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    items = api.get("/records", params=params).json()["items"]
    assert [row["record_id"] for row in rows] == [h["record_id"] for h in items]  # same search, same order
    assert tuple(rows[0]) == CSV_COLUMNS
    by_name = {row["filename"]: row for row in rows}
    assert by_name["103_qd-ubnd-laocai-ocop.txt"]["needs_review"] == "document.issuer: low_confidence"
    assert by_name["116_ctr-ubnd-vinhlong-htx.txt"]["reviewed"] == "true"
    assert by_name["116_ctr-ubnd-vinhlong-htx.txt"]["title"].startswith("'=SUM(1)")  # never a formula
    assert by_name["201_kh-ubnd-binhphuoc.txt"]["province"] == "Bình Phước"
    filtered = list(csv.DictReader(io.StringIO(api.get("/records.csv", params={"status": "failed"}).text.lstrip("\ufeff"))))
    assert [row["filename"] for row in filtered] == [FAILED]
    assert api.get("/records.csv", params={"limit": 10_001}).status_code == 422
    assert api.get("/records.csv", params={"limit": 10_000}).status_code == 200


@pytest.mark.parametrize("url", ["/health", "/records", "/records.csv", "/records/{rid}", "/records/{rid}/cites",
                                 "/documents/20-NQ/TW/cited-by", "/docs", "/redoc"])
def test_unknown_parameters_are_rejected(api: httpx.Client, out: Path, url: str) -> None:
    rid = json.loads((out / "records" / "101_kh-skhcn-dongnai-htx.txt.json").read_text(encoding="utf-8"))["record_id"]
    r = api.get(url.format(rid=rid), params={"provnce": "dong nai"})
    assert r.status_code == 422, url
    assert r.json()["detail"][0]["loc"] == ["query", "provnce"]


@pytest.mark.parametrize("params", [
    {"offset": 2 ** 63}, {"offset": 10_001}, {"offset": -1}, {"limit": 101}, {"q": "x" * 501},
    {"q": " ".join(["hop tac xa"] * 1700)}, {"q": "a " * 33}, {"q": "NOT hop"}, {"q": "(hop"},
    {"status": "done"}, {"needs_review": "maybe"}, {"reviewed": "2"}, {"changed_since": "yesterday"},
    {"order": "random"}, {"issued_from": "yesterday"}, {"province": "x" * 201},
])
def test_bounds_and_malformed_values(api: httpx.Client, params: dict[str, Any]) -> None:
    r = api.get("/records", params=params)
    assert r.status_code == 422, params
    assert isinstance(r.json()["detail"], list)


def test_next_links_come_from_the_configured_base_url(api: httpx.Client) -> None:
    page = api.get("/records", params={"q": "ke hoach", "limit": 1}, headers={"Host": "attacker.example"}).json()
    assert page["next"].startswith("https://catalog.example/api/records?") and "attacker" not in page["next"]
    assert "q=ke+hoach" in page["next"] and "offset=1" in page["next"] and "limit=1" in page["next"]
    cited = api.get("/documents/20-NQ/TW/cited-by", params={"limit": 1}).json()
    assert cited["next"] is None or cited["next"].startswith("https://catalog.example/api/documents/")
    last = api.get("/records", params={"limit": 100}).json()
    assert last["next"] is None


def _validator(spec: dict[str, Any], name: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})


def test_openapi_describes_records_field_by_field(api: httpx.Client, out: Path) -> None:
    spec = api.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    record = schemas["PlanRecord"]
    assert {"document", "targets", "reward_quotas", "needs_review", "text", "review"} <= set(record["properties"])
    assert record["additionalProperties"] is False and "document" in record["required"]
    assert schemas["PlanRecordDocument"]["properties"]["issued_on"]
    hit = schemas["Hit"]["properties"]
    assert {"status", "needs_review", "reviewed", "record_schema_version", "changed_at", "match", "snippet"} <= set(hit)
    op = spec["paths"]["/records/{record_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert op == {"$ref": "#/components/schemas/PlanRecord"}
    # and the responses are what they say
    for name in ("101_kh-skhcn-dongnai-htx.txt", FAILED):
        rid = json.loads((out / "records" / f"{name}.json").read_text(encoding="utf-8"))["record_id"]
        errors = list(_validator(spec, "PlanRecord").iter_errors(api.get(f"/records/{rid}").json()))
        assert errors == [], errors[:3]
    for params in ({"q": "hop tac xa"}, {"limit": 100}):
        errors = list(_validator(spec, "HitPage").iter_errors(api.get("/records", params=params).json()))
        assert errors == [], errors[:3]


def test_docs_load_their_assets_from_the_server(api: httpx.Client) -> None:
    for page in ("/docs", "/redoc"):
        html = api.get(page).text
        urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html) + re.findall(r"""url:\s*['"]([^'"]+)['"]""", html)
        assert urls, page
        for url in urls:
            assert not re.match(r"^(https?:)?//", url), f"{page} loads {url} from the network"
            r = api.get(url.removeprefix(str(api.base_url)))
            assert r.status_code == 200 and r.content, url


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed")
def test_docs_render_with_no_network(out: Path) -> None:
    """Swagger UI draws the operations in a browser that can reach nothing but this server."""
    with running(out) as (client, _), tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                               "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                               "--virtual-time-budget=15000", "--dump-dom", f"{client.base_url}/docs"],
                              capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.count('class="opblock ') >= 6 and "/records.csv" in proc.stdout


def test_search_command_validates_like_the_api(out: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pipeline", "search", "--out", str(out), *args],
                              capture_output=True, text=True, timeout=120)
    for args, option in ((["--issued-from", "yesterday"], "--issued-from"), (["--status", "done"], "--status"),
                         (["--limit", "0"], "--limit"), (["--offset", str(2 ** 63)], "--offset"),
                         (["--changed-since", "soon"], "--changed-since"), (["NOT", "x"], "query"),
                         (["--period-from", "soon"], "--period-from")):
        r = run(*args)
        assert r.returncode == 2 and f"error: {option}:" in r.stderr, (args, r.stderr)
    r = run("--status", "failed", "--json")
    assert r.returncode == 0 and [h["filename"] for h in json.loads(r.stdout)["items"]] == [FAILED]
    r = run("--province", "dong nai", "--no-reviewed", "--csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    # the command line reads the vocabulary's reorganisation of 2025 (Bình Phước joined Đồng Nai):
    # Đồng Nai's own records and the old Bình Phước's
    assert r.returncode == 0 and {row["filename"] for row in rows} == {"101_kh-skhcn-dongnai-htx.txt",
                                                                         "201_kh-ubnd-binhphuoc.txt",
                                                                         "202_kh-ubnd-dongnai-2025.txt"}
