"""Floors on real documents: the development set (``../shared/realdev``, 60 real web texts) and
the 30 real files of ``../shared/realdocs`` with identity gold are processed and scored family
by family by the shared scorer (``../shared/tools/score.py``); a family below its floor in
``tests/data/real_floors.json`` fails the suite, so an extractor change that loses ground on
real documents cannot land unnoticed. Skipped when ``../shared`` is absent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from pipeline.run.process import process_path

SHARED = ROOT.parent / "shared"
SCORER = SHARED / "tools" / "score.py"
FLOORS = json.loads((Path(__file__).parent / "data" / "real_floors.json").read_text(encoding="utf-8"))
SETS = {
    "realdev": (SHARED / "realdev", SHARED / "realdev"),
    "realdocs": (SHARED / "gold" / "realdocs", SHARED / "realdocs"),
}


@pytest.mark.parametrize("name", sorted(SETS))
def test_real_floors(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold_dir, source_dir = SETS[name]
    if not gold_dir.is_dir() or not source_dir.is_dir() or not SCORER.is_file():
        pytest.skip(f"{gold_dir} or the shared scorer is not here")
    golds = sorted(gold_dir.glob("*.json"))
    sources = [source_dir / json.loads(g.read_text(encoding="utf-8"))["source"] for g in golds]
    assert all(s.is_file() for s in sources), "a gold file names a source that is missing"
    for source in sources:
        (tmp_path / f"{source.name}.json").write_text(json.dumps(process_path(source), ensure_ascii=False),
                                                      encoding="utf-8")
    scored = subprocess.run([sys.executable, str(SCORER), str(gold_dir), str(tmp_path), "--json"],
                            capture_output=True, text=True, timeout=600, check=True)
    result = json.loads(scored.stdout)
    assert result["grounding"]["wrong"] == 0 and not result["missing_records"], (result["grounding"],
                                                                                result["missing_records"])
    scores = {family: result["families"][family]["f1"] for family in FLOORS[name]}
    below = {f: (round(scores[f], 3), floor) for f, floor in FLOORS[name].items() if scores[f] < floor}
    above = {f: (round(scores[f], 3), floor) for f, floor in FLOORS[name].items() if scores[f] > floor + 0.02}
    with capsys.disabled():
        print(f"\n{name}: " + ", ".join(f"{f} {s:.3f}" for f, s in scores.items()))
        if above:
            print(f"{name}: above the floor by more than 0.02 (raise it in tests/data/real_floors.json): {above}")
    assert not below, f"{name}: below the floor (F1, floor): {below}"
