"""pdfplumber's table finder (``Page.find_tables()`` with its default settings), with its edge
merging and its two quadratic steps written out once.

pdfplumber snaps and joins the ruling edges by copying an edge's dictionary at each move and
each extension (:func:`merged_edges` does the same arithmetic on plain numbers, in the same
order, so every coordinate comes out the same).

pdfplumber re-sorts every horizontal edge for each vertical one when it intersects them, and
scans every later point for each point when it builds cells from the intersections (building
a set of edge boxes per comparison). A page of a price list has thousands of intersections, so
those steps cost more than reading the page. Here the edges are sorted once and each point's
neighbours below and to the right, and its edge boxes, are found once; the loops visit the
same points in the same order and make the same comparisons, so the tables are the same
(asserted against pdfplumber's own finder in the tests).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np

from pdfplumber.table import Table, TableSettings

Point = tuple[float, float]
Bbox = tuple[float, float, float, float]


#: Edge orientations as :class:`Edges` holds them (pdfplumber's "h", "v", and None for a
#: slanted piece of a curve), and the kinds of edge in pdfplumber's order.
ACROSS, DOWN, SLANTED = 0, 1, -1
_ORIENTATIONS = {"h": ACROSS, "v": DOWN, None: SLANTED}
KINDS = ("line", "rect_edge", "curve_edge")
_COLUMNS = ("x0", "x1", "top", "bottom", "width", "height")


@dataclass
class Edges:
    """A page's ruling edges (pdfplumber's ``page.edges``) as columns: ``x0``, ``x1``, ``top``,
    ``bottom``, ``width``, ``height``, ``orientation`` (:data:`ACROSS`, :data:`DOWN`,
    :data:`SLANTED`) and ``kind`` (an index into :data:`KINDS`), in pdfplumber's order."""

    x0: np.ndarray
    x1: np.ndarray
    top: np.ndarray
    bottom: np.ndarray
    width: np.ndarray
    height: np.ndarray
    orientation: np.ndarray
    kind: np.ndarray

    def __len__(self) -> int:
        return len(self.x0)

    @classmethod
    def from_dicts(cls, edges: Sequence[dict[str, Any]]) -> Edges:
        n = len(edges)
        floats = {key: np.fromiter((e[key] for e in edges), dtype=np.float64, count=n) for key in _COLUMNS}
        orientation = np.fromiter((_ORIENTATIONS[e["orientation"]] for e in edges), dtype=np.int64, count=n)
        kind = np.fromiter((KINDS.index(e["object_type"]) for e in edges), dtype=np.int64, count=n)
        return cls(orientation=orientation, kind=kind, **floats)

    def rows(self) -> list[tuple[Any, ...]]:
        """Each edge as ``(kind, orientation, x0, x1, top, bottom, width, height)``."""
        return list(zip(self.kind.tolist(), self.orientation.tolist(), *(getattr(self, k).tolist() for k in _COLUMNS)))

    def has_grid(self) -> bool:
        """True when the page has the ruling lines a table needs (two across, two others: pdfplumber
        counts a slanted piece as down here), a cheap test that spares the table finder the many
        pages that have none."""
        across = int((self.orientation == ACROSS).sum())
        return across >= 2 and len(self) - across >= 2


_Edge = list  # [x0, x1, top, bottom, width, height] of one edge, changed in place


def _snapped(edges: list[_Edge], key: int, tolerance: float) -> list[_Edge]:
    """pdfplumber's ``snap_objects``: edges whose ``key`` coordinate lies within ``tolerance`` of
    the next (values sorted) moved to their cluster's mean (the edge's length kept), in cluster
    order, each cluster in the edges' order."""
    values = sorted({e[key] for e in edges})
    cluster: dict[float, int] = {}
    last, n = None, -1
    for value in values:
        if last is None or not value <= last + tolerance:
            n += 1
        cluster[value] = n
        last = value
    groups: dict[int, list[_Edge]] = defaultdict(list)
    for e in edges:
        groups[cluster[e[key]]].append(e)
    other = key + 1  # x1 moves with x0, bottom with top
    out: list[_Edge] = []
    for number in sorted(groups):
        members = groups[number]
        mean = sum(e[key] for e in members) / len(members)
        for e in members:
            shift = mean - e[key]
            e[key] += shift
            e[other] += shift
            out.append(e)
    return out


def _joined(edges: list[_Edge], start: int, tolerance: float) -> list[_Edge]:
    """pdfplumber's ``join_edge_group`` for edges along one line: sorted by their start (``start``:
    x0 across, top down), an edge that starts within ``tolerance`` of the end of the last one
    extends it."""
    end = start + 1
    joined: list[_Edge] = []
    for e in sorted(edges, key=itemgetter(start)):
        if joined and e[start] <= joined[-1][end] + tolerance:
            last = joined[-1]
            if e[end] > last[end]:
                if start == 0:  # across: x1, and the width from it
                    joined[-1] = [last[0], e[1], last[2], last[3], e[1] - last[0], last[5]]
                else:  # down: bottom, and the height by the difference
                    joined[-1] = [last[0], last[1], last[2], e[3], last[4], last[5] + (e[3] - last[3])]
        else:
            joined.append(e)
    return joined


def merged_edges(edges: Edges, settings: TableSettings) -> list[dict[str, Any]]:
    """pdfplumber's ``TableFinder.get_edges()`` for the "lines" strategies: the page's edges (at
    least the prefilter length), snapped (:func:`_snapped`), grouped by their line and joined
    (:func:`_joined`), then those of at least the minimum length; each as the ``x0``, ``x1``,
    ``top``, ``bottom``, ``width``, ``height`` and ``orientation`` the finder reads."""
    shortest = settings.edge_min_length_prefilter

    def pick(keep: np.ndarray) -> list[_Edge]:
        index = np.flatnonzero(keep)
        return [list(row) for row in zip(*(getattr(edges, k)[index].tolist() for k in _COLUMNS))]

    down = pick((edges.orientation == DOWN) & (edges.height >= shortest))
    across = pick((edges.orientation == ACROSS) & (edges.width >= shortest))
    if settings.snap_x_tolerance > 0 or settings.snap_y_tolerance > 0:
        down = _snapped(down, 0, settings.snap_x_tolerance)
        across = _snapped(across, 2, settings.snap_y_tolerance)
    out: list[dict[str, Any]] = []
    for orientation, group, key, start, tolerance, dim in (  # lines across (by top), then down (by x0)
            ("h", across, 2, 0, settings.join_x_tolerance, 4), ("v", down, 0, 2, settings.join_y_tolerance, 5)):
        lines: dict[float, list[_Edge]] = defaultdict(list)
        for e in group:
            lines[e[key]].append(e)
        for position in sorted(lines):
            for edge in _joined(lines[position], start, tolerance):
                if edge[dim] >= settings.edge_min_length:
                    x0, x1, top, bottom, width, height = edge
                    out.append({"x0": x0, "x1": x1, "top": top, "bottom": bottom, "width": width, "height": height,
                                "orientation": orientation})
    return out


def edges_to_intersections(edges: list[dict[str, Any]], x_tolerance: float = 1,
                           y_tolerance: float = 1) -> dict[Point, tuple[set[int], set[int]]]:
    """pdfplumber's ``edges_to_intersections``: where a vertical and a horizontal edge meet (within
    the tolerances), with the edges that meet there, each edge named by a number for its box
    (edges with the same box are one edge to the cell finder): (down, across) at each point.
    Every vertical edge is compared with every horizontal one at once."""
    ids: dict[Bbox, int] = {}

    def numbered(orientation: str, order: Any) -> tuple[list[dict[str, Any]], list[int]]:
        chosen = sorted((e for e in edges if e["orientation"] == orientation), key=order)
        return chosen, [ids.setdefault((e["x0"], e["top"], e["x1"], e["bottom"]), len(ids)) for e in chosen]

    v_edges, v_ids = numbered("v", itemgetter("x0", "top"))
    h_edges, h_ids = numbered("h", itemgetter("top", "x0"))
    intersections: dict[Point, tuple[set[int], set[int]]] = {}
    if not v_edges or not h_edges:
        return intersections
    v_x0, v_top, v_bottom = (np.array([e[k] for e in v_edges], dtype=np.float64)[:, None] for k in ("x0", "top", "bottom"))
    h_x0, h_top, h_x1 = (np.array([e[k] for e in h_edges], dtype=np.float64)[None, :] for k in ("x0", "top", "x1"))
    meet = ((v_top <= h_top + y_tolerance) & (v_bottom >= h_top - y_tolerance)
            & (v_x0 >= h_x0 - x_tolerance) & (v_x0 <= h_x1 + x_tolerance))
    for v, h in zip(*(side.tolist() for side in np.nonzero(meet))):
        vertex = (v_edges[v]["x0"], h_edges[h]["top"])
        found = intersections.get(vertex)
        if found is None:
            found = intersections[vertex] = (set(), set())
        found[0].add(v_ids[v])
        found[1].add(h_ids[h])
    return intersections


def intersections_to_cells(intersections: dict[Point, tuple[set[int], set[int]]]) -> list[Bbox]:
    """pdfplumber's ``intersections_to_cells``: for each point (sorted), the smallest cell whose
    corners are intersections joined by common edges."""
    points = sorted(intersections)
    v_boxes = {p: intersections[p][0] for p in points}
    h_boxes = {p: intersections[p][1] for p in points}
    below: dict[Point, list[Point]] = defaultdict(list)  # same x, later in the sorted order
    right: dict[Point, list[Point]] = defaultdict(list)  # same y, later in the sorted order
    by_x: dict[float, list[Point]] = defaultdict(list)
    by_y: dict[float, list[Point]] = defaultdict(list)
    for p in points:
        by_x[p[0]].append(p)
        by_y[p[1]].append(p)
    for group, after in ((by_x, below), (by_y, right)):
        for members in group.values():
            for i, p in enumerate(members):
                after[p] = members[i + 1:]

    # pdfplumber's "connects" of two points: one edge down through both when they share x, one
    # across when they share y. A point below shares x (and not y), a point to the right shares
    # y; so does the corner with the point to the right (x) and with the point below (y).
    cells: list[Bbox] = []
    for pt in points[:-1]:
        cell = None
        down, across = v_boxes[pt], h_boxes[pt]
        for below_pt in below[pt]:
            if down.isdisjoint(v_boxes[below_pt]):
                continue
            for right_pt in right[pt]:
                if across.isdisjoint(h_boxes[right_pt]):
                    continue
                corner = (right_pt[0], below_pt[1])
                if (corner in intersections and not v_boxes[corner].isdisjoint(v_boxes[right_pt])
                        and not h_boxes[corner].isdisjoint(h_boxes[below_pt])):
                    cell = (pt[0], pt[1], corner[0], corner[1])
                    break
            if cell is not None:
                break
        if cell is not None:
            cells.append(cell)
    return cells


def cells_to_tables(cells: list[Bbox]) -> list[list[Bbox]]:
    """pdfplumber's ``cells_to_tables``: cells grouped into tables by shared corners, pass after
    pass over the cells left (a table closes when a pass adds none), the tables sorted by their
    top-left cell, lone cells dropped.

    The cells left are kept as a list and each pass crosses out the ones it takes, instead of
    removing each from the list: as pdfplumber's ``list.remove``, a cell taken crosses out the
    first copy of it still there (a cell listed twice moves later)."""
    remaining = list(cells)
    corners: set[Point] = set()
    current: list[Bbox] = []
    tables: list[list[Bbox]] = []
    while remaining:
        before = len(current)
        copies: dict[Bbox, deque[int]] = defaultdict(deque)
        for k, cell in enumerate(remaining):
            copies[cell].append(k)
        taken = [False] * len(remaining)
        for cell in remaining:
            x0, top, x1, bottom = cell
            mine = ((x0, top), (x0, bottom), (x1, top), (x1, bottom))
            if not current or any(c in corners for c in mine):
                corners.update(mine)
                current.append(cell)
                taken[copies[cell].popleft()] = True
        remaining = [cell for cell, gone in zip(remaining, taken) if not gone]
        if len(current) == before:
            tables.append(current)
            corners, current = set(), []
    if current:
        tables.append(current)
    ordered = sorted(tables, key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in ordered if len(t) > 1]


def find_tables(page: Any) -> list[Table]:
    """``page.find_tables()`` with pdfplumber's default settings, for any object with the
    ``chars``, ``edges`` and ``bbox`` pdfplumber's finder reads."""
    settings = TableSettings.resolve(None)
    edges = merged_edges(page.edges, settings)
    intersections = edges_to_intersections(edges, settings.intersection_x_tolerance, settings.intersection_y_tolerance)
    return [Table(page, group) for group in cells_to_tables(intersections_to_cells(intersections))]
