"""Relevance of full-text search on real texts: the development set (``../shared/realdev``) is
processed, then every query of ``tests/data/realdev_queries.json`` (written from reading the
texts: the query, and the records that should come first) is run typed without diacritics and
with them. The mean reciprocal rank of the first expected record must stay at or above
:data:`MIN_MRR` for both; the figures are printed (``pytest -s``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.run.batch import process_local
from pipeline.serve.folding import fold, tokens
from pipeline.serve.search import open_index

ROOT = Path(__file__).resolve().parents[1]
REALDEV = ROOT.parent / "shared" / "realdev"
QUERIES = json.loads((Path(__file__).parent / "data" / "realdev_queries.json").read_text(encoding="utf-8"))["queries"]
MIN_MRR = 0.9
DEPTH = 20

pytestmark = pytest.mark.skipif(not REALDEV.is_dir(), reason="../shared/realdev is not here")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("realdev")
    process_local(sorted(REALDEV.glob("*.txt")), out)
    idx = open_index(out)
    yield idx
    idx.close()


def test_the_judgments_are_sound() -> None:
    assert len(QUERIES) >= 30
    names = {p.name for p in REALDEV.glob("*.txt")}
    for item in QUERIES:
        assert item["expect"] and set(item["expect"]) <= names, item
        assert tokens(fold(item["q"])) == tokens(fold(item["q_vi"])), item  # the same words, with diacritics
        assert item["q"] == fold(item["q"]), item  # typed without diacritics


def reciprocal_ranks(index, key: str) -> tuple[float, list[str]]:
    ranks, misses = [], []
    for item in QUERIES:
        names = [h.filename for h in index.search(item[key], limit=DEPTH).hits]
        rank = next((i + 1 for i, n in enumerate(names) if n in item["expect"]), None)
        ranks.append(1 / rank if rank else 0.0)
        if rank != 1:
            misses.append(f"{item[key]!r}: expected {item['expect']}, rank {rank}, got {names[:3]}")
    return sum(ranks) / len(ranks), misses


@pytest.mark.parametrize("key", ["q", "q_vi"], ids=["without diacritics", "with diacritics"])
def test_mean_reciprocal_rank(index, key: str) -> None:
    mrr, misses = reciprocal_ranks(index, key)
    print(f"\nrealdev MRR ({key}, {len(QUERIES)} queries): {mrr:.3f}" + "".join(f"\n  {m}" for m in misses))
    assert mrr >= MIN_MRR, misses
