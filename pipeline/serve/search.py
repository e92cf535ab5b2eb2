"""The catalog index: SQLite with FTS5, built incrementally from records, no server to run.

Text is folded before it is indexed *and* before it is searched: lower case, diacritics
removed, đ/Đ -> d (FTS5's ``remove_diacritics`` leaves đ alone), one character for one
character, so an offset in the folded text is the same offset in the original and snippets
are cut from the original text. Results that contain the query with its exact diacritics
rank first, then by BM25.

When a query matches more than :data:`BM25_LIMIT` records, scoring them all would be slow, so
the most recently indexed matches are re-ranked instead (exact-diacritics matches still first).

Queries: full text, structured filters (kind, number with tolerant matching, issuer,
province, issue date range, period overlapping a year range, targets due in a year, has
reward quotas) and the citation graph (who cites a document, what a record cites).
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

INDEX_NAME = "catalog.sqlite"
INDEX_VERSION = 4
SNIPPET_CHARS = 160
#: How many best BM25 matches are re-ranked so that exact-diacritics matches come first.
RERANK_WINDOW = 100
#: Up to this many matches, results are ranked by BM25; beyond, by recency of indexing.
BM25_LIMIT = 2000

SCHEMA = f"""
PRAGMA user_version = {INDEX_VERSION};
CREATE TABLE IF NOT EXISTS records (
    record_id TEXT PRIMARY KEY, filename TEXT NOT NULL, record_path TEXT NOT NULL, mtime_ns INTEGER NOT NULL,
    status TEXT, kind TEXT, kind_key TEXT, number TEXT, number_key TEXT, issuer TEXT, issuer_key TEXT,
    province TEXT, province_key TEXT, issued_on TEXT, period_start INTEGER, period_end INTEGER,
    title TEXT, has_quotas INTEGER NOT NULL);
-- full texts apart, so that filtering and sorting read only narrow rows
CREATE TABLE IF NOT EXISTS texts (rec INTEGER PRIMARY KEY, text TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS records_path ON records(record_path);
CREATE INDEX IF NOT EXISTS records_number ON records(number_key);
CREATE INDEX IF NOT EXISTS records_kind ON records(kind_key, issued_on);
CREATE INDEX IF NOT EXISTS records_province ON records(province_key, issued_on);
CREATE INDEX IF NOT EXISTS records_quotas ON records(has_quotas, issued_on);
CREATE INDEX IF NOT EXISTS records_issued ON records(issued_on);
CREATE INDEX IF NOT EXISTS records_period ON records(period_start, period_end);
CREATE INDEX IF NOT EXISTS records_issuer ON records(issuer_key, issued_on);
CREATE TABLE IF NOT EXISTS issuers (issuer_key TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS targets (rec INTEGER NOT NULL, year INTEGER, value REAL, unit TEXT, indicator TEXT);
CREATE INDEX IF NOT EXISTS targets_year ON targets(year, rec);
CREATE INDEX IF NOT EXISTS targets_rec ON targets(rec);
CREATE TABLE IF NOT EXISTS citations (rec INTEGER NOT NULL, number TEXT NOT NULL, number_key TEXT NOT NULL,
    kind TEXT, issued_on TEXT, relation TEXT);
CREATE INDEX IF NOT EXISTS citations_number ON citations(number_key, rec);
CREATE INDEX IF NOT EXISTS citations_rec ON citations(rec);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    record_id UNINDEXED, title, body, facts, tokenize = 'unicode61 remove_diacritics 2');
"""


def _fold_char(c: str) -> str:
    if c in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", c)[0]
    return base.lower() if len(base.lower()) == 1 else c.lower()[:1] or c


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    table = {}
    for cp in range(0x80, 0x2000):
        c = chr(cp)
        folded = _fold_char(c)
        if folded != c:
            table[cp] = folded
    for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[ord(c)] = c.lower()
    return table


def fold(text: str) -> str:
    """Lower case without diacritics, đ -> d, character for character (same length)."""
    return unicodedata.normalize("NFC", text).translate(_fold_table())


def number_key(number: str) -> str:
    """Lookup key of a document number: no spaces, folded, "QD" = "QĐ" ("340/qd-ttg")."""
    return re.sub(r"\s+", "", fold(number))


def _terms(query: str) -> list[str]:
    return re.findall(r"\w+", fold(query))


def fts_query(query: str) -> str:
    """FTS5 query for all the words of ``query``, each folded and quoted (no operator injection)."""
    return " ".join(f'"{t}"' for t in _terms(query))


@dataclass
class Filters:
    kind: str | None = None
    number: str | None = None
    issuer: str | None = None
    province: str | None = None
    issued_from: str | None = None
    issued_to: str | None = None
    period_from: int | None = None
    period_to: int | None = None
    target_year: int | None = None
    has_quotas: bool | None = None
    cites: str | None = None

    def where(self) -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        if self.kind:
            clauses.append("r.kind_key = ?")
            args.append(fold(self.kind).strip())
        if self.number:
            clauses.append("r.number_key = ?")
            args.append(number_key(self.number))
        if self.issuer and _terms(self.issuer):
            # issuers are few: match the distinct names, then use the (issuer_key, issued_on) index
            clauses.append("r.issuer_key IN (SELECT issuer_key FROM issuers WHERE issuer_key LIKE ?)")
            args.append(f"%{' '.join(_terms(self.issuer))}%")
        if self.province:
            clauses.append("r.province_key = ?")
            args.append(fold(self.province).strip())
        if self.issued_from:
            clauses.append("r.issued_on >= ?")
            args.append(self.issued_from)
        if self.issued_to:
            clauses.append("r.issued_on <= ?")
            args.append(self.issued_to)
        if self.period_from is not None:
            clauses.append("r.period_end >= ?")
            args.append(self.period_from)
        if self.period_to is not None:
            clauses.append("r.period_start <= ?")
            args.append(self.period_to)
        if self.target_year is not None:
            clauses.append("r.rowid IN (SELECT rec FROM targets WHERE year = ?)")
            args.append(self.target_year)
        if self.has_quotas is not None:
            clauses.append("r.has_quotas = ?")
            args.append(1 if self.has_quotas else 0)
        if self.cites:
            clauses.append("r.rowid IN (SELECT rec FROM citations WHERE number_key = ?)")
            args.append(number_key(self.cites))
        return clauses, args


@dataclass
class Hit:
    record_id: str
    filename: str
    record_path: str
    kind: str | None
    number: str | None
    issued_on: str | None
    issuer: str | None
    province: str | None
    title: str | None
    period: str | None
    exact: bool = False
    snippet: str | None = None
    relation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Page:
    total: int
    hits: list[Hit] = field(default_factory=list)


class CatalogIndex:
    """The SQLite index of one output folder's records."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, INDEX_VERSION):  # built by another version: rebuild from the records
            with self.db:
                for table in ("fts", "citations", "targets", "issuers", "texts", "records"):
                    self.db.execute(f"DROP TABLE IF EXISTS {table}")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # -- building --------------------------------------------------------------------------
    def add(self, record: dict[str, Any], record_path: str, mtime_ns: int = 0) -> None:
        """Index one record (replacing whatever was indexed at ``record_path``)."""
        doc = record.get("document") or {}
        period = record.get("period") or {}
        rid = record["record_id"]
        self.remove_path(record_path)
        self._remove(rid)
        text = record.get("text") or ""
        cur = self.db.execute(
            "INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (rid, record["source"]["filename"], record_path, mtime_ns, record["status"], doc.get("kind"),
             fold(doc.get("kind") or ""), doc.get("number"), number_key(doc.get("number") or "") or None,
             doc.get("issuer"), fold(doc.get("issuer") or ""), doc.get("province"), fold(doc.get("province") or ""),
             doc.get("issued_on"), period.get("start_year"), period.get("end_year"), doc.get("title"),
             1 if record.get("reward_quotas") else 0))
        rec = cur.lastrowid
        self.db.execute("INSERT INTO texts VALUES (?, ?)", (rec, text))
        self.db.executemany("INSERT INTO targets VALUES (?,?,?,?,?)",
                            [(rec, t.get("year"), t.get("value"), t.get("unit"), t.get("indicator"))
                             for t in record.get("targets") or []])
        self.db.executemany("INSERT INTO citations VALUES (?,?,?,?,?,?)",
                            [(rec, r["number"], number_key(r["number"]), r.get("kind"), r.get("issued_on"), r.get("relation"))
                             for r in record.get("references") or []])
        facts = " ".join([*(t.get("indicator") or "" for t in record.get("targets") or []),
                          *(c.get("text") or "" for c in record.get("criteria") or []),
                          doc.get("issuer") or "", doc.get("province") or "", doc.get("number") or ""])
        # the full-text row shares the record's rowid, so it is found and removed without a scan
        self.db.execute("INSERT INTO fts(rowid, record_id, title, body, facts) VALUES (?,?,?,?,?)",
                        (rec, rid, fold(doc.get("title") or ""), fold(text), fold(facts)))
        self.db.execute("INSERT OR IGNORE INTO issuers VALUES (?)", (fold(doc.get("issuer") or ""),))

    def _remove(self, rid: str) -> None:
        row = self.db.execute("SELECT rowid FROM records WHERE record_id = ?", (rid,)).fetchone()
        if row is None:
            return
        for table, key in (("fts", "rowid"), ("records", "rowid"), ("texts", "rec"), ("targets", "rec"), ("citations", "rec")):
            self.db.execute(f"DELETE FROM {table} WHERE {key} = ?", (row[0],))

    def remove_path(self, record_path: str) -> None:
        row = self.db.execute("SELECT record_id FROM records WHERE record_path = ?", (record_path,)).fetchone()
        if row:
            self._remove(row[0])

    def sync(self, out_dir: Path) -> dict[str, int]:
        """Bring the index up to date with ``out_dir/records`` (current versions only): index new
        and changed record files, drop records whose file is gone. Unchanged files are skipped."""
        known = dict(self.db.execute("SELECT record_path, mtime_ns FROM records"))
        seen = set()
        added = 0
        with self.db:
            for path in sorted((out_dir / "records").glob("*.json")):
                rel = f"records/{path.name}"
                seen.add(rel)
                mtime = path.stat().st_mtime_ns
                if known.get(rel) == mtime:
                    continue
                try:
                    data = path.read_bytes()
                    record = json.loads(data.decode("utf-8"))
                except (OSError, ValueError):
                    continue
                if not _publishable(out_dir, path, data, record):
                    continue  # a reviewer's edit that breaks the contract: keep what was indexed
                self.add(record, rel, mtime)
                added += 1
            removed = [p for p in known if p not in seen]
            for rel in removed:
                self.remove_path(rel)
        return {"indexed": added, "removed": len(removed), "total": self.count()}

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    # -- querying --------------------------------------------------------------------------
    _COLUMNS = "r.record_id, r.filename, r.record_path, r.kind, r.number, r.issued_on, r.issuer, r.province, r.title, r.period_start, r.period_end"

    def _hit(self, row: tuple) -> Hit:
        period = f"{row[9]}-{row[10]}" if row[9] is not None else None
        return Hit(*row[:9], period=period)

    def search(self, query: str = "", filters: Filters | None = None, limit: int = 20, offset: int = 0) -> Page:
        """Full-text search (if ``query``) within the filters; exact-diacritics matches first."""
        clauses, args = (filters or Filters()).where()
        where = (" AND " + " AND ".join(clauses)) if clauses else ""
        if not _terms(query):
            flt = filters or Filters()
            sql_where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
            total = self._count_side_table(flt)
            if total is None:
                total = self.db.execute(f"SELECT COUNT(*) FROM records r {sql_where}", args).fetchone()[0]
            # Newest first. Broad filters walk the issue-date index and stop after one page;
            # a number lookup (one or two rows) uses its own index.
            indexed = "" if flt.number else "INDEXED BY records_issued"
            rows = self.db.execute(f"SELECT {self._COLUMNS} FROM records r {indexed} {sql_where} "
                                   f"ORDER BY r.issued_on DESC LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
            return Page(total, [self._hit(r) for r in rows])
        match = fts_query(query)
        matches = self.db.execute("SELECT COUNT(*) FROM fts WHERE fts MATCH ?", [match]).fetchone()[0]
        total = matches if not clauses else self.db.execute(
            f"SELECT COUNT(*) FROM records r WHERE r.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?){where}",
            [match, *args]).fetchone()[0]
        window = max(RERANK_WINDOW, offset + limit)
        # BM25 scores every full-text match (before filters); past BM25_LIMIT of them the newest
        # records come first instead.
        order = "bm25(fts, 5.0, 1.0, 2.0, 1.0)" if matches <= BM25_LIMIT else "fts.rowid DESC"
        rows = self.db.execute(
            # CROSS JOIN keeps the full-text match as the outer loop, read in rank or rowid order
            f"SELECT {self._COLUMNS}, (SELECT text FROM texts WHERE rec = r.rowid) FROM fts CROSS JOIN records r ON r.rowid = fts.rowid "
            f"WHERE fts MATCH ?{where} ORDER BY {order} LIMIT ?",
            [match, *args, window]).fetchall()
        needle = unicodedata.normalize("NFC", query).lower().strip()
        ranked = []
        for row in rows:
            text = row[11] or ""
            exact = bool(needle) and (needle in text.lower() or needle in (row[8] or "").lower())
            ranked.append((not exact, row))
        ranked.sort(key=lambda pair: pair[0])  # stable: BM25 order within each group
        hits = []
        for not_exact, row in ranked[offset:offset + limit]:
            hit = self._hit(row[:11])
            hit.exact, hit.snippet = not not_exact, snippet(row[11] or "", query)
            hits.append(hit)
        return Page(total, hits)

    def _count_side_table(self, flt: Filters) -> int | None:
        """Counts straight from the targets or citations index when that is the only filter."""
        active = {k for k, v in flt.__dict__.items() if v is not None and v != ""}
        if active == {"target_year"}:
            return self.db.execute("SELECT COUNT(DISTINCT rec) FROM targets WHERE year = ?", (flt.target_year,)).fetchone()[0]
        if active == {"cites"}:
            return self.db.execute("SELECT COUNT(DISTINCT rec) FROM citations WHERE number_key = ?",
                                   (number_key(flt.cites),)).fetchone()[0]
        return None

    def cited_by(self, number: str, limit: int = 50, offset: int = 0) -> Page:
        """Records that cite (implement, build on...) the document ``number``."""
        key = number_key(number)
        total = self.db.execute("SELECT COUNT(DISTINCT rec) FROM citations WHERE number_key = ?", (key,)).fetchone()[0]
        rows = self.db.execute(
            f"SELECT {self._COLUMNS}, c.relation FROM citations c JOIN records r ON r.rowid = c.rec "
            f"WHERE c.number_key = ? GROUP BY r.rowid ORDER BY r.issued_on, r.filename LIMIT ? OFFSET ?",
            (key, limit, offset)).fetchall()
        hits = []
        for row in rows:
            hit = self._hit(row[:11])
            hit.relation = row[11]
            hits.append(hit)
        return Page(total, hits)

    def cites(self, record_id: str) -> list[dict[str, Any]]:
        """What a record cites, with the record id of each cited document when it is in the catalog."""
        rows = self.db.execute(
            "SELECT c.number, c.kind, c.issued_on, c.relation, "
            "(SELECT r.record_id FROM records r WHERE r.number_key = c.number_key LIMIT 1) "
            "FROM citations c WHERE c.rec = (SELECT rowid FROM records WHERE record_id = ?) ORDER BY c.rowid",
            (record_id,)).fetchall()
        return [dict(zip(("number", "kind", "issued_on", "relation", "record_id"), r)) for r in rows]

    def get(self, record_id: str) -> Hit | None:
        row = self.db.execute(f"SELECT {self._COLUMNS} FROM records r WHERE r.record_id = ?", (record_id,)).fetchone()
        return self._hit(row) if row else None


def snippet(text: str, query: str, width: int = SNIPPET_CHARS) -> str | None:
    """A piece of the original text around the first query word, the words marked «like this»."""
    folded = fold(text)
    terms = [t for t in _terms(query) if t]
    phrase = r"\W+".join(map(re.escape, terms))
    positions = [(m.start(), m.end()) for m in re.finditer(rf"(?<!\w){phrase}(?!\w)", folded)] if terms else []
    if not positions:
        positions = [(m.start(), m.end()) for t in terms for m in re.finditer(rf"(?<!\w){re.escape(t)}(?!\w)", folded)]
    if not positions:
        return None
    first = min(p[0] for p in positions)
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    marks = sorted(p for p in positions if start <= p[0] and p[1] <= end)
    out, cursor = [], start
    for s, e in marks:
        if s < cursor:
            continue
        out.append(text[cursor:s])
        out.append(f"«{text[s:e]}»")
        cursor = e
    out.append(text[cursor:end])
    piece = re.sub(r"\s+", " ", "".join(out)).strip()
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")


def _publishable(out_dir: Path, path: Path, data: bytes, record: Any) -> bool:
    """A record file as the pipeline published it, or else one that passes the record contract
    (a reviewer's valid edit, a record written by other means): invalid edits are not indexed."""
    from ..publish.catalog import published_by_pipeline

    if published_by_pipeline(out_dir, path.name, data):
        return True
    from ..review.corrections import (
        publishable,  # only for files the pipeline did not write as they are
    )

    return publishable(out_dir, path.name, record)


def open_index(out_dir: Path, sync: bool = True) -> CatalogIndex:
    index = CatalogIndex(out_dir / INDEX_NAME)
    if sync:
        index.sync(out_dir)
    return index


def iter_records(out_dir: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted((out_dir / "records").glob("*.json")):
        yield f"records/{path.name}", json.loads(path.read_text(encoding="utf-8"))


__all__: Iterable[str] = ["CatalogIndex", "Filters", "Hit", "Page", "fold", "number_key", "open_index", "snippet"]
