"""Format parity: the same text as ``.txt``, as PDFs from different producers and as DOCX gives
the same facts.

Every plain text of the corpus (and, when ``../shared`` is present, the real seed texts and the
development set) is rendered by producers the project does not control (:mod:`renderings`:
LibreOffice Writer to PDF at A4 and at a narrow page in a large font, LibreOffice to DOCX, and
the fpdf2 renderer), each with its own line breaking. Each rendering is processed and its facts
(document, references, period, targets, criteria, reward quotas, movement) are compared with
those of the ``.txt``:

* the corpus texts must give exactly the same facts in every rendering;
* on the real texts, each family's F1 against the gold must be within 0.01 of the ``.txt``'s;
* a few corpus texts also go through a raster and OCR; the facts OCR misreadings change are
  listed in the test's output (``-rP``), and most facts must survive.

Set ``VNPLAN_RENDER_CACHE`` to a folder to keep the renderings between runs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import renderings
from conftest import CORPUS, ROOT

from pipeline.run.evaluate import evaluate
from pipeline.run.process import process_path

SHARED = ROOT.parent / "shared"


def _unicode(path: Path) -> bool:
    try:
        path.read_text(encoding="utf-8")
        return True
    except UnicodeDecodeError:  # a legacy-encoded sample (TCVN3, VNI): tested with its own reader
        return False


TEXTS = [p for p in sorted((CORPUS / "inbox").glob("*.txt")) if _unicode(p)]
REAL = sorted((SHARED / "corpus" / "seeds").glob("*.txt")) + sorted((SHARED / "realdev").glob("*.txt"))
FAMILIES = ("document", "references", "period", "targets", "criteria", "reward_quotas", "movement")
pytestmark = pytest.mark.skipif(not renderings.available(), reason="LibreOffice (soffice) is not installed")


def facts(record: dict[str, Any]) -> dict[str, Any]:
    """The facts of a record, without offsets (which differ between formats by construction)."""
    doc = record["document"]
    movement = record.get("movement") or {}
    period = record.get("period") or {}
    return {
        "document": {k: doc.get(k) for k in ("kind", "number", "issued_on", "issuer", "province", "title")},
        "references": sorted((r["number"], r.get("issued_on") or "") for r in record["references"]),
        "period": (period.get("start_year"), period.get("end_year")),
        "targets": sorted((str(t.get("year")), str(t["value"]), str(t.get("value_max")), t.get("unit") or "",
                           t.get("comparator") or "") for t in record["targets"]),
        "criteria": sorted((c.get("applies_to") or "", " ".join(c["text"].split())) for c in record["criteria"]),
        "reward_quotas": sorted((q.get("occasion") or "", str(q.get("year")), str(q.get("collectives")),
                                 str(q.get("individuals"))) for q in record["reward_quotas"]),
        "movement": (movement.get("name"), movement.get("slogan")),
    }


def differences(expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    out = []
    for family in FAMILIES:
        if expected[family] != got[family]:
            if isinstance(expected[family], list):
                missing = [x for x in expected[family] if x not in got[family]]
                extra = [x for x in got[family] if x not in expected[family]]
                out.append(f"{family}: missing {missing}, extra {extra}")
            else:
                out.append(f"{family}: {expected[family]!r} -> {got[family]!r}")
    return out


@pytest.fixture(scope="module")
def render_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cached = os.environ.get("VNPLAN_RENDER_CACHE")
    return Path(cached) if cached else tmp_path_factory.mktemp("renderings")


def rendered_records(paths: list[Path], cache: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """name -> kind (``txt`` and each rendering) -> record; each record's ``source.path`` says
    which file it was read from."""
    files = renderings.render_all({p.name: p.read_text(encoding="utf-8") for p in paths}, cache)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for path in paths:
        out[path.name] = {"txt": process_path(path)}
        for kind, file in files[path.name].items():
            out[path.name][kind] = {**process_path(file), "rendering": str(file)}
    return out


@pytest.fixture(scope="module")
def corpus_records(render_cache: Path) -> dict[str, dict[str, dict[str, Any]]]:
    return rendered_records(TEXTS, render_cache)


def test_the_corpus_has_texts_to_render() -> None:
    assert len(TEXTS) >= 15


@pytest.mark.parametrize("kind", renderings.KINDS)
def test_corpus_texts_give_the_same_facts_in_every_rendering(corpus_records, kind: str) -> None:
    problems = {}
    for name, records in corpus_records.items():
        assert records[kind]["status"] == "ok", (name, records[kind]["errors"])
        diff = differences(facts(records["txt"]), facts(records[kind]))
        if diff:
            problems[name] = diff
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_evidence_pages_of_multi_page_renderings(corpus_records) -> None:
    """In the narrow-page PDFs (many pages each), every value's evidence names the page its quote
    starts on: the quote's first words are printed on that page."""
    import pdfplumber

    checked = 0
    for name, records in corpus_records.items():
        record = records["lo-narrow.pdf"]
        assert record["source"]["pages"] > 1, name
        with pdfplumber.open(record["rendering"]) as pdf:
            pages = ["".join((page.extract_text() or "").split()) for page in pdf.pages]
        for value in [*record["targets"], *record["criteria"], *record["references"]]:
            ev = value["evidence"]
            assert record["text"][ev["start"]:ev["end"]] == ev["quote"]
            head = "".join(ev["quote"].split())[:12]  # spaces aside: a line may wrap inside it
            assert head in pages[ev["page"] - 1], (name, ev)
            checked += 1
    assert checked > 100


@pytest.mark.skipif(not REAL, reason="../shared (real seed and development texts) is absent")
def test_real_texts_score_the_same_in_every_rendering(render_cache: Path) -> None:
    records = rendered_records(REAL, render_cache)
    gold = sorted((SHARED / "gold").glob("*.json")) + sorted((SHARED / "realdev").glob("*.json"))
    scores: dict[str, dict[str, float]] = {}
    for kind in ("txt", *renderings.KINDS):
        by_name = {name: dict(kinds[kind], source={**kinds[kind]["source"], "filename": name})
                   for name, kinds in records.items()}
        result = evaluate(gold, by_name)
        scores[kind] = {family: result["families"][family]["f1"] for family in FAMILIES if family in result["families"]}
    report = json.dumps(scores, indent=1)
    print(report)
    for kind in renderings.KINDS:
        for family, f1 in scores["txt"].items():
            assert abs(scores[kind][family] - f1) <= 0.01, f"{kind} {family}: {scores[kind][family]:.3f} vs {f1:.3f}\n{report}"


def _fact_items(f: dict[str, Any]) -> set[tuple]:
    items: set[tuple] = set()
    for family in FAMILIES:
        value = f[family]
        if isinstance(value, list):
            items.update((family, *item) for item in value)
        elif isinstance(value, dict):
            items.update((family, key, v) for key, v in value.items() if v is not None)
        elif value not in (None, (None, None)):
            items.add((family, value))
    return items


OCR_TEXTS = [p for p in TEXTS if p.name.startswith(("101_", "104_", "108_"))]


@pytest.mark.skipif(not OCR_TEXTS, reason="corpus texts missing")
def test_scanned_renderings_keep_most_facts_and_list_what_ocr_changed(corpus_records, tmp_path: Path) -> None:
    """A raster of the fpdf rendering, OCR'd: the facts it changes are listed; most survive."""
    import fixtures as fx

    from pipeline.ingest.ocr import engine

    if engine() is None:
        pytest.skip("no OCR engine (tesseract with vie)")
    kept = total = 0
    for path in OCR_TEXTS:
        records = corpus_records[path.name]
        scan = tmp_path / (path.stem + ".scan.pdf")
        scan.write_bytes(fx.scanned_pdf(records["fpdf.pdf"]["rendering"]))
        record = process_path(scan)
        assert record["status"] == "ok", record["errors"]
        expected, got = _fact_items(facts(records["txt"])), _fact_items(facts(record))
        kept += len(expected & got)
        total += len(expected)
        for line in differences(facts(records["txt"]), facts(record)):
            print(f"{path.name} (OCR): {line}")
    print(f"OCR kept {kept} of {total} facts")
    assert kept >= 0.85 * total
