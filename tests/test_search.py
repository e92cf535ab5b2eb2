"""The catalog index: full text without diacritics, đ folding, filters, numbers, citation graph."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS

from pipeline.record.schema import ENVELOPE_SCHEMA, problems
from pipeline.run.batch import process_local
from pipeline.serve.search import Filters, fold, number_key, open_index, snippet


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("catalog")
    process_local([CORPUS / "inbox"], out)
    return out


@pytest.fixture(scope="module")
def index(out: Path):
    idx = open_index(out)
    yield idx
    idx.close()


def files(page) -> list[str]:
    return [h.filename for h in page.hits]


def test_fold_keeps_length_and_folds_d() -> None:
    for s in ("Đồng Nai", "KẾ HOẠCH chuyển đổi số", "Ủy ban nhân dân", "Uỷ ban"):
        assert len(fold(s)) == len(s)
    assert fold("Đồng Nai") == "dong nai" and fold("đường") == "duong"


@pytest.mark.parametrize("query,expected", [
    ("dong nai", "101_kh-skhcn-dongnai-htx.txt"),
    ("Đồng Nai", "101_kh-skhcn-dongnai-htx.txt"),
    ("ke hoach chuyen doi so", "115_kh-ubnd-binhdinh-chuyendoiso.txt"),
    ("CHUYỂN ĐỔI SỐ", "115_kh-ubnd-binhdinh-chuyendoiso.txt"),
    ("lao cai ocop", "103_qd-ubnd-laocai-ocop.txt"),
])
def test_full_text_ignores_diacritics_and_case(index, query: str, expected: str) -> None:
    assert expected in files(index.search(query, limit=50))


def test_exact_diacritics_rank_first(index) -> None:
    page = index.search("hợp tác xã", limit=50)
    flags = [h.exact for h in page.hits]
    assert flags == sorted(flags, reverse=True) and flags[0]
    hit = page.hits[0]
    assert hit.snippet and "«" in hit.snippet and "»" in hit.snippet


def test_snippet_is_cut_from_the_original_text() -> None:
    text = "Kế hoạch thúc đẩy chuyển đổi số tỉnh Đồng Nai giai đoạn 2021 - 2025"
    assert snippet(text, "dong nai") == "Kế hoạch thúc đẩy chuyển đổi số tỉnh «Đồng Nai» giai đoạn 2021 - 2025"


def test_filters(index) -> None:
    assert set(files(index.search("", Filters(province="dong nai")))) >= {"101_kh-skhcn-dongnai-htx.txt"}
    kinds = {h.kind for h in index.search("", Filters(kind="chuong trinh hanh dong"), limit=50).hits}
    assert kinds == {"Chương trình hành động"}
    dated = index.search("", Filters(issued_from="2023-01-01", issued_to="2023-12-31"), limit=50).hits
    assert dated and all("2023-01-01" <= h.issued_on <= "2023-12-31" for h in dated)
    overlapping = index.search("", Filters(period_from=2029, period_to=2031), limit=50).hits
    assert overlapping and all(int(h.period.split("-")[1]) >= 2029 and int(h.period.split("-")[0]) <= 2031 for h in overlapping)
    due = index.search("", Filters(target_year=2045), limit=50)
    assert "102_ctr-tinhuy-quangngai-kttt.txt" in files(due)
    with_quotas = index.search("", Filters(has_quotas=True), limit=50)
    assert 0 < with_quotas.total < index.count()
    assert set(files(index.search("", Filters(issuer="lien minh htx"), limit=50))) >= {"106_kh-lmhtx-sonla.txt"}


@pytest.mark.parametrize("number", ["45/KH-LMHTX", "45 /KH-LMHTX", "45/kh-lmhtx", " 45 / KH-LMHTX "])
def test_number_lookup_variants(index, number: str) -> None:
    assert sorted(files(index.search("", Filters(number=number)))) == ["106_kh-lmhtx-sonla.txt", "129_kh-lmhtx-sonla-scan.pdf"]


def test_number_key_variants() -> None:
    assert number_key("340/QĐ-TTg") == number_key("340/QD-TTg") == number_key("340 / qđ-ttg")


def test_citation_graph(index) -> None:
    citing = index.cited_by("20-NQ/TW")
    assert set(files(citing)) >= {"102_ctr-tinhuy-quangngai-kttt.txt", "116_ctr-ubnd-vinhlong-htx.txt"}
    assert all(h.relation in (None, "implements", "legal_basis", "basis", "attached_to", "amends", "replaces") for h in citing.hits)
    rid = citing.hits[0].record_id
    cited = [c["number"] for c in index.cites(rid)]
    assert "20-NQ/TW" in cited
    assert files(index.search("", Filters(cites="20-nq/tw"), limit=50)) and index.cited_by("no-such/QĐ-X").total == 0


def test_incremental_sync(out: Path, tmp_path: Path) -> None:
    idx = open_index(out)
    assert idx.sync(out) == {"indexed": 0, "removed": 0, "total": idx.count()}
    record_file = sorted((out / "records").glob("*.json"))[0]
    record = json.loads(record_file.read_text(encoding="utf-8"))
    record["document"]["title"] = "Tiêu đề sửa lại Đắk Lắk"
    record_file.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert idx.sync(out)["indexed"] == 1
    assert files(idx.search("dak lak")) == [record["source"]["filename"]]
    idx.close()


def test_envelope(out: Path) -> None:
    env = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    assert problems(env, ENVELOPE_SCHEMA) == []
    assert env["record_count"] == len(env["records"]) == len((out / "catalog.jsonl").read_text().splitlines())


def test_search_command(out: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "pipeline", "search", "dong", "nai", "--out", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "101_kh-skhcn-dongnai-htx.txt" in run.stdout and "«Đồng Nai»" in run.stdout
    run = subprocess.run([sys.executable, "-m", "pipeline", "search", "--out", str(out), "--cited-by", "20-NQ/TW", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert json.loads(run.stdout)["total"] >= 2
