"""The emulation movement: its name and slogan.

* the name: quoted after "phong trào (thi đua)" ("phong trào thi đua “Dân vận khéo”"), or
  unquoted in capitals ("phong trào thi đua BA KIỂU MẪU") or as a title-cased name of two or
  more capitalised words ("phong trào Thi đua Quyết thắng năm 2020"); when the text names
  several movements, the one it names most often (a short form counting for the full name it
  starts) outside the grounds ("Căn cứ ...", which
  cite other documents) (a report also mentions older movements), the first on a tie;
* the slogan: quoted after "Khẩu hiệu ...".

Words run together in web texts ("CHUNGSỨC") are split in the value.
"""

from __future__ import annotations

import re
from collections import Counter

from ..core.model import Document
from ..nlp.syllables import split_glued
from . import register
from .values import Field

_QUOTED = r"[“\"]([^”\"]{3,300}?)[”\"]"
NAME = re.compile(rf"phong trào(?:\s+thi đua)?(?:\s+\S+){{0,2}}?\s*{_QUOTED}", re.IGNORECASE)
#: "phong trào" in small letters (a capitalised "Thi đua" after it starts the name)
LEAD = re.compile(r"(?:phong|Phong)\s+trào(?:\s+thi\s+đua)?\s+(?=\S)")
SLOGAN = re.compile(rf"khẩu hiệu(?:\s+[^\s:“\"]+){{0,7}}?(?:\s+là)?\s*:?\s*{_QUOTED}", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]+")
_GROUNDS = re.compile(r"\s*(?:[-–+•]\s*)?Căn\s*cứ")
#: lower-case words that end a title-cased name ("... Quyết thắng năm 2020")
_STOP = {"năm", "giai", "của", "do", "tại", "trên", "trong", "và", "được", "đã", "sẽ", "với", "cho", "là", "từ", "đến"}


def _unquoted(text: str, pos: int) -> tuple[int, int] | None:
    """The span of an unquoted name from ``pos``: two or more words in capitals, or two or more
    capitalised words each followed by at most one word in small letters."""
    words = []
    for m in WORD.finditer(text, pos, min(len(text), pos + 200)):
        if words and (text[words[-1].end():m.start()].strip() or "\n" in text[words[-1].end():m.start()]):
            break
        if not words and m.start() != pos:
            return None
        words.append(m)
    upper = []
    for m in words:
        if not (m.group(0).isupper() and len(m.group(0)) > 1 or m.group(0) in ("A", "Đ")) :
            break
        upper.append(m)
    if len(upper) >= 2:
        return upper[0].start(), upper[-1].end()
    run, capitals, previous_lower = [], 0, False
    for m in words:
        w = m.group(0)
        if w[0].isupper() and not w.isupper():
            run.append(m)
            capitals += 1
            previous_lower = False
        elif w.islower() and run and not previous_lower and w not in _STOP:
            run.append(m)
            previous_lower = True
        else:
            break
    if capitals >= 2:
        return run[0].start(), run[-1].end()
    return None


def _names(doc: Document) -> list[tuple[int, int]]:
    text = doc.text
    spans = [(m.start(1), m.end(1)) for m in NAME.finditer(text)]
    for m in LEAD.finditer(text):
        span = _unquoted(text, m.end())
        if span:
            spans.append(span)
    spans = sorted(set(spans))
    own = [(a, b) for a, b in spans if not _GROUNDS.match(text, text.rfind("\n", 0, a) + 1)]
    return own or spans  # a movement named in the grounds ("Căn cứ ...") is a cited document's


def _value(text: str) -> str:
    return split_glued(re.sub(r"\s+", " ", text).strip())


@register("movement")
def extract_movement(doc: Document) -> dict[str, Field]:
    """``{"name": Field, "slogan": Field}`` for whichever the text states."""
    out: dict[str, Field] = {}
    spans = _names(doc)
    if spans:
        keys = [_value(doc.text[a:b]).lower() for a, b in spans]
        # a short form ("Đoàn kết sáng tạo") counts for the full name it starts
        # ("Đoàn kết sáng tạo, nâng cao năng suất, ...")
        full = {k: max((o for o in keys if o.startswith(k)), key=len) for k in keys}
        counts = Counter(full[k] for k in keys)
        best = max(counts.values())
        a, b = next((a, b) for (a, b), k in zip(spans, keys) if full[k] == k and counts[k] == best)
        out["name"] = Field(_value(doc.text[a:b]), doc.evidence(a, b))
    m = SLOGAN.search(doc.text)
    if m:
        out["slogan"] = Field(_value(m.group(1)), doc.evidence(m.start(1), m.end(1)))
    return out
