"""Clean-up of OCR'd text before it joins the document.

* A "|" at the edge of a line is Tesseract reading a page edge or a ruling line; it goes.
* Known misreadings of the Vietnamese model (``lang/vi/ocr_confusions.json``: "KÉ HOẠCH" for
  "KẾ HOẠCH", "HỘI ĐÒNG" for "HỘI ĐỒNG") are put right, as whole words; the count is reported.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..errors import VocabularyError
from ..lang import load_json

CONFUSIONS = "ocr_confusions.json"
_EDGE_BARS = re.compile(r"^[|¦]\s+|\s+[|¦]$", re.MULTILINE)


@lru_cache(maxsize=1)
def _confusions() -> tuple[re.Pattern[str], dict[str, str]]:
    words = load_json(CONFUSIONS, {"words": dict})["words"]
    if not all(isinstance(k, str) and k and isinstance(v, str) and v for k, v in words.items()):
        raise VocabularyError(f"{CONFUSIONS}: 'words' must map non-empty strings to non-empty strings")
    fixes = {k: v for k, v in words.items() if k != v}
    alternatives = "|".join(re.escape(k) for k in sorted(fixes, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), fixes


def clean_ocr_text(text: str) -> tuple[str, int]:
    """``text`` without edge bars and with known misreadings corrected; and how many were."""
    text = _EDGE_BARS.sub("", text)
    pattern, fixes = _confusions()
    return pattern.subn(lambda m: fixes[m.group(0)], text)


__all__ = ["clean_ocr_text"]
