"""Evaluation against gold annotations: per-family precision, recall, F1 and every miss.

The gold format is one JSON file per source document (``source`` names the input file); a
key that is present is scored, an absent key is not, ``null`` means "the document states no
such value", and list items marked ``"optional": true`` neither count as misses nor as false
positives. Records are matched to gold files by ``source.filename``.

Matching rules per family:

* ``document``: each gold key of kind, number, issued_on, issuer, province and title is one
  decision (notes and context keys are not scored). Titles match by word overlap of at least
  0.8; numbers compare without spaces and case;
  issuer and province by containment either way after folding diacritics (đ -> d) and
  expanding common abbreviations (UBND, HĐND, HTX, KH&CN...); kind by folded equality.
* ``movement``: name and slogan by word overlap (Jaccard of folded words) of at least 0.8.
* ``period``, ``duration``: equal values.
* ``references``: one-to-one by number; ``reference_dates`` then checks ``issued_on``.
* ``targets``: by year, value, value_max and unit; ``target_comparators`` checks the
  comparator of matched targets.
* ``reward_quotas``: by occasion, year, collectives and individuals.
* ``criteria``: by word overlap of the text of at least 0.6; ``criteria_applies_to`` checks
  whom matched criteria apply to.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..record.schema import iter_evidence

DOCUMENT_KEYS = ("kind", "number", "issued_on", "issuer", "province", "title")
FAMILIES = ("document", "references", "reference_dates", "targets", "target_comparators", "reward_quotas",
            "criteria", "criteria_applies_to", "movement", "period", "duration")
ABBREVIATIONS = {
    "ubnd": "uy ban nhan dan", "hdnd": "hoi dong nhan dan", "htx": "hop tac xa", "kh&cn": "khoa hoc va cong nghe",
    "khcn": "khoa hoc va cong nghe", "tn&mt": "tai nguyen va moi truong", "tnmt": "tai nguyen va moi truong",
    "ld-tb&xh": "lao dong thuong binh va xa hoi", "ldtbxh": "lao dong thuong binh va xa hoi", "tp.": "thanh pho",
    "tp": "thanh pho", "mttq": "mat tran to quoc",
}


def fold(value: Any) -> str:
    """Lower-case, no diacritics (đ -> d), no quotes, squeezed spaces."""
    if value is None:
        return ""
    s = unicodedata.normalize("NFD", str(value).replace("đ", "d").replace("Đ", "D"))
    s = "".join(c for c in s if unicodedata.category(c) != "Mn").lower()
    s = re.sub(r"[“”\"'‘’]", "", s)
    return re.sub(r"\s+", " ", s).strip(" .;:,")


def word_set(value: Any) -> set[str]:
    return set(re.findall(r"\w+", fold(value)))


def overlap(a: Any, b: Any) -> float:
    wa, wb = word_set(a), word_set(b)
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


def expand(value: Any) -> str:
    words = fold(value).replace("–", " ").replace("-", " ").split()
    return " ".join(ABBREVIATIONS.get(w, w) for w in words)


def contains_either(a: Any, b: Any) -> bool:
    ea, eb = expand(a), expand(b)
    return bool(ea and eb) and (ea in eb or eb in ea)


def number_key(value: Any) -> str:
    return re.sub(r"\s+", "", fold(value))


def as_float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
        self.tp, self.fp, self.fn = self.tp + tp, self.fp + fp, self.fn + fn

    def scores(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def match(gold: list[dict], pred: list[dict], same: Callable[[dict, dict], bool]) -> tuple[list[tuple[dict, dict]], list[dict], int]:
    """Greedy one-to-one matching: (matched pairs, missed gold items, unmatched predictions)."""
    used: set[int] = set()
    pairs, missed = [], []
    for g in gold:
        hit = next((i for i, p in enumerate(pred) if i not in used and same(g, p)), None)
        if hit is None:
            if not g.get("optional"):
                missed.append(g)
        else:
            used.add(hit)
            pairs.append((g, pred[hit]))
    return pairs, missed, len(pred) - len(used)


def same_reference(g: dict, p: dict) -> bool:
    return number_key(g.get("number")) == number_key(p.get("number"))


def same_target(g: dict, p: dict) -> bool:
    if as_float(g.get("value")) != as_float(p.get("value")) or as_float(g.get("value_max")) != as_float(p.get("value_max")):
        return False
    if "year" in g and g.get("year") != p.get("year"):
        return False
    return fold(g.get("unit") or "count") == fold(p.get("unit") or "count")


def same_quota(g: dict, p: dict) -> bool:
    if any(as_float(g.get(k)) != as_float(p.get(k)) for k in ("collectives", "individuals")):
        return False
    return fold(g.get("occasion")) == fold(p.get("occasion")) and g.get("year") == p.get("year")


def same_criterion(g: dict, p: dict) -> bool:
    return overlap(g.get("text"), p.get("text")) >= 0.6


def _decide(tally: Tally, ok: bool, gold: Any, pred: Any, what: str) -> None:
    if ok:
        tally.add(tp=1)
    else:
        tally.add(fp=1 if pred not in (None, "") else 0, fn=1 if gold is not None else 0)
        tally.misses.append(f"{what}: gold={gold!r} got={pred!r}")


def score_document(tallies: dict[str, Tally], tag: str, gold: dict, rec: dict) -> None:
    gdoc, pdoc = gold.get("document") or {}, rec.get("document") or {}
    for key, gv in gdoc.items():
        if key not in DOCUMENT_KEYS:
            continue  # notes and context (parent, attached_to, *_note, draft) are not scored
        pv = pdoc.get(key)
        if key == "title":
            ok = (gv is None and not pv) or (isinstance(gv, str) and isinstance(pv, str) and overlap(gv, pv) >= 0.8)
        elif key == "number":
            ok = number_key(gv) == number_key(pv)
        elif key in ("issuer", "province"):
            ok = (gv is None and pv is None) or contains_either(gv, pv)
        elif key == "kind":
            ok = fold(gv) == fold(pv)
        else:
            ok = gv == pv
        _decide(tallies["document"], ok, gv, pv, f"{tag} document.{key}")
    for fam in ("movement", "period", "duration"):
        if fam not in gold:
            continue
        gobj, pobj = gold.get(fam) or {}, rec.get(fam) or {}
        for key, gv in gobj.items():
            pv = pobj.get(key)
            ok = ((gv is None and not pv) or overlap(gv, pv) >= 0.8) if isinstance(gv, str) or isinstance(pv, str) else gv == pv
            _decide(tallies[fam], ok, gv, pv, f"{tag} {fam}.{key}")


def score_lists(tallies: dict[str, Tally], tag: str, gold: dict, rec: dict) -> None:
    for fam, same in (("references", same_reference), ("targets", same_target), ("reward_quotas", same_quota),
                      ("criteria", same_criterion)):
        if fam not in gold:
            continue
        pred = rec.get(fam) or []
        pairs, missed, extra = match(gold[fam], pred, same)
        tallies[fam].add(tp=sum(1 for g, _ in pairs if not g.get("optional")), fp=extra, fn=len(missed))
        for g in missed:
            tallies[fam].misses.append(f"{tag} {fam} missed: {json.dumps(g, ensure_ascii=False)[:200]}")
        if extra:
            matched_ids = {id(p) for _, p in pairs}
            for p in pred:
                if id(p) not in matched_ids:
                    shown = {k: v for k, v in p.items() if k != "evidence"}
                    tallies[fam].misses.append(f"{tag} {fam} extra: {json.dumps(shown, ensure_ascii=False)[:200]}")
        checks = {"references": ("reference_dates", "issued_on"), "targets": ("target_comparators", "comparator"),
                  "criteria": ("criteria_applies_to", "applies_to")}
        if fam in checks:
            sub, key = checks[fam]
            for g, p in pairs:
                if key in g and not g.get("optional"):
                    _decide(tallies[sub], g[key] == p.get(key), g[key], p.get(key), f"{tag} {fam} {g.get('number') or g.get('indicator') or g.get('text', '')[:40]} {key}")


#: Folders of an output folder that hold other files than its current records: the machine
#: copies behind reviewers' corrections, the corrections, earlier versions of records.
NOT_RECORDS = frozenset({"machine", "corrections", "history"})


def load_records(root: Path) -> dict[str, dict[str, Any]]:
    """Records under ``root`` (searched recursively), by source file name. Sub-folders named in
    :data:`NOT_RECORDS` are skipped, so ``OUT`` scores the published (reviewed) records; pass
    ``OUT/machine`` to score the extractor's own output."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(root.rglob("*.json")):
        if NOT_RECORDS.intersection(path.relative_to(root).parts[:-1]):
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        name = (data.get("source") or {}).get("filename") if isinstance(data, dict) else None
        if name:
            out[name] = data
    return out


def evaluate(gold_files: Iterable[Path], records: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Score ``records`` against the gold files; the result is JSON-ready."""
    tallies = {f: Tally() for f in FAMILIES}
    missing, evidence, wrong = [], 0, 0
    for gpath in sorted(gold_files):
        gold = json.loads(gpath.read_text(encoding="utf-8"))
        rec = records.get(gold["source"])
        if rec is None:
            missing.append(gold["source"])
            rec = {}
        text = rec.get("text") or ""
        for _, ev in iter_evidence(rec):
            evidence += 1
            wrong += 0 if text[ev.get("start", 0):ev.get("end", 0)] == ev.get("quote") else 1
        score_document(tallies, gold["source"], gold, rec)
        score_lists(tallies, gold["source"], gold, rec)
    total = Tally()
    for name, t in tallies.items():
        if name not in ("target_comparators", "criteria_applies_to"):
            total.add(t.tp, t.fp, t.fn)
    return {
        "families": {name: {**t.scores(), "tp": t.tp, "fp": t.fp, "fn": t.fn, "misses": t.misses} for name, t in tallies.items()},
        "overall": total.scores(),
        "grounding": {"evidence": evidence, "wrong": wrong},
        "missing_records": missing,
    }


def format_report(result: dict[str, Any], verbose: bool = True) -> str:
    lines = []
    for name, fam in result["families"].items():
        lines.append(f"{name:20s} P={fam['precision']:.3f} R={fam['recall']:.3f} F1={fam['f1']:.3f}  "
                     f"(tp={fam['tp']} fp={fam['fp']} fn={fam['fn']})")
        if verbose:
            lines.extend("    " + m for m in fam["misses"])
    g = result["grounding"]
    lines.append(f"grounding: {g['evidence']} evidence objects, {g['wrong']} not quoting the text exactly")
    if result["missing_records"]:
        lines.append("no record for: " + ", ".join(result["missing_records"]))
    lines.append(f"overall F1: {result['overall']['f1']:.3f}")
    return "\n".join(lines)


def below(result: dict[str, Any], threshold: float) -> list[str]:
    """Families (with at least one scored item) whose F1 is under ``threshold``, plus grounding errors."""
    bad = [f"{name} F1={fam['f1']:.3f}" for name, fam in result["families"].items()
           if fam["tp"] + fam["fp"] + fam["fn"] and fam["f1"] < threshold]
    if result["grounding"]["wrong"]:
        bad.append(f"{result['grounding']['wrong']} evidence quotes wrong")
    if result["missing_records"]:
        bad.append(f"{len(result['missing_records'])} records missing")
    return bad
