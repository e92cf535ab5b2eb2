"""Benchmark the catalog HTTP API under concurrent clients.

    .venv/bin/python benchmarks/api_bench.py [--records 100] [--clients 20] [--requests 2000]

Builds a catalog of ``--records`` plan texts (the sample corpus with varied numbers, dates and
provinces, ``benchmarks/bench_corpus.py``), serves it with uvicorn on 127.0.0.1 (a free port,
in a child process, as ``python -m pipeline serve`` does), then sends ``--requests`` requests
from ``--clients`` concurrent clients: a mix of full-text searches (with and without
diacritics, phrases), filtered listings, record lookups, citation lookups and ``/health``.
Prints requests/s, median and p95 latency overall and per kind, and two probes of the one-slow-
request problem: a query of ``--long-words`` words, and ``/health`` while that query runs.
Nothing is asserted; traffic goes to the loopback address only and every loop is bounded.
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import httpx  # noqa: E402

QUERIES = ["hop tac xa", "hợp tác xã", "chuyen doi so", "nong thon moi", "giam ngheo ben vung", "dong nai",
           "ke hoach", "Kế hoạch", "thi dua khen thuong", "phong trào thi đua", "doanh nghiep", "lao cai ocop"]
FILTERS = [{"kind": "Kế hoạch"}, {"province": "dong nai"}, {"has_quotas": "true"}, {"period_from": 2025},
           {"issued_from": "2022-01-01"}, {"issuer": "uy ban"}, {"target_year": 2025}, {"cites": "20-NQ/TW"}]


def build_catalog(n: int, out: Path) -> None:
    from bench_corpus import document

    from pipeline.run.batch import process_local

    inbox = out.parent / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        name, text = document(i, seed=7)
        (inbox / (Path(name).stem + ".txt")).write_text(text, encoding="utf-8")
    process_local(sorted(inbox.iterdir()), out)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(out: Path, port: int, workers: int = 1) -> subprocess.Popen:
    extra = ["--workers", str(workers)] if workers > 1 else []
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", "--out", str(out), "--port", str(port), *extra],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def plan(n: int, ids: list[str], rng: random.Random) -> list[tuple[str, str, dict]]:
    """``n`` requests: (kind, path, params)."""
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.45:
            out.append(("search", "/records", {"q": rng.choice(QUERIES)}))
        elif r < 0.55:
            out.append(("search + filter", "/records", {"q": rng.choice(QUERIES), **rng.choice(FILTERS)}))
        elif r < 0.75:
            out.append(("filter", "/records", dict(rng.choice(FILTERS))))
        elif r < 0.88:
            out.append(("record", f"/records/{rng.choice(ids)}", {}))
        elif r < 0.95:
            out.append(("cited-by", "/documents/20-NQ/TW/cited-by", {}))
        else:
            out.append(("health", "/health", {}))
    return out


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * 0.95) - 1)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=100)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--long-words", type=int, default=5000, help="words of the long-query probe")
    ap.add_argument("--out", type=Path, help="reuse (or build once into) this output folder")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=1, help="serve --workers")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "out"
        if not (out / "records").is_dir():
            t = time.perf_counter()
            build_catalog(args.records, out)
            print(f"catalog of {args.records} records built in {time.perf_counter() - t:.1f} s")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(out, port, args.workers)
        try:
            with httpx.Client(base_url=base, timeout=300) as client:
                ids = [h["record_id"] for h in client.get("/records", params={"limit": 100}).json()["items"]]
                requests = plan(args.requests, ids, rng)
                local = threading.local()
                timings: list[tuple[str, float, int]] = []
                lock = threading.Lock()

                def one(req: tuple[str, str, dict]) -> None:
                    if not hasattr(local, "client"):
                        local.client = httpx.Client(base_url=base, timeout=300)
                    kind, path, params = req
                    t0 = time.perf_counter()
                    status = local.client.get(path, params=params).status_code
                    with lock:
                        timings.append((kind, time.perf_counter() - t0, status))

                for req in requests[:50]:  # warm up
                    one(req)
                timings.clear()
                t0 = time.perf_counter()
                with ThreadPoolExecutor(args.clients) as pool:
                    list(pool.map(one, requests))
                wall = time.perf_counter() - t0
                lat = [t for _, t, _ in timings]
                errors = sum(1 for _, _, s in timings if s >= 500)
                print(f"{args.clients} concurrent clients, {args.workers} server worker(s), {len(timings)} requests in {wall:.1f} s: "
                      f"{len(timings) / wall:.1f} requests/s, median {statistics.median(lat) * 1000:.0f} ms, "
                      f"p95 {p95(lat) * 1000:.0f} ms, {errors} server errors")
                print(f"{'kind':16s} {'count':>6s} {'median ms':>10s} {'p95 ms':>8s}")
                for kind in sorted({k for k, _, _ in timings}):
                    ts = [t for k, t, _ in timings if k == kind]
                    print(f"{kind:16s} {len(ts):6d} {statistics.median(ts) * 1000:10.1f} {p95(ts) * 1000:8.1f}")

                # words that occur together in many records, so that the query matches and hits get snippets
                words = " ".join(["ke hoach thuc hien"] * (args.long_words // 4))
                result: dict[str, float | int] = {}

                def long_query() -> None:
                    t = time.perf_counter()
                    result["status"] = client.get("/records", params={"q": words}).status_code
                    result["seconds"] = time.perf_counter() - t

                thread = threading.Thread(target=long_query)
                thread.start()
                time.sleep(0.2)
                t = time.perf_counter()
                with httpx.Client(base_url=base, timeout=300) as probe:
                    probe.get("/health")
                health = time.perf_counter() - t
                thread.join(timeout=600)
                print(f"query of {args.long_words} words: HTTP {result.get('status')} in {result.get('seconds', 0):.2f} s; "
                      f"/health meanwhile: {health * 1000:.0f} ms")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
