"""Benchmark the catalog index: build a catalog of N synthetic records, then time each query kind.

    .venv/bin/python benchmarks/catalog_bench.py [--records 100000] [--queries 200]

Prints the build time, the index size, and the median and p95 latency (ms) of every query kind:
full text (words without and with diacritics, quoted phrases, prefixes, AND/OR/NOT), full text
within filters, every filter alone (the province one across the 2025 reorganisation), deep
pages, the citation graph and lookups by id. Synthetic records look like real ones: Vietnamese
text with diacritics, kinds, numbers, issuers, provinces, dates, periods, targets, reward
quotas, citations of shared documents, values in doubt and reviewers' corrections.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.serve.regions import StaticProvinceMap  # noqa: E402
from pipeline.serve.search import CatalogIndex, Filters  # noqa: E402

#: Two merges of the 2025 reorganisation, for the province filter.
MERGES = StaticProvinceMap({"Bình Phước": "Đồng Nai", "Bà Rịa - Vũng Tàu": "Hồ Chí Minh"})

PROVINCES = ["Đồng Nai", "Bình Phước", "Bà Rịa - Vũng Tàu", "Bến Tre", "Ninh Bình", "Hà Nội", "Đắk Lắk", "Quảng Ngãi",
             "Lào Cai", "Sơn La", "Nghệ An", "Bắc Giang", "Kiên Giang", "Gia Lai", "Đà Nẵng", "Cần Thơ"]
KINDS = [("Kế hoạch", "KH"), ("Chương trình hành động", "CTr"), ("Quyết định", "QĐ"), ("Hướng dẫn", "HD")]
ISSUERS = ["Sở Khoa học và Công nghệ", "Ủy ban nhân dân tỉnh", "Sở Nội vụ", "Liên minh Hợp tác xã tỉnh", "Tỉnh ủy",
           "Sở Nông nghiệp và Phát triển nông thôn", "Hội Nông dân tỉnh", "Sở Giáo dục và Đào tạo"]
TOPICS = ["chuyển đổi số", "xây dựng nông thôn mới", "phát triển kinh tế tập thể, hợp tác xã", "giảm nghèo bền vững",
          "cải cách hành chính", "đổi mới sáng tạo", "phát triển sản phẩm OCOP", "an toàn giao thông", "bảo vệ môi trường"]
WORDS = ("phong trào thi đua tập thể cá nhân khen thưởng tiêu chí nhiệm vụ giải pháp tổ chức thực hiện đơn vị cơ quan "
         "báo cáo định kỳ hàng quý sơ kết tổng kết đẩy mạnh tuyên truyền nâng cao hiệu quả chất lượng đoàn kết sáng tạo "
         "doanh nghiệp thành viên nông dân hội viên đào tạo nghề ứng dụng khoa học công nghệ thị trường liên kết chuỗi").split()
CITED = [f"{n}/QĐ-TTg" for n in range(100, 140)] + [f"{n}-NQ/TW" for n in range(10, 30)]


def synthetic(i: int, rng: random.Random) -> dict:
    kind, sym = rng.choice(KINDS)
    province = rng.choice(PROVINCES)
    issuer = rng.choice(ISSUERS)
    topic = rng.choice(TOPICS)
    year = rng.randint(2015, 2025)
    start = rng.choice([2016, 2021, 2022, 2023, 2026])
    end = start + rng.choice([1, 2, 4, 5, 9])
    number = f"{i}/{sym}-{rng.choice(['UBND', 'SKHCN', 'SNV', 'LMHTX'])}"
    title = f"{kind} {topic} tỉnh {province} giai đoạn {start} - {end}"
    body = " ".join(rng.choice(WORDS) for _ in range(90))
    text = f"{title}\n\nSố: {number}\n{province}, ngày {rng.randint(1, 28)}/{rng.randint(1, 12)}/{year}\n\n{body} {topic}."
    refs = [{"kind": "Quyết định", "number": rng.choice(CITED), "issued_on": None, "issuer": None, "relation": "implements"}
            for _ in range(rng.randint(0, 3))]
    doubt = [{"field": "document.issued_on", "reason": "inferred", "message": "from the body"}] if rng.random() < 0.2 else []
    review = {"corrections": 1, "conflicts": 0, "corrected_paths": ["$.document.title"]} if rng.random() < 0.02 else None
    return {
        "schema_version": "1.3.0", "extractor_version": "1.2.0", "errors": [],
        "record_id": hashlib.sha256(f"record {i}".encode()).hexdigest(), "needs_review": doubt,
        **({"review": review} if review else {}),
        "source": {"filename": f"doc-{i:06d}.pdf"}, "status": "ok" if rng.random() < 0.95 else "partial", "text": text,
        "document": {"kind": kind, "number": number, "issued_on": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                     "issuer": issuer, "province": province, "title": title},
        "period": {"start_year": start, "end_year": end},
        "targets": [{"year": rng.choice([end, 2025, 2030]), "value": rng.randint(1, 500), "unit": "count",
                     "indicator": rng.choice(["hợp tác xã", "thành viên", "xã đạt chuẩn nông thôn mới", "doanh nghiệp"])}
                    for _ in range(rng.randint(0, 4))],
        "criteria": [{"text": " ".join(rng.choice(WORDS) for _ in range(12))} for _ in range(rng.randint(0, 3))],
        "reward_quotas": [{}] if rng.random() < 0.4 else [],
        "references": refs,
    }


def timed(fn, runs: list[float]) -> None:
    t = time.perf_counter()
    fn()
    runs.append((time.perf_counter() - t) * 1000)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--index", type=Path, help="keep the index in this folder and reuse it when it is there "
                    "(built with the same --records and --seed)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.index or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "catalog.sqlite"
        reuse = path.exists()
        index = CatalogIndex(path, provinces=MERGES)
        if reuse and index.count() != args.records:
            raise SystemExit(f"{path} holds {index.count()} records, not {args.records}: remove it")
        t0 = time.perf_counter()
        if not index.count():
            with index.db:
                for i in range(args.records):
                    index.add(synthetic(i, rng), f"records/doc-{i:06d}.pdf.json",
                              mtime_ns=1_700_000_000_000_000_000 + i * 1000)
            index.db.execute("PRAGMA optimize")
        build = time.perf_counter() - t0
        index.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = sum(p.stat().st_size for p in folder.iterdir() if p.name.startswith("catalog.sqlite"))
        ids = [hashlib.sha256(f"record {rng.randrange(args.records)}".encode()).hexdigest() for _ in range(args.queries)]
        index.close()
        index = CatalogIndex(path, readonly=True, provinces=MERGES)  # as the API reads it
        recent = 1_700_000_000_000_000_000 + (args.records - 500) * 1000
        kinds = {
            "fulltext (no diacritics)": lambda: index.search(rng.choice(["chuyen doi so", "nong thon moi", "giam ngheo ben vung",
                                                                          "hop tac xa dong nai", "cai cach hanh chinh"])),
            "fulltext (with diacritics)": lambda: index.search(rng.choice(["chuyển đổi số", "Đồng Nai", "hợp tác xã"])),
            "phrase (quoted)": lambda: index.search(rng.choice(['"chuyen doi so"', '"hop tac xa"', '"giam ngheo ben vung"',
                                                                 '"xây dựng nông thôn mới"'])),
            "prefix": lambda: index.search(rng.choice(["chuyen*", "nong thon*", "khen thuo*", "hợp tác*"])),
            "AND / OR / NOT": lambda: index.search(rng.choice(["giam ngheo OR chuyen doi so", "nong thon moi NOT ocop",
                                                                "hop tac xa AND dong nai", "(cai cach OR doi moi) hanh chinh"])),
            "fulltext, page 50": lambda: index.search("chuyen doi so", offset=1000, limit=20),
            "fulltext + filter": lambda: index.search("nong thon moi", Filters(province=rng.choice(PROVINCES))),
            "fulltext + 3 filters": lambda: index.search("hop tac xa", Filters(kind="Kế hoạch", has_quotas=True,
                                                                                issued_from="2020-01-01")),
            "kind": lambda: index.search("", Filters(kind=rng.choice(KINDS)[0])),
            "number (exact, variants)": lambda: index.search("", Filters(number=f" {rng.randrange(args.records)} /kh-ubnd")),
            "issuer": lambda: index.search("", Filters(issuer=rng.choice(["so noi vu", "lien minh", "tinh uy"]))),
            "province": lambda: index.search("", Filters(province=rng.choice(PROVINCES))),
            "province (2025 merger)": lambda: index.search("", Filters(province=rng.choice(["Đồng Nai", "Bình Phước"]))),
            "status": lambda: index.search("", Filters(status="partial")),
            "needs review": lambda: index.search("", Filters(needs_review=True)),
            "reviewed": lambda: index.search("", Filters(reviewed=True)),
            "changed since (sync)": lambda: index.search("", Filters(changed_since_ns=recent), order="changed"),
            "issue date range": lambda: index.search("", Filters(issued_from="2021-01-01", issued_to="2021-03-31")),
            "period overlap": lambda: index.search("", Filters(period_from=2024, period_to=2026)),
            "targets due in year": lambda: index.search("", Filters(target_year=rng.choice([2025, 2030, 2031]))),
            "has reward quotas": lambda: index.search("", Filters(has_quotas=True)),
            "cited by (graph)": lambda: index.cited_by(rng.choice(CITED)),
            "cites (graph)": lambda: index.cites(rng.choice(ids)),
            "record by id": lambda: index.get(rng.choice(ids)),
        }
        built = "reused" if reuse else f"{build:.1f} s ({args.records / build:,.0f} records/s)"
        print(f"records: {args.records:,}  build: {built}  index size: {size / 1048576:.1f} MiB")
        print(f"{'query kind':28s} {'median ms':>10s} {'p95 ms':>8s}")
        worst = 0.0
        for name, fn in kinds.items():
            runs: list[float] = []
            for _ in range(3):
                fn()  # warm the page cache
            for _ in range(args.queries):
                timed(fn, runs)
            runs.sort()
            p95 = runs[int(len(runs) * 0.95) - 1]
            worst = max(worst, p95)
            print(f"{name:28s} {statistics.median(runs):10.2f} {p95:8.2f}")
        print(f"worst p95: {worst:.2f} ms")
        index.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
