"""The real seed texts in ../shared (skipped when absent): scores against their gold."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.run.batch import process_local
from pipeline.run.evaluate import evaluate, format_report, load_records


@pytest.fixture(scope="module")
def seed_result(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("seeds")
    process_local([shared_dir / "corpus" / "seeds"], out)
    result = evaluate((shared_dir / "gold").glob("*.json"), load_records(out))
    print(format_report(result))
    return result


@pytest.mark.parametrize("family", ["document", "references", "reference_dates", "period"])
def test_identity_families(seed_result: dict, family: str) -> None:
    assert seed_result["families"][family]["f1"] >= 0.95, seed_result["families"][family]["misses"]


@pytest.mark.parametrize("family", ["targets", "reward_quotas", "criteria", "movement"])
def test_content_families(seed_result: dict, family: str) -> None:
    assert seed_result["families"][family]["f1"] >= 0.9, seed_result["families"][family]["misses"]


def test_overall_and_grounding(seed_result: dict) -> None:
    assert seed_result["overall"]["f1"] >= 0.93
    assert seed_result["grounding"]["wrong"] == 0 and seed_result["grounding"]["evidence"] > 0
    assert seed_result["missing_records"] == []
