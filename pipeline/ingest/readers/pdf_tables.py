"""pdfplumber's table finder (``Page.find_tables()`` with its default settings), with the two
quadratic steps written out once.

pdfplumber re-sorts every horizontal edge for each vertical one when it intersects them, and
scans every later point for each point when it builds cells from the intersections (building
a set of edge boxes per comparison). A page of a price list has thousands of intersections, so
those steps cost more than reading the page. Here the edges are sorted once and each point's
neighbours below and to the right, and its edge boxes, are found once; the loops visit the
same points in the same order and make the same comparisons, so the tables are the same
(asserted against pdfplumber's own finder in the tests).
"""

from __future__ import annotations

from collections import defaultdict
from operator import itemgetter
from typing import Any

from pdfplumber import utils
from pdfplumber.table import Table, TableFinder, TableSettings, cells_to_tables

Point = tuple[float, float]
Bbox = tuple[float, float, float, float]


def edges_to_intersections(edges: list[dict[str, Any]], x_tolerance: float = 1,
                           y_tolerance: float = 1) -> dict[Point, dict[str, list[dict[str, Any]]]]:
    """pdfplumber's ``edges_to_intersections``: where a vertical and a horizontal edge meet (within
    the tolerances), with the edges that meet there."""
    intersections: dict[Point, dict[str, list[dict[str, Any]]]] = {}
    v_edges = sorted((e for e in edges if e["orientation"] == "v"), key=itemgetter("x0", "top"))
    h_edges = sorted((e for e in edges if e["orientation"] == "h"), key=itemgetter("top", "x0"))
    for v in v_edges:
        v_x0, v_top, v_bottom = v["x0"], v["top"], v["bottom"]
        for h in h_edges:
            h_top = h["top"]
            if (v_top <= h_top + y_tolerance and v_bottom >= h_top - y_tolerance
                    and v_x0 >= h["x0"] - x_tolerance and v_x0 <= h["x1"] + x_tolerance):
                vertex = (v_x0, h_top)
                found = intersections.get(vertex)
                if found is None:
                    found = intersections[vertex] = {"v": [], "h": []}
                found["v"].append(v)
                found["h"].append(h)
    return intersections


def intersections_to_cells(intersections: dict[Point, dict[str, list[dict[str, Any]]]]) -> list[Bbox]:
    """pdfplumber's ``intersections_to_cells``: for each point (sorted), the smallest cell whose
    corners are intersections joined by common edges."""
    points = sorted(intersections)
    v_boxes = {p: set(map(utils.obj_to_bbox, intersections[p]["v"])) for p in points}
    h_boxes = {p: set(map(utils.obj_to_bbox, intersections[p]["h"])) for p in points}
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

    def connects(p1: Point, p2: Point) -> bool:
        if p1[0] == p2[0] and not v_boxes[p1].isdisjoint(v_boxes[p2]):
            return True
        return p1[1] == p2[1] and not h_boxes[p1].isdisjoint(h_boxes[p2])

    cells: list[Bbox] = []
    for pt in points[:-1]:
        cell = None
        for below_pt in below[pt]:
            if not connects(pt, below_pt):
                continue
            for right_pt in right[pt]:
                if not connects(pt, right_pt):
                    continue
                corner = (right_pt[0], below_pt[1])
                if corner in intersections and connects(corner, right_pt) and connects(corner, below_pt):
                    cell = (pt[0], pt[1], corner[0], corner[1])
                    break
            if cell is not None:
                break
        if cell is not None:
            cells.append(cell)
    return cells


def find_tables(page: Any) -> list[Table]:
    """``page.find_tables()`` with pdfplumber's default settings, for any object with the
    ``chars``, ``edges`` and ``bbox`` pdfplumber's finder reads."""
    settings = TableSettings.resolve(None)
    finder = TableFinder.__new__(TableFinder)  # its edge step as it is; the rest below
    finder.page, finder.settings = page, settings
    edges = finder.get_edges()
    intersections = edges_to_intersections(edges, settings.intersection_x_tolerance, settings.intersection_y_tolerance)
    return [Table(page, group) for group in cells_to_tables(intersections_to_cells(intersections))]
