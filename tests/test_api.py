"""The catalog HTTP API, through a real HTTP client against a running uvicorn server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
import uvicorn
from jsonschema import Draft202012Validator

from pipeline.cli import main as cli_main
from pipeline.record.schema import SCHEMA_VERSION
from pipeline.run.batch import process_local
from pipeline.serve.api import create_app

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "corpus" / "inbox"
NAMES = ("101", "102", "103", "110", "112", "116", "121")
ALL_FILES = {"101_kh-skhcn-dongnai-htx.txt", "102_ctr-tinhuy-quangngai-kttt.txt", "103_qd-ubnd-laocai-ocop.txt",
             "110_tin-skhdt-gialai-doanhnghiep.txt", "112_tin-ubnd-soctrang-giamngheo.txt",
             "116_ctr-ubnd-vinhlong-htx.txt", "121_kh-skhcn-dongnai-htx.pdf"}
DONGNAI = {"101_kh-skhcn-dongnai-htx.txt", "121_kh-skhcn-dongnai-htx.pdf"}


def inputs(*prefixes: str) -> list[Path]:
    return sorted(p for p in INBOX.iterdir() if p.name.split("_")[0] in prefixes)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{base} did not answer within {timeout}s")
        time.sleep(0.05)


@contextmanager
def running(out: Path, **kwargs: Any) -> Iterator[tuple[httpx.Client, uvicorn.Server]]:
    """The API over ``out`` served by uvicorn in a background thread, and a client for it."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(out, **kwargs), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base)
        with httpx.Client(base_url=base, timeout=10.0) as client:
            yield client, server
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("api")
    assert len(inputs(*NAMES)) == len(NAMES)
    process_local(inputs(*NAMES), out)
    return out


@pytest.fixture(scope="module")
def live(out: Path) -> Iterator[tuple[httpx.Client, uvicorn.Server]]:
    with running(out) as pair:
        yield pair


@pytest.fixture(scope="module")
def api(live: tuple[httpx.Client, uvicorn.Server]) -> httpx.Client:
    return live[0]


def get(api: httpx.Client, url: str, **params: Any) -> dict[str, Any]:
    r = api.get(url, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def names(api: httpx.Client, **params: Any) -> set[str]:
    page = get(api, "/records", limit=100, **params)
    assert page["total"] == len(page["items"])
    return {h["filename"] for h in page["items"]}


def record_file(out: Path, prefix: str) -> dict[str, Any]:
    (path,) = (out / "records").glob(f"{prefix}_*.json")
    return json.loads(path.read_text(encoding="utf-8"))


def test_health(api: httpx.Client) -> None:
    assert get(api, "/health") == {"status": "ok", "records": len(NAMES)}


def test_binds_localhost(live: tuple[httpx.Client, uvicorn.Server]) -> None:
    _, server = live
    hosts = {sock.getsockname()[0] for s in server.servers for sock in s.sockets}
    assert hosts == {"127.0.0.1"}


@pytest.mark.parametrize("q", ["", "hop tac xa"])
def test_pagination_is_consistent(api: httpx.Client, q: str) -> None:
    everything = get(api, "/records", q=q, limit=100)
    total = everything["total"]
    assert total == len(everything["items"]) and everything["next"] is None
    seen: list[str] = []
    url: str | None = "/records"
    params: dict[str, Any] | None = {"q": q, "limit": 2, "offset": 0}
    while url:
        page = api.get(url, params=params).json()
        assert page["total"] == total and page["limit"] == 2 and page["offset"] == len(seen)
        assert len(page["items"]) == min(2, total - len(seen))
        seen += [h["record_id"] for h in page["items"]]
        url, params = page["next"], None
        if url:  # relative without a configured base URL: never built from the request's Host header
            assert url.startswith("/records?") and "offset=" in url
    assert seen == [h["record_id"] for h in everything["items"]]
    assert len(set(seen)) == total
    beyond = get(api, "/records", q=q, offset=total + 5)
    assert beyond["items"] == [] and beyond["next"] is None and beyond["total"] == total


def test_full_text_without_diacritics(api: httpx.Client) -> None:
    assert names(api, q="dong nai") == DONGNAI == names(api, q="ĐỒNG NAI")
    assert {"101_kh-skhcn-dongnai-htx.txt", "116_ctr-ubnd-vinhlong-htx.txt"} <= names(api, q="hop tac xa")
    assert names(api, q="giam ngheo ben vung") == {"112_tin-ubnd-soctrang-giamngheo.txt"}
    assert names(api, q="lao cai ocop") == {"103_qd-ubnd-laocai-ocop.txt"}
    # đ is folded to d: "dong hanh" finds "Đồng hành cùng doanh nghiệp"
    assert "110_tin-skhdt-gialai-doanhnghiep.txt" in names(api, q="dong hanh cung doanh nghiep")


def test_exact_diacritics_first_with_snippet(api: httpx.Client) -> None:
    items = get(api, "/records", q="Đồng Nai")["items"]
    assert items and all(h["exact"] for h in items)
    assert "«Đồng Nai»" in items[0]["snippet"]
    assert not any(h["exact"] for h in get(api, "/records", q="dong nai")["items"])


@pytest.mark.parametrize("params,expected", [
    ({"kind": "ke hoach"}, {"101_kh-skhcn-dongnai-htx.txt", "110_tin-skhdt-gialai-doanhnghiep.txt",
                            "112_tin-ubnd-soctrang-giamngheo.txt", "121_kh-skhcn-dongnai-htx.pdf"}),
    ({"kind": "Quyết định"}, {"103_qd-ubnd-laocai-ocop.txt"}),
    ({"province": "dong nai"}, DONGNAI),
    ({"province": "Lào Cai"}, {"103_qd-ubnd-laocai-ocop.txt"}),
    ({"number": "1187 / QD-UBND"}, {"103_qd-ubnd-laocai-ocop.txt"}),
    ({"number": "2156/kh-skhdt"}, {"110_tin-skhdt-gialai-doanhnghiep.txt"}),
    ({"issuer": "uy ban nhan dan"}, {"103_qd-ubnd-laocai-ocop.txt", "116_ctr-ubnd-vinhlong-htx.txt"}),
    ({"issued_from": "2022-04-15", "issued_to": "2022-11-03"},
     {"103_qd-ubnd-laocai-ocop.txt", "110_tin-skhdt-gialai-doanhnghiep.txt", "112_tin-ubnd-soctrang-giamngheo.txt"}),
    ({"issued_to": "2021-12-31"}, DONGNAI),
    ({"period_from": 2026}, DONGNAI | {"116_ctr-ubnd-vinhlong-htx.txt"}),
    ({"period_from": 2021, "period_to": 2021}, DONGNAI | {"112_tin-ubnd-soctrang-giamngheo.txt"}),
    ({"target_year": 2045}, {"102_ctr-tinhuy-quangngai-kttt.txt"}),
    ({"has_quotas": "true"}, DONGNAI | {"103_qd-ubnd-laocai-ocop.txt", "110_tin-skhdt-gialai-doanhnghiep.txt"}),
    ({"has_quotas": "false"}, {"102_ctr-tinhuy-quangngai-kttt.txt", "112_tin-ubnd-soctrang-giamngheo.txt",
                               "116_ctr-ubnd-vinhlong-htx.txt"}),
    ({"cites": "20-NQ/TW"}, {"102_ctr-tinhuy-quangngai-kttt.txt", "116_ctr-ubnd-vinhlong-htx.txt"}),
    ({"q": "hop tac xa", "province": "dong nai", "has_quotas": "true"}, DONGNAI),
    ({"kind": "no such kind"}, set()),
])
def test_filters(api: httpx.Client, params: dict[str, Any], expected: set[str]) -> None:
    assert names(api, **params) == expected


def test_record_by_id_is_the_record_file(api: httpx.Client, out: Path) -> None:
    for prefix in ("101", "121"):
        record = record_file(out, prefix)
        assert get(api, f"/records/{record['record_id']}") == record
        assert get(api, f"/records/{record['record_id'].upper()}") == record


def test_unknown_and_malformed(api: httpx.Client) -> None:
    r = api.get("/records/" + "0" * 64)
    assert r.status_code == 404 and isinstance(r.json()["detail"], str)
    assert api.get("/records/" + "0" * 64 + "/cites").status_code == 404
    for bad in ("/records/abc", "/records/" + "g" * 64, "/records/" + "0" * 65, "/records/abc/cites"):
        assert api.get(bad).status_code == 422, bad
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"issued_from": "2022-13-01"},
                   {"issued_to": "yesterday"}, {"period_from": "soon"}, {"has_quotas": "maybe"}):
        assert api.get("/records", params=params).status_code == 422, params
    assert api.get("/documents/20-NQ/TW/cited-by", params={"limit": 0}).status_code == 422
    assert api.get("/nothing/here").status_code == 404
    assert api.post("/records").status_code == 405


def test_cited_by(api: httpx.Client) -> None:
    page = get(api, "/documents/20-NQ/TW/cited-by")
    assert {h["filename"] for h in page["items"]} == {"102_ctr-tinhuy-quangngai-kttt.txt", "116_ctr-ubnd-vinhlong-htx.txt"}
    assert page["total"] == 2 and page["next"] is None
    assert {h["relation"] for h in page["items"]} == {"implements", "legal_basis"}
    # tolerant numbers: QD for QĐ, spaces, case, an encoded slash
    for number in ("340/QĐ-TTg", "340/QD-TTg", "340 / qd-ttg", "340%2FQD-TTg"):
        got = get(api, f"/documents/{number}/cited-by")
        assert {h["filename"] for h in got["items"]} == DONGNAI, number
    first = get(api, "/documents/340/QD-TTg/cited-by", limit=1)
    assert first["total"] == 2 and len(first["items"]) == 1 and first["next"]
    second = api.get(first["next"]).json()
    assert {first["items"][0]["filename"], second["items"][0]["filename"]} == DONGNAI and second["next"] is None
    assert get(api, "/documents/999/XYZ/cited-by") == {"total": 0, "total_exact": True, "limit": 20, "offset": 0,
                                                        "items": [], "next": None}


def test_record_cites(api: httpx.Client, out: Path) -> None:
    record = record_file(out, "116")
    got = get(api, f"/records/{record['record_id']}/cites")
    assert got["record_id"] == record["record_id"]
    assert [c["number"] for c in got["items"]] == [r["number"] for r in record["references"]]
    assert {"20-NQ/TW", "09/NQ-CP"} <= {c["number"] for c in got["items"]}
    for c in got["items"]:
        assert set(c) == {"number", "kind", "issued_on", "relation", "record_id"}
    # and back: every record citing 20-NQ/TW lists it among what it cites
    for hit in get(api, "/documents/20-NQ/TW/cited-by")["items"]:
        assert "20-NQ/TW" in {c["number"] for c in get(api, f"/records/{hit['record_id']}/cites")["items"]}


def test_openapi(api: httpx.Client) -> None:
    spec = get(api, "/openapi.json")
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "vn-plan-pipeline catalog API" and spec["info"]["version"] == SCHEMA_VERSION
    paths = spec["paths"]
    assert set(paths) == {"/health", "/records", "/records.csv", "/records/{record_id}", "/records/{record_id}/cites",
                          "/documents/{number}/cited-by"}
    for path, ops in paths.items():
        assert set(ops) == {"get"}, path  # read-only
        op = ops["get"]
        assert op.get("summary") and "200" in op["responses"], path
        media = "text/csv" if path.endswith(".csv") else "application/json"
        assert "schema" in op["responses"]["200"]["content"][media], path
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == set(path.replace("}", "{").split("{")[1::2]), path
    query = {p["name"] for p in paths["/records"]["get"]["parameters"]}
    assert query == {"q", "kind", "number", "issuer", "province", "issued_from", "issued_to", "period_from",
                     "period_to", "target_year", "has_quotas", "cites", "status", "needs_review", "reviewed",
                     "changed_since", "order", "limit", "offset"}
    assert "404" in paths["/records/{record_id}"]["get"]["responses"]
    schemas = spec["components"]["schemas"]
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    refs = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            for v in node.values():
                collect(v)
        elif isinstance(node, list):
            for v in node:
                collect(v)

    collect(spec)
    assert refs and all(r.startswith("#/components/schemas/") and r.split("/")[-1] in schemas for r in refs)
    assert api.get("/docs").status_code == 200


def test_new_records_appear_after_sync(tmp_path: Path) -> None:
    process_local(inputs("101"), tmp_path)
    with running(tmp_path, sync_interval=0.1) as (client, _):
        assert client.get("/health").json()["records"] == 1
        process_local(inputs("103"), tmp_path)
        deadline = time.monotonic() + 5
        while client.get("/health").json()["records"] != 2:
            assert time.monotonic() < deadline, "the new record was not indexed"
            time.sleep(0.1)
        assert {h["filename"] for h in client.get("/records", params={"q": "lao cai"}).json()["items"]} == \
            {"103_qd-ubnd-laocai-ocop.txt"}


def test_serve_cli(out: Path, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", "--out", str(out), "--port", str(port)],
                                cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
    try:
        try:
            wait_healthy(f"http://127.0.0.1:{port}", timeout=30)
        except TimeoutError:
            pytest.fail(f"serve did not answer (exit code {proc.poll()}):\n{log.read_text(errors='replace')}")
        assert httpx.get(f"http://127.0.0.1:{port}/health").json() == {"status": "ok", "records": len(NAMES)}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_serve_cli_without_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["serve", "--out", str(tmp_path / "nothing")]) == 2
    assert "no records" in capsys.readouterr().err


def test_an_invalid_pending_edit_is_never_served(api: httpx.Client, out: Path) -> None:
    """A reviewer's edit that breaks the schema stays in the file for them to fix, but the API
    keeps serving the last published record."""
    path = next((out / "records").glob("101*.json"))
    original = path.read_text(encoding="utf-8")
    record = json.loads(original)
    try:
        broken = json.loads(original)
        broken["targets"][0]["value"] = "not a number"
        path.write_text(json.dumps(broken, ensure_ascii=False, indent=2), encoding="utf-8")
        served = get(api, f"/records/{record['record_id']}")
        assert served["targets"][0]["value"] == record["targets"][0]["value"]
        path.write_text("{ half-typed", encoding="utf-8")
        assert get(api, f"/records/{record['record_id']}")["record_id"] == record["record_id"]
    finally:
        path.write_text(original, encoding="utf-8")
