"""Ranking and query language of the catalog index, on small catalogs written here: syllable
runs as phrases first, quoted phrases, AND/OR/NOT, prefixes with and without diacritics, exact
diacritics first, snippets marking the phrase, filters through the full-text tags, the 2025
province reorganisation, and query bounds."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path
from typing import Any

import pytest

from pipeline.serve.query import MAX_QUERY_CHARS, MAX_TERMS, QueryError, parse_query
from pipeline.serve.regions import StaticProvinceMap, province_match
from pipeline.serve.search import CatalogIndex, Filters
from pipeline.serve.snippets import snippet

MERGES = StaticProvinceMap({"Bình Phước": "Đồng Nai", "Bà Rịa - Vũng Tàu": "Hồ Chí Minh"})


def record(name: str, text: str, **doc: Any) -> dict[str, Any]:
    extra = {k: doc.pop(k) for k in ("status", "needs_review", "review", "targets", "reward_quotas", "references")
             if k in doc}
    document = {"kind": None, "number": None, "issued_on": None, "issuer": None, "province": None, "title": None, **doc}
    return {"schema_version": "1.3.0", "record_id": hashlib.sha256(name.encode()).hexdigest(), "status": "ok",
            "errors": [], "extractor_version": "test", "source": {"filename": name}, "text": text,
            "document": document, "period": None, "targets": [], "criteria": [], "reward_quotas": [],
            "references": [], "needs_review": [], **extra}


@pytest.fixture
def make(tmp_path: Path):
    def build(*records: dict[str, Any]) -> CatalogIndex:
        index = CatalogIndex(tmp_path / "catalog.sqlite", provinces=MERGES)
        with index.db:
            for i, r in enumerate(records):
                index.add(r, f"records/{r['source']['filename']}.json", mtime_ns=(i + 1) * 1_000_000_000)
        return index
    return build


def names(page) -> list[str]:
    return [h.filename for h in page.hits]


def test_syllables_of_a_word_match_as_a_phrase_first(make) -> None:
    index = make(
        record("scattered.txt", "Đẩy mạnh công tác tuyên truyền về xã hội hóa; phối hợp với các xã. " * 3),
        record("near.txt", "Kế hoạch hợp tác, liên kết xã viên."),
        record("phrase.txt", "Phát triển hợp tác xã kiểu mới."),
        record("unrelated.txt", "Xây dựng nông thôn mới."))
    page = index.search("hop tac xa")
    assert names(page) == ["phrase.txt", "near.txt", "scattered.txt"] and page.total == 3
    assert [h.match for h in page.hits] == ["phrase", "near", "words"]
    assert "«hợp tác xã»" in page.hits[0].snippet
    assert "«" not in page.hits[0].snippet.replace("«hợp tác xã»", "")  # the phrase, not its syllables elsewhere
    assert names(index.search('"hop tac xa"')) == ["phrase.txt"]  # a quoted phrase narrows
    assert names(index.search("HỢP TÁC XÃ")) == ["phrase.txt", "near.txt", "scattered.txt"]


def test_boolean_operators_and_prefixes(make) -> None:
    index = make(record("a.txt", "Chuyển đổi số trong nông nghiệp."), record("b.txt", "Chuyển giao công nghệ."),
                 record("c.txt", "Đổi mới sáng tạo."))
    assert set(names(index.search("chuyen AND doi"))) == {"a.txt"}
    assert set(names(index.search("chuyen doi"))) == {"a.txt"}
    assert set(names(index.search("chuyen OR sang tao"))) == {"a.txt", "b.txt", "c.txt"}
    assert set(names(index.search("doi NOT chuyen"))) == {"c.txt"}
    assert set(names(index.search("(chuyen OR doi) NOT \"cong nghe\""))) == {"a.txt", "c.txt"}
    assert set(names(index.search("chuy*"))) == {"a.txt", "b.txt"}
    assert set(names(index.search("chuyể*"))) == {"a.txt", "b.txt"}
    assert set(names(index.search("\"chuyen d\"*"))) == {"a.txt"}
    assert set(names(index.search("nông*"))) == {"a.txt"}


def test_diacritics_as_typed_come_first(make) -> None:
    index = make(record("cong-tac.txt", "Tổng kết công tác thi đua năm 2024."),
                 record("cong-tac-2.txt", "Các cộng tác viên tham gia thi đua."),
                 record("hoa.txt", "Khánh Hoà phát động thi đua."), record("hoa-2.txt", "Tỉnh Khánh Hòa thi đua."))
    page = index.search("cộng tác")
    assert names(page) == ["cong-tac-2.txt", "cong-tac.txt"] and [h.exact for h in page.hits] == [True, False]
    assert "«cộng tác»" in page.hits[0].snippet and "«công tác»" in page.hits[1].snippet
    assert names(index.search("công tác"))[0] == "cong-tac.txt"
    assert not any(h.exact for h in index.search("cong tac").hits)  # typed without diacritics: no preference
    # old and current tone placement are the same spelling
    assert {h.filename for h in index.search("Khánh Hòa").hits if h.exact} == {"hoa.txt", "hoa-2.txt"}
    assert {h.filename for h in index.search("Khánh Hoà").hits if h.exact} == {"hoa.txt", "hoa-2.txt"}
    assert "«Khánh Hoà»" in index.search("khanh hoa").hits[0].snippet + index.search("khanh hoa").hits[1].snippet


def test_d_is_folded_in_index_and_query(make) -> None:
    index = make(record("dn.txt", "ĐỒNG NAI đẩy mạnh đổi mới."))
    for q in ("dong nai", "Đồng Nai", "DONG NAI", "đồng nai", "day manh doi moi"):
        assert names(index.search(q)) == ["dn.txt"], q


SAMPLE = [
    record("k1.txt", "Kế hoạch chuyển đổi số tỉnh Đồng Nai.", kind="Kế hoạch", province="Đồng Nai",
           issued_on="2021-05-02", number="12/KH-UBND", issuer="Ủy ban nhân dân tỉnh Đồng Nai",
           reward_quotas=[{}], targets=[{"year": 2025, "indicator": "doanh nghiệp"}]),
    record("k2.txt", "Kế hoạch chuyển đổi số tỉnh Bình Phước.", kind="Kế hoạch", province="Bình Phước",
           issued_on="2023-02-10", number="30/KH-UBND", issuer="Sở Thông tin và Truyền thông",
           needs_review=[{"field": "document.number", "reason": "inferred", "message": "from the body"}],
           references=[{"number": "20-NQ/TW"}]),
    record("k3.txt", "Chuyển đổi số: Đồng Nai sau sáp nhập.", kind="Kế hoạch", province="Đồng Nai",
           issued_on="2025-08-15", status="partial", review={"corrections": 1, "conflicts": 0, "corrected_paths": []}),
    record("q1.txt", "Quyết định về chuyển đổi số tỉnh Bà Rịa - Vũng Tàu.", kind="Quyết định",
           province="Bà Rịa - Vũng Tàu", issued_on="2020-12-01", references=[{"number": "20-NQ/TW"}]),
    record("q2.txt", "Quyết định khen thưởng.", kind="Quyết định", province="Hồ Chí Minh", issued_on="2025-09-01",
           review={"corrections": 2, "conflicts": 1, "corrected_paths": []}),
]

FILTERS = [Filters(kind="ke hoach"), Filters(province="Đồng Nai"), Filters(province="binh phuoc"),
           Filters(province="Hồ Chí Minh"), Filters(status="partial"), Filters(needs_review=True),
           Filters(needs_review=False), Filters(reviewed=True), Filters(reviewed=False), Filters(has_quotas=True),
           Filters(target_year=2025), Filters(cites="20-nq/tw"), Filters(number="30 / KH-UBND"),
           Filters(issued_from="2021-01-01", issued_to="2023-12-31"), Filters(issued_from="2021-05-03"),
           Filters(issued_from="2021-05-02", issued_to="2023-02-09"), Filters(issued_to="2019-12-31"),
           Filters(issued_from="2030-01-01"), Filters(issuer="thong tin"),
           Filters(issuer="_"), Filters(issuer="%"), Filters(changed_since_ns=3_000_000_000),
           Filters(kind="Kế hoạch", province="Đồng Nai", issued_from="2022-01-01")]


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: ",".join(sorted(f.active())))
def test_full_text_filters_agree_with_the_listing(make, flt: Filters) -> None:
    """A search narrows by filter tags in the full-text index; the listing filters in SQL: same records."""
    index = make(*SAMPLE)
    for q in ("chuyen doi so", "ke hoach OR quyet dinh"):
        ranked = index.search(q, flt, limit=100)
        listed = index.search(q, flt, limit=100, order="newest")
        assert ranked.total == listed.total == len(ranked.hits)
        assert set(names(ranked)) == set(names(listed)), q


def test_filter_semantics(make) -> None:
    index = make(*SAMPLE)
    def found(**kw: Any) -> set[str]:
        return set(names(index.search("", Filters(**kw), limit=100)))
    assert found(province="Đồng Nai") == {"k1.txt", "k2.txt", "k3.txt"}  # Bình Phước is part of Đồng Nai now
    assert found(province="Bình Phước") == {"k2.txt", "k3.txt"}  # and Đồng Nai's plans since cover it
    assert found(province="ho chi minh") == {"q1.txt", "q2.txt"}
    assert found(province="Bà Rịa – Vũng Tàu") == {"q1.txt", "q2.txt"}
    assert found(status="partial") == {"k3.txt"} and found(status="failed") == set()
    assert found(needs_review=True) == {"k2.txt"}
    assert found(reviewed=True) == {"k3.txt"}  # q2 has a correction in conflict
    assert found(issuer="_") == found(issuer="%") == set()
    assert found(changed_since_ns=4_000_000_000) == {"q1.txt", "q2.txt"}
    changed = index.search("", Filters(changed_since_ns=3_000_000_000), order="changed")
    assert names(changed) == ["k3.txt", "q1.txt", "q2.txt"]  # oldest change first, for incremental sync
    assert changed.hits[0].changed_at == "1970-01-01T00:00:03.000000+00:00"


def test_province_match() -> None:
    assert province_match("dong nai", MERGES).keys == ("dong nai", "binh phuoc")
    later = province_match("Bình Phước", MERGES)
    assert later.keys == ("binh phuoc",) and later.later_keys == ("dong nai",) and later.since == "2025-07-01"
    assert province_match("Hà Nội", MERGES).keys == ("ha noi",) and not province_match("Hà Nội", MERGES).later_keys


def test_pages_are_consistent_across_rank_groups(make) -> None:
    texts = ["hợp tác xã", "hợp tác, xã", "hợp với công tác của xã"]
    index = make(*[record(f"r{i:02d}.txt", f"{texts[i % 3]} số {i}.") for i in range(30)])
    whole = names(index.search("hop tac xa", limit=30))
    paged = list(itertools.chain.from_iterable(names(index.search("hop tac xa", limit=7, offset=o)) for o in range(0, 30, 7)))
    assert paged == whole and len(set(whole)) == 30


@pytest.mark.parametrize("query,message", [
    ("a " * (MAX_TERMS + 1), "more than"), ("x" * (MAX_QUERY_CHARS + 1), "longer than"), ("NOT x", "only exclude"),
    ("a OR NOT b", "only exclude"), ("(a", "parenthesis"), ("a)", "parenthesis"), ("c*", "prefix"),
    ("(" * 9 + "a" + ")" * 9, "nested"), ("a NOT", "NOT must"),
])
def test_bad_queries_are_refused(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(query)


def test_operator_syntax_is_never_passed_through(make) -> None:
    index = make(record("a.txt", "Kế hoạch NEAR số 5; cột: giá trị \"trích dẫn\" * ^ -x"))
    for q in ('NEAR(a b)', 'body: ke', '^ke', 'ke -x', '"', '""', 'ke"', '{head}: ke', 'a:b', "'", "*"):
        index.search(q)  # never an FTS5 syntax error
    assert names(index.search("cot: gia tri")) == ["a.txt"]


def test_snippet_marks_phrases_and_words_once_over_the_text() -> None:
    text = ("Mở đầu. " * 500) + "Phát triển hợp tác xã và kinh tế tập thể tỉnh Đồng Nai." + (" Kết thúc." * 500)
    strict = parse_query("hop tac xa dong nai kinh te").units
    cut = snippet(text, strict["loose"])
    assert "«hợp tác xã»" in cut and "«Đồng Nai»" in cut and "«kinh tế»" in cut and cut.startswith("…")
    many = parse_query(" ".join(f"tu{i}" for i in range(MAX_TERMS - 1)) + " nai").units["loose"]
    assert "«Nai»" in snippet(text, many)
    assert snippet(text, parse_query("khong co").units["loose"]) is None


def test_the_vocabulary_reorganisation_is_adapted() -> None:
    """The vocabulary's functions (successor of a unit that kept its name is itself, predecessors
    include it) give the search's old -> new and new -> olds."""
    from types import SimpleNamespace

    from pipeline.serve.regions import VocabularyProvinceMap

    merged = {"Bình Phước": "Đồng Nai", "Đồng Nai": "Đồng Nai", "Hà Nội": "Hà Nội"}
    spelled = {"brvt": "Bà Rịa - Vũng Tàu"}
    vocabulary = SimpleNamespace(
        REORGANISATION_IN_FORCE="2025-07-01",
        successor=lambda name: merged.get(name),
        predecessors=lambda name: tuple(sorted(old for old, new in merged.items() if new == merged.get(name))),
        canonical=lambda name: spelled.get(name.lower(), name))
    mapping = VocabularyProvinceMap(vocabulary)
    assert mapping.successor("Bình Phước") == "Đồng Nai" and mapping.successor("Đồng Nai") is None
    assert mapping.predecessors("Đồng Nai") == ("Bình Phước",) and mapping.predecessors("Bình Phước") == ()
    assert province_match("Đồng Nai", mapping).keys == ("dong nai", "binh phuoc")
    assert province_match("Bình Phước", mapping).later_keys == ("dong nai",)
    assert "ba ria vung tau" in province_match("BRVT", mapping).keys


def test_the_vocabulary_reorganisation_when_there() -> None:
    provinces = pytest.importorskip("pipeline.lang.provinces")
    from pipeline.serve.regions import default_map

    assert hasattr(provinces, "successor")
    match = province_match("Đồng Nai", default_map())
    assert "binh phuoc" in match.keys
    assert province_match("Bình Phước", default_map()).later_keys == ("dong nai",)


def test_totals_are_exact_up_to_the_limit(make, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.serve.search as search

    index = make(*[record(f"r{i}.txt", f"Kế hoạch số {i}.", kind="Kế hoạch") for i in range(12)])
    monkeypatch.setattr(search, "TOTAL_LIMIT", 10)
    for page in (index.search("ke hoach"), index.search("", Filters(kind="Kế hoạch")), index.search("")):
        assert page.total == 10 and not page.total_exact
    exact = index.search("ke hoach so 3")
    assert exact.total_exact and exact.total == 1
