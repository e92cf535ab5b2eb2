"""Where a span of a record's text is on its pages: the boxes of the layout blocks it falls in.

Records carry ``blocks[]`` (text spans with a page and a box ``[x0, top, x1, bottom]`` in page
points, origin top left) and ``pages[]`` (page sizes). A value's evidence span overlaps one or
more blocks; :func:`span_boxes` gives one box per page it touches, narrowed to the lines the
span is on when the block holds several lines: the block's lines are taken to be of the page's
usual line height, :data:`LINE_PITCH` apart and evenly filled, so the box is the band of lines from the span's first to
its last character (``approximate``). A span in a one-line block gets the block's own box.
Programs with the page's text layer can narrow further (:mod:`pipeline.serve.page_images`).
"""

from __future__ import annotations

import bisect
import statistics
from dataclasses import dataclass
from typing import Any


#: Distance from one line of a paragraph to the next, in heights of a line (leading included).
LINE_PITCH = 1.4


@dataclass(frozen=True)
class Box:
    """A rectangle on a page, in page points (origin top left)."""

    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    approximate: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"page": self.page, "bbox": [round(v, 2) for v in (self.x0, self.top, self.x1, self.bottom)],
                "approximate": self.approximate}


class Layout:
    """The blocks of one record, indexed for span look-ups."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.text: str = record.get("text") or ""
        self.blocks = [b for b in record.get("blocks") or []
                       if isinstance(b, dict) and isinstance(b.get("start"), int) and isinstance(b.get("end"), int)]
        self.blocks.sort(key=lambda b: b["start"])
        self._starts = [b["start"] for b in self.blocks]
        self.page_sizes = {p["page"]: (p["width"], p["height"]) for p in record.get("pages") or []
                           if isinstance(p, dict) and "page" in p}
        self._line_height: dict[int, float] = {}

    @property
    def has_boxes(self) -> bool:
        return any("bbox" in b for b in self.blocks) and bool(self.page_sizes)

    def blocks_of(self, start: int, end: int) -> list[dict[str, Any]]:
        """Blocks overlapping ``[start, end)`` (the block holding ``start`` for an empty span)."""
        i = max(bisect.bisect_right(self._starts, start) - 1, 0)
        out = []
        for block in self.blocks[i:]:
            if block["start"] >= max(end, start + 1):
                break
            if block["end"] > start or (start == end and block["start"] <= start <= block["end"]):
                out.append(block)
        return out

    def page_range(self, page: int) -> tuple[int, int] | None:
        """The text offsets of a page's blocks (first start, last end)."""
        spans = [(b["start"], b["end"]) for b in self.blocks if b.get("page") == page]
        return (min(s for s, _ in spans), max(e for _, e in spans)) if spans else None

    def page_of(self, offset: int) -> int | None:
        i = bisect.bisect_right(self._starts, offset) - 1
        return self.blocks[i].get("page") if i >= 0 else None

    def line_height(self, page: int) -> float:
        """The page's usual height of one line: the median height of its shortest blocks."""
        if page not in self._line_height:
            heights = sorted(b["bbox"][3] - b["bbox"][1] for b in self.blocks
                             if b.get("page") == page and "bbox" in b and b["bbox"][3] > b["bbox"][1])
            small = [h for h in heights if h <= heights[0] * 1.6] if heights else []
            self._line_height[page] = statistics.median(small) if small else 14.0
        return self._line_height[page]

    def _narrowed(self, block: dict[str, Any], start: int, end: int) -> Box:
        x0, top, x1, bottom = block["bbox"]
        page = block["page"]
        line = min(self.line_height(page), bottom - top)
        # a block of n lines is one line high plus n - 1 line pitches of about 1.4 lines
        lines = max(1, round(1 + (bottom - top - line) / (LINE_PITCH * line))) if line > 0 else 1
        if lines == 1:
            return Box(page, x0, top, x1, bottom)
        pitch = (bottom - top - line) / (lines - 1)
        length = max(block["end"] - block["start"], 1)
        first = min(lines - 1, int((max(start, block["start"]) - block["start"]) / length * lines))
        last = min(lines - 1, int((min(end, block["end"]) - 1 - block["start"]) / length * lines))
        return Box(page, x0, top + first * pitch, x1, top + last * pitch + line, approximate=True)

    def span_boxes(self, start: int, end: int) -> list[Box]:
        """One box per page for the span: the union of its (narrowed) block boxes."""
        per_page: dict[int, list[Box]] = {}
        for block in self.blocks_of(start, end):
            if "bbox" not in block or not isinstance(block.get("page"), int):
                continue
            box = self._narrowed(block, start, end)
            per_page.setdefault(box.page, []).append(box)
        out = []
        for page, boxes in sorted(per_page.items()):
            out.append(Box(page, min(b.x0 for b in boxes), min(b.top for b in boxes), max(b.x1 for b in boxes),
                           max(b.bottom for b in boxes), approximate=any(b.approximate for b in boxes)))
        return out
