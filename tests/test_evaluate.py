"""The evaluation itself: matching rules, optional items, misses and the threshold check."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.run.evaluate import below, contains_either, evaluate, fold, overlap


def test_folding_and_matching_rules() -> None:
    assert fold("Đồng Nai") == "dong nai"
    assert contains_either("UBND tỉnh Đồng Nai", "Ủy ban nhân dân tỉnh")
    assert overlap("Hoàn thành tốt nhiệm vụ", "hoàn thành tốt nhiệm vụ.") == 1.0


def test_scores_and_misses(tmp_path: Path) -> None:
    gold = {"source": "a.txt", "document": {"number": "1/KH-X", "issuer": "Sở Nội vụ"},
            "targets": [{"year": 2025, "value": 5, "unit": "count", "comparator": "eq"},
                        {"year": 2025, "value": 9, "unit": "count", "optional": True}],
            "references": [{"number": "2/QĐ-Y", "issued_on": "2020-01-02"}]}
    (tmp_path / "a.json").write_text(json.dumps(gold))
    text = "abc"
    record = {"source": {"filename": "a.txt"}, "text": text,
              "document": {"number": "1/kh-x", "issuer": "Sở Nội vụ tỉnh Bình Phước", "evidence": {"number": {"start": 0, "end": 1, "quote": "a", "page": None}}},
              "targets": [{"year": 2025, "value": 5.0, "unit": "count", "comparator": "min"}, {"year": 2025, "value": 9, "unit": "count"},
                          {"year": 2030, "value": 1, "unit": "percent"}],
              "references": [{"number": "2/QĐ-Y", "issued_on": None, "evidence": {"start": 0, "end": 2, "quote": "xx", "page": None}}]}
    result = evaluate([tmp_path / "a.json"], {"a.txt": record})
    fams = result["families"]
    assert (fams["document"]["tp"], fams["document"]["fn"]) == (2, 0)
    assert (fams["targets"]["tp"], fams["targets"]["fp"], fams["targets"]["fn"]) == (1, 1, 0)
    assert fams["target_comparators"]["fn"] == 1
    assert fams["reference_dates"]["fn"] == 1
    assert result["grounding"] == {"evidence": 2, "wrong": 1}
    failing = below(result, 0.95)
    assert any(f.startswith("targets") for f in failing) and any("evidence" in f for f in failing)


def test_missing_record_is_reported(tmp_path: Path) -> None:
    (tmp_path / "g.json").write_text(json.dumps({"source": "x.pdf", "document": {"number": None}}))
    result = evaluate([tmp_path / "g.json"], {})
    assert result["missing_records"] == ["x.pdf"]
    assert below(result, 0.5) == ["1 records missing"]
