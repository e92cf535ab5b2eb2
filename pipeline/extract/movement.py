"""The emulation movement: its name ("phong trào thi đua “...”") and slogan ("Khẩu hiệu ...: “...”")."""

from __future__ import annotations

import re

from ..core.model import Document
from . import register
from .values import Field

_QUOTED = r"[“\"]([^”\"]{3,300}?)[”\"]"
NAME = re.compile(rf"phong trào(?:\s+thi đua)?(?:\s+\S+){{0,2}}?\s*{_QUOTED}", re.IGNORECASE)
SLOGAN = re.compile(rf"khẩu hiệu(?:\s+[^\s:“\"]+){{0,7}}?(?:\s+là)?\s*:?\s*{_QUOTED}", re.IGNORECASE)


@register("movement")
def extract_movement(doc: Document) -> dict[str, Field]:
    """``{"name": Field, "slogan": Field}`` for whichever the text states."""
    out: dict[str, Field] = {}
    for key, rx in (("name", NAME), ("slogan", SLOGAN)):
        m = rx.search(doc.text)
        if m:
            out[key] = Field(re.sub(r"\s+", " ", m.group(1)).strip(), doc.evidence(m.start(1), m.end(1)))
    return out
