"""The end-of-batch report: what a run did, honestly, for people and for programs.

Counts by status; the documents that need review and why (their ``needs_review`` reasons);
failures with their reasons; how many records came from the record cache; the facts found,
family by family; and the exit code the run ends with (see :func:`exit_code`).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

#: Exit codes of ``process``, ``eval --inputs`` and ``watch --once`` (documented in the README).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NEEDS_REVIEW = 3
EXIT_NOTHING = 4

#: ``--fail-on`` choices: which outcome makes the exit code non-zero.
FAIL_ON = ("failed", "review", "never")

#: The fact families counted in the report: record key -> label.
FAMILIES = {
    "document": "document fields",
    "references": "references",
    "period": "periods",
    "movement": "movements",
    "targets": "targets",
    "criteria": "criteria",
    "reward_quotas": "reward quotas",
    "schedule": "deadlines and schedule items",
    "tables": "tables",
}
_DOCUMENT_FIELDS = ("kind", "number", "issued_on", "issuer", "province", "title")


def _family_counts(record: dict[str, Any]) -> Counter:
    counts: Counter = Counter()
    doc = record.get("document") or {}
    counts["document"] = sum(1 for k in _DOCUMENT_FIELDS if doc.get(k))
    for key in FAMILIES:
        if key == "document":
            continue
        value = record.get(key)
        if isinstance(value, list):
            counts[key] = len(value)
        elif value:
            counts[key] = 1
    return counts


@dataclass
class BatchReport:
    """What a batch did. ``entries`` are the catalog entries of the batch's records."""

    out_dir: Path
    entries: list[dict[str, Any]]
    seconds: float = 0.0
    from_cache: int | None = None
    facts: Counter = field(default_factory=Counter)
    failures: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def build(cls, out_dir: Path, entries: Iterable[dict[str, Any]], *, seconds: float = 0.0,
              from_cache: int | None = None) -> "BatchReport":
        """The report of ``entries``, with facts and failure messages read from their record files."""
        entries = list(entries)
        report = cls(out_dir, entries, seconds, from_cache)
        for entry in entries:
            record = _read(out_dir / entry["record_path"]) if entry.get("record_path") else None
            if record is not None:
                report.facts.update(_family_counts(record))
            if entry["status"] == "failed" or entry.get("error_codes"):
                errors = (record or {}).get("errors") or [{"code": c, "message": ""} for c in entry["error_codes"]]
                for err in errors:
                    report.failures.append({"filename": entry["filename"], "status": entry["status"],
                                            "code": err.get("code", ""), "message": err.get("message", ""),
                                            "hint": err.get("hint", "")})
        return report

    @property
    def counts(self) -> dict[str, int]:
        out = {"ok": 0, "partial": 0, "failed": 0}
        for e in self.entries:
            out[e["status"]] = out.get(e["status"], 0) + 1
        return out

    def needing_review(self) -> list[dict[str, Any]]:
        """The documents with values in doubt, each with its reasons."""
        return [{"filename": e["filename"], "reasons": e.get("needs_review") or []}
                for e in self.entries if e.get("needs_review")]

    def exit_code(self, fail_on: str = "failed") -> int:
        """:data:`EXIT_NOTHING` for an empty batch; :data:`EXIT_FAILED` when a document failed
        (unless ``fail_on`` is ``never``); :data:`EXIT_NEEDS_REVIEW` when ``fail_on`` is ``review``
        and a document needs review; else :data:`EXIT_OK`."""
        if fail_on not in FAIL_ON:
            raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}")
        if not self.entries:
            return EXIT_NOTHING
        if fail_on == "never":
            return EXIT_OK
        if self.counts["failed"]:
            return EXIT_FAILED
        if fail_on == "review" and self.needing_review():
            return EXIT_NEEDS_REVIEW
        return EXIT_OK

    def to_json(self) -> dict[str, Any]:
        return {
            "out": str(self.out_dir),
            "counts": self.counts,
            "documents": len(self.entries),
            "seconds": round(self.seconds, 3),
            "from_cache": self.from_cache,
            "needs_review": self.needing_review(),
            "failures": self.failures,
            "facts": {key: self.facts.get(key, 0) for key in FAMILIES},
            "entries": self.entries,
        }

    def __str__(self) -> str:
        c = self.counts
        n = len(self.entries)
        if not n:
            return f"no documents processed (outputs in {self.out_dir})"
        rate = f" in {self.seconds:.1f} s ({n / self.seconds:.1f} docs/s)" if self.seconds > 0 else ""
        lines = [f"documents: {n} processed{rate}: {c['ok']} ok, {c['partial']} partial, {c['failed']} failed"]
        if self.from_cache is not None:
            lines.append(f"from the record cache: {self.from_cache} of {n} (unchanged files, same extractor)")
        review = self.needing_review()
        lines.append(f"need review: {len(review)} of {n}" + (" (see 'review list' or 'review serve')" if review else ""))
        for item in review:
            reasons = "; ".join(f"{r['field']}: {r['reason']}" for r in item["reasons"])
            lines.append(f"  {item['filename']}: {reasons}")
        if self.failures:
            lines.append("problems:")
            for f in self.failures:
                msg = f": {f['message']}" if f["message"] else ""
                lines.append(f"  {f['status']}: {f['filename']}: {f['code']}{msg}")
                if f["hint"]:
                    lines.append(f"      hint: {f['hint']}")
        found = ", ".join(f"{self.facts.get(k, 0)} {label}" for k, label in FAMILIES.items())
        lines.append(f"facts found: {found}")
        lines.append(f"records: {self.out_dir / 'records'}")
        lines.append(f"catalog: {self.out_dir / 'catalog.jsonl'}")
        return "\n".join(lines)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
