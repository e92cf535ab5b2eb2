"""The catalog index: SQLite with FTS5, built incrementally from records, no server to run.

Every record is indexed twice, in two full-text tables that share its rowid (both
contentless: the texts are kept once, in ``sources``):

* ``fts``: the text folded (:func:`~pipeline.serve.folding.fold`: no diacritics, đ -> d), so
  that ``hop tac xa`` finds ``hợp tác xã``;
* ``xfts``: the text with its diacritics (:func:`~pipeline.serve.folding.exact_form`), so
  that a query typed with diacritics can prefer records that have them as typed.

Each has five columns, four of them weighted for BM25: ``head`` (kind and title, 6), ``body``
(the text, 1), ``facts`` (target indicators, criteria, movement, 2) and ``meta`` (issuer,
province, number, 3); ``tags`` holds one opaque token per filter value (kind, province,
status...), so that a search within filters is one FTS5 expression.

Ranking (:meth:`CatalogIndex.search`). A query (:mod:`pipeline.serve.query`) is rendered at
three strictness levels: its runs of syllables as phrases (strict), near each other (near),
anywhere (loose). The results are the records matching the loose form; the strict matches
come first, then the near ones, then the rest; a query typed with diacritics puts, within
each level, the records matching its diacritics exactly first. Within a group, the records
are ordered by the BM25 score of the query's words; past :data:`BM25_LIMIT` results, the most
recently indexed come first instead (scoring them all would be slow).

Queries: full text, structured filters (kind, number with tolerant matching, issuer, province
across the 2025 reorganisation, issue date range, period overlapping a year range, targets due
in a year, has reward quotas, status, needs review, reviewed, changed since) and the citation
graph (who cites a document, what a record cites). A connection opened ``readonly`` only
reads: the API gives each of its worker threads one, so that no request waits for another.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from .folding import exact_form, fold, name_key, number_key
from .folding import name_key as key_of
from .query import LOOSE, NEAR, STRICT, Query, parse_query
from .regions import ProvinceMap, default_map, province_match
from .snippets import SNIPPET_CHARS, snippet

INDEX_NAME = "catalog.sqlite"
INDEX_VERSION = 7
#: Up to this many matches in a rank group, BM25 orders them; beyond, recency of indexing.
BM25_LIMIT = 2000
#: Matches counted exactly; a search with more says so instead of counting them all (the
#: deepest page a search reaches is about as deep: ``pipeline.serve.params.MAX_OFFSET``).
TOTAL_LIMIT = 10_000
#: BM25 weights of the columns head, body, facts, meta, tags (filter tokens do not rank).
WEIGHTS = (6.0, 1.0, 2.0, 3.0, 0.0)
#: Issue date ranges spanning at most this many years narrow full-text matches by year tags first.
YEAR_TAGS_SPAN = 30
#: What each strictness level is called in a hit (``match``).
MATCH_NAMES = {STRICT: "phrase", NEAR: "near", LOOSE: "words"}

SCHEMA = f"""
PRAGMA user_version = {INDEX_VERSION};
CREATE TABLE IF NOT EXISTS records (
    record_id TEXT PRIMARY KEY, filename TEXT NOT NULL, record_path TEXT NOT NULL, mtime_ns INTEGER NOT NULL,
    status TEXT, kind TEXT, kind_key TEXT, number TEXT, number_key TEXT, issuer TEXT, issuer_key TEXT,
    province TEXT, province_key TEXT, issued_on TEXT, period_start INTEGER, period_end INTEGER,
    title TEXT, has_quotas INTEGER NOT NULL, review_reasons INTEGER NOT NULL, reviewed INTEGER NOT NULL);
-- the catalog line of each record (what a hit shows), apart: filters and joins read narrow rows
CREATE TABLE IF NOT EXISTS entries (rec INTEGER PRIMARY KEY, entry TEXT NOT NULL);
-- what the full-text rows were made of (the text kept once), apart so that filters read narrow rows
CREATE TABLE IF NOT EXISTS sources (rec INTEGER PRIMARY KEY, head TEXT NOT NULL, body TEXT NOT NULL,
    facts TEXT NOT NULL, meta TEXT NOT NULL, tags TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS records_path ON records(record_path);
CREATE INDEX IF NOT EXISTS records_number ON records(number_key);
CREATE INDEX IF NOT EXISTS records_kind ON records(kind_key, issued_on);
CREATE INDEX IF NOT EXISTS records_province ON records(province_key, issued_on);
CREATE INDEX IF NOT EXISTS records_quotas ON records(has_quotas, issued_on);
CREATE INDEX IF NOT EXISTS records_issued ON records(issued_on);
CREATE INDEX IF NOT EXISTS records_period ON records(period_start, period_end);
CREATE INDEX IF NOT EXISTS records_issuer ON records(issuer_key, issued_on);
CREATE INDEX IF NOT EXISTS records_status ON records(status, issued_on);
CREATE INDEX IF NOT EXISTS records_review ON records(review_reasons, issued_on);
CREATE INDEX IF NOT EXISTS records_reviewed ON records(reviewed, issued_on);
CREATE INDEX IF NOT EXISTS records_changed ON records(mtime_ns);
CREATE TABLE IF NOT EXISTS issuers (issuer_key TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS targets (rec INTEGER NOT NULL, year INTEGER, value REAL, unit TEXT, indicator TEXT);
CREATE INDEX IF NOT EXISTS targets_year ON targets(year, rec);
CREATE INDEX IF NOT EXISTS targets_rec ON targets(rec);
CREATE TABLE IF NOT EXISTS citations (rec INTEGER NOT NULL, number TEXT NOT NULL, number_key TEXT NOT NULL,
    kind TEXT, issued_on TEXT, relation TEXT);
CREATE INDEX IF NOT EXISTS citations_number ON citations(number_key, rec, relation);
CREATE INDEX IF NOT EXISTS citations_rec ON citations(rec);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(head, body, facts, meta, tags, content='',
    tokenize = 'unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS xfts USING fts5(head, body, facts, meta, tags, content='',
    tokenize = 'unicode61 remove_diacritics 0');
"""
_TABLES = ("fts", "xfts", "citations", "targets", "issuers", "sources", "records")


def tag(name: str, value: Any) -> str:
    """The token standing for ``name = value`` in the ``tags`` column: letters and digits only, so
    the tokenizer keeps it whole, and never a word of a text ("zz" and ten hex digits)."""
    return "zz" + hashlib.blake2b(f"{name}\x1f{value}".encode("utf-8"), digest_size=5).hexdigest()


def _any_tag(tags: list[str]) -> str:
    return tags[0] if len(tags) == 1 else "(" + " OR ".join(tags) + ")"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def changed_at(mtime_ns: int) -> str:
    """ISO 8601 (UTC, microseconds, truncated) of a record file's modification time: passed back
    as ``changed_since`` it finds that record again."""
    seconds, rest = divmod(mtime_ns, 1_000_000_000)
    stamp = datetime.fromtimestamp(seconds, timezone.utc).replace(microsecond=rest // 1000)
    return stamp.isoformat(timespec="microseconds")


@dataclass
class Filters:
    """Structured filters of a search; None (or empty) means no constraint."""

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
    status: str | None = None
    needs_review: bool | None = None
    reviewed: bool | None = None
    changed_since_ns: int | None = None

    def active(self) -> set[str]:
        return {k for k, v in self.__dict__.items() if v is not None and v != ""}

    def split(self, provinces: ProvinceMap | None = None,
              years: tuple[int, int] = (1900, 2200)) -> tuple[list[str], list[str], list[Any]]:
        """For a full-text search: the filters as tag tokens to AND with the query (the full-text
        index then narrows by itself), and the SQL conditions left for what tags do not say
        exactly (issuer words, date ranges, periods, change time, the later side of a merger)."""
        tags: list[str] = []
        rest = Filters(issuer=self.issuer, issued_from=self.issued_from, issued_to=self.issued_to,
                       period_from=self.period_from, period_to=self.period_to, changed_since_ns=self.changed_since_ns)
        if self.kind:
            tags.append(tag("kind", key_of(self.kind)))
        if self.number:
            tags.append(tag("number", number_key(self.number)))
        if self.province:
            match = province_match(self.province, provinces or default_map())
            tags.append(_any_tag([tag("province", k) for k in (*match.keys, *match.later_keys)]))
            if match.later_keys:
                rest.province = self.province
        if self.target_year is not None:
            tags.append(tag("target_year", self.target_year))
        if self.has_quotas is not None:
            tags.append(tag("has_quotas", bool(self.has_quotas)))
        if self.cites:
            tags.append(tag("cites", number_key(self.cites)))
        if self.status:
            tags.append(tag("status", self.status))
        if self.needs_review is not None:
            tags.append(tag("needs_review", bool(self.needs_review)))
        if self.reviewed is not None:
            tags.append(tag("reviewed", bool(self.reviewed)))
        if self.issued_from or self.issued_to:
            # ``years``: the issue years in the index, bounds of an open range
            first = max(int(self.issued_from[:4]) if self.issued_from else years[0], years[0])
            last = min(int(self.issued_to[:4]) if self.issued_to else years[1], years[1])
            if last < first:
                tags.append(tag("issued_year", "none"))
            elif last - first < YEAR_TAGS_SPAN:
                tags.append(_any_tag([tag("issued_year", y) for y in range(first, last + 1)]))
                whole = (not self.issued_from or self.issued_from[4:] == "-01-01") and \
                        (not self.issued_to or self.issued_to[4:] == "-12-31")
                if whole:  # whole years: the tags say it exactly
                    rest.issued_from = rest.issued_to = None
        clauses, args = rest.where(provinces)
        return tags, clauses, args

    def where(self, provinces: ProvinceMap | None = None, correlated: bool = False) -> tuple[list[str], list[Any]]:
        """SQL conditions on ``records r`` and their arguments; ``correlated``: the targets and
        citations conditions checked row by row (for a walk along an index that stops early)
        rather than as one set built first."""
        clauses: list[str] = []
        args: list[Any] = []
        if self.kind:
            clauses.append("r.kind_key = ?")
            args.append(key_of(self.kind))
        if self.number:
            clauses.append("r.number_key = ?")
            args.append(number_key(self.number))
        if self.issuer:
            words = key_of(self.issuer)
            if not words:  # nothing searchable ("_", "%"): no issuer has it
                clauses.append("0")
            else:
                # issuers are few: match the distinct names (whole words), then use the (issuer_key, issued_on) index
                clauses.append("r.issuer_key IN (SELECT issuer_key FROM issuers WHERE ' ' || issuer_key || ' ' "
                               "LIKE ? ESCAPE '\\')")
                args.append(f"% {_escape_like(words)} %")
        if self.province:
            match = province_match(self.province, provinces or default_map())
            marks = ",".join("?" * len(match.keys))
            condition = f"r.province_key IN ({marks})"
            args.extend(match.keys)
            if match.later_keys:
                later = ",".join("?" * len(match.later_keys))
                condition = f"({condition} OR (r.province_key IN ({later}) AND r.issued_on >= ?))"
                args.extend([*match.later_keys, match.since])
            clauses.append(condition)
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
            clauses.append("EXISTS (SELECT 1 FROM targets t WHERE t.rec = r.rowid AND t.year = ?)" if correlated
                           else "r.rowid IN (SELECT rec FROM targets WHERE year = ?)")
            args.append(self.target_year)
        if self.has_quotas is not None:
            clauses.append("r.has_quotas = ?")
            args.append(1 if self.has_quotas else 0)
        if self.cites:
            clauses.append("EXISTS (SELECT 1 FROM citations c WHERE c.rec = r.rowid AND c.number_key = ?)" if correlated
                           else "r.rowid IN (SELECT rec FROM citations WHERE number_key = ?)")
            args.append(number_key(self.cites))
        if self.status:
            clauses.append("r.status = ?")
            args.append(self.status)
        if self.needs_review is not None:
            clauses.append("r.review_reasons > 0" if self.needs_review else "r.review_reasons = 0")
        if self.reviewed is not None:
            clauses.append("r.reviewed = ?")
            args.append(1 if self.reviewed else 0)
        if self.changed_since_ns is not None:
            clauses.append("r.mtime_ns >= ?")
            args.append(self.changed_since_ns)
        return clauses, args


@dataclass
class Hit:
    """A record found: its catalog line (``entry``) and how it was found. The line's fields
    read as attributes (``hit.filename``, ``hit.kind``...)."""

    entry: dict[str, Any]
    changed_at: str
    exact: bool = False
    match: str | None = None
    snippet: str | None = None
    relation: str | None = None

    def __getattr__(self, name: str) -> Any:
        if name == "entry":
            raise AttributeError(name)
        try:
            return self.entry[name]
        except KeyError:
            raise AttributeError(name) from None

    def to_dict(self) -> dict[str, Any]:
        return {**self.entry, "changed_at": self.changed_at, "exact": self.exact, "match": self.match,
                "snippet": self.snippet, "relation": self.relation}


@dataclass
class Page:
    """A page of hits. ``total`` counts the matches exactly up to :data:`TOTAL_LIMIT`; past it,
    ``total`` is that limit and ``total_exact`` is false (pages stop there anyway)."""

    total: int
    hits: list[Hit] = field(default_factory=list)
    total_exact: bool = True

    @classmethod
    def counted(cls, count: int, hits: list[Hit] | None = None) -> "Page":
        """A page from a count made with :data:`TOTAL_LIMIT` + 1 as its cap."""
        return cls(min(count, TOTAL_LIMIT), hits or [], count <= TOTAL_LIMIT)


def _facts(record: dict[str, Any]) -> str:
    movement = record.get("movement") or {}
    return "\n".join([*(t.get("indicator") or "" for t in record.get("targets") or []),
                      *(c.get("text") or "" for c in record.get("criteria") or []),
                      movement.get("name") or "", movement.get("slogan") or ""])


def _tags(record: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    """The filter tokens of a record (see :meth:`Filters.split`)."""
    doc = record.get("document") or {}
    out = [tag("status", record.get("status")), tag("has_quotas", bool(record.get("reward_quotas"))),
           tag("needs_review", bool(entry["needs_review"])), tag("reviewed", bool(entry["reviewed"]))]
    if doc.get("kind"):
        out.append(tag("kind", key_of(doc["kind"])))
    if doc.get("province"):
        out.append(tag("province", key_of(doc["province"])))
    if doc.get("number"):
        out.append(tag("number", number_key(doc["number"])))
    if doc.get("issued_on"):
        out.append(tag("issued_year", int(doc["issued_on"][:4])))
    out += [tag("target_year", y) for y in sorted({t.get("year") for t in record.get("targets") or []} - {None})]
    out += [tag("cites", k) for k in sorted({number_key(r["number"]) for r in record.get("references") or []})]
    return out


def _meta(doc: dict[str, Any]) -> str:
    return "\n".join([doc.get("issuer") or "", doc.get("province") or "", doc.get("number") or ""])


class CatalogIndex:
    """The SQLite index of one output folder's records (``readonly``: a connection that only reads)."""

    def __init__(self, path: Path, *, readonly: bool = False, provinces: ProvinceMap | None = None) -> None:
        self.path = path
        self.readonly = readonly
        self.provinces = provinces or default_map()
        if readonly:
            self.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            self.db.execute("PRAGMA query_only = 1")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, INDEX_VERSION):  # built by another version: rebuild from the records
            with self.db:
                for table in ("fts", "xfts", "citations", "targets", "issuers", "texts", "sources", "entries", "records"):
                    self.db.execute(f"DROP TABLE IF EXISTS {table}")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # -- building --------------------------------------------------------------------------
    def add(self, record: dict[str, Any], record_path: str, mtime_ns: int = 0) -> None:
        """Index one record (replacing whatever was indexed at ``record_path``)."""
        from ..publish.catalog import catalog_entry

        doc = record.get("document") or {}
        period = record.get("period") or {}
        rid = record["record_id"]
        self.remove_path(record_path)
        self._remove(rid)
        entry = catalog_entry(record, record_path, check=False)
        cur = self.db.execute(
            "INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (rid, record["source"]["filename"], record_path, mtime_ns, record["status"], doc.get("kind"),
             key_of(doc.get("kind")), doc.get("number"), number_key(doc.get("number") or "") or None,
             doc.get("issuer"), key_of(doc.get("issuer")), doc.get("province"), key_of(doc.get("province")),
             doc.get("issued_on"), period.get("start_year"), period.get("end_year"), doc.get("title"),
             1 if record.get("reward_quotas") else 0, len(entry["needs_review"]), 1 if entry["reviewed"] else 0))
        rec = cur.lastrowid
        self.db.execute("INSERT INTO entries VALUES (?, ?)", (rec, json.dumps(entry, ensure_ascii=False)))
        columns = (" ".join(x for x in (doc.get("kind"), doc.get("title")) if x), record.get("text") or "",
                   _facts(record), _meta(doc), " ".join(_tags(record, entry)))
        self.db.execute("INSERT INTO sources VALUES (?,?,?,?,?,?)", (rec, *columns))
        self._fts("", rec, columns)
        self.db.executemany("INSERT INTO targets VALUES (?,?,?,?,?)",
                            [(rec, t.get("year"), t.get("value"), t.get("unit"), t.get("indicator"))
                             for t in record.get("targets") or []])
        self.db.executemany("INSERT INTO citations VALUES (?,?,?,?,?,?)",
                            [(rec, r["number"], number_key(r["number"]), r.get("kind"), r.get("issued_on"), r.get("relation"))
                             for r in record.get("references") or []])
        self.db.execute("INSERT OR IGNORE INTO issuers VALUES (?)", (key_of(doc.get("issuer")),))

    def _fts(self, command: str, rec: int, columns: tuple[str, ...]) -> None:
        """Insert (``command`` "") or delete (``"delete"``) the full-text rows of ``rec``: contentless
        tables are told the very values they indexed, recomputed from ``sources``."""
        for table, form in (("fts", fold), ("xfts", exact_form)):
            values = (*(form(c) for c in columns[:-1]), columns[-1])  # tags as they are
            if command:
                self.db.execute(f"INSERT INTO {table}({table}, rowid, head, body, facts, meta, tags) "
                                "VALUES (?,?,?,?,?,?,?)", (command, rec, *values))
            else:
                self.db.execute(f"INSERT INTO {table}(rowid, head, body, facts, meta, tags) VALUES (?,?,?,?,?,?)",
                                (rec, *values))

    def _remove(self, rid: str) -> None:
        row = self.db.execute("SELECT rowid FROM records WHERE record_id = ?", (rid,)).fetchone()
        if row is None:
            return
        rec = row[0]
        src = self.db.execute("SELECT head, body, facts, meta, tags FROM sources WHERE rec = ?", (rec,)).fetchone()
        if src is not None:
            self._fts("delete", rec, tuple(src))
        for table, key in (("records", "rowid"), ("entries", "rec"), ("sources", "rec"), ("targets", "rec"),
                           ("citations", "rec")):
            self.db.execute(f"DELETE FROM {table} WHERE {key} = ?", (rec,))

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
                try:
                    mtime = path.stat().st_mtime_ns
                except OSError:  # removed meanwhile
                    continue
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
        if added or removed:
            self.db.execute("PRAGMA optimize")
        return {"indexed": added, "removed": len(removed), "total": self.count()}

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    # -- querying --------------------------------------------------------------------------
    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """The statements inside read one state of the index, whatever a writer commits meanwhile."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN")
        try:
            yield
        finally:
            self.db.execute("COMMIT")

    def _years(self, flt: Filters) -> tuple[int, int]:
        """The first and last issue years in the index (when an issue date filter needs them)."""
        if not (flt.issued_from or flt.issued_to):
            return (1900, 2200)
        # two statements: SQLite reads one end of the index for a lone MIN or MAX, not for both
        low = self.db.execute("SELECT MIN(issued_on) FROM records").fetchone()[0]
        high = self.db.execute("SELECT MAX(issued_on) FROM records").fetchone()[0]
        return (int(low[:4]), int(high[:4])) if low and high else (1900, 1899)

    def _hits(self, rowids: list[int]) -> dict[int, Hit]:
        if not rowids:
            return {}
        marks = ",".join("?" * len(rowids))
        rows = self.db.execute(f"SELECT r.rowid, e.entry, r.mtime_ns FROM records r JOIN entries e ON e.rec = r.rowid "
                               f"WHERE r.rowid IN ({marks})", rowids)
        return {rec: Hit(json.loads(entry), changed_at(mtime)) for rec, entry, mtime in rows}

    def search(self, query: str | Query = "", filters: Filters | None = None, limit: int = 20, offset: int = 0,
               order: str | None = None, snippets: bool = True) -> Page:
        """Full-text search (if ``query``) within the filters, ranked as the module docstring says;
        ``order`` "newest" (issue date) or "changed" (oldest change first) instead of relevance;
        ``snippets`` false leaves them out (an export does not show them)."""
        with self.snapshot():
            page = self._search(query, filters, limit, offset, order, snippets)
        return page

    def _search(self, query: str | Query, filters: Filters | None, limit: int, offset: int,
                order: str | None, snippets: bool = True) -> Page:
        q = parse_query(query) if isinstance(query, str) else query
        flt = filters or Filters()
        if q.empty or order in ("newest", "changed"):
            return self._listing(q, flt, limit, offset, order or "newest", snippets)
        tags, clauses, args = flt.split(self.provinces, self._years(flt))
        narrow = "".join(f" AND {t}" for t in tags)
        loose = f"({q.fts(LOOSE)}){narrow}"
        total = self._count(clauses, args, "fts", loose)
        window = offset + limit
        groups = [(level, exact) for level in q.levels() for exact in ((True, False) if q.accented else (False,))]
        ranked: list[tuple[int, str, bool]] = []
        seen: set[int] = set()
        # Few matches: score them all once (BM25 of the words), then sort each group by that score.
        scores = self._scores(clauses, args, loose) if 0 < total <= BM25_LIMIT else None
        for level, exact in groups:
            need = window - len(ranked)
            if need <= 0 or len(ranked) >= total:
                break
            table = "xfts" if exact else "fts"
            expr = f"({q.fts(level, exact)}){narrow}"
            if scores is not None:
                members = scores if (level, exact) == (LOOSE, False) else self._members(clauses, args, table, expr)
                order = sorted((r for r in members if r not in seen), key=lambda r: (scores.get(r, 0.0), -r))
            else:  # many: the most recently indexed first, read until the page is full
                order = self._newest(clauses, args, table, expr, need + len(seen))
            for rec in order:
                if rec not in seen and len(ranked) < window:
                    seen.add(rec)
                    ranked.append((rec, level, exact))
        page = ranked[offset:window]
        hits = self._hits([rec for rec, _, _ in page])
        texts = dict(self.db.execute(f"SELECT rec, body FROM sources WHERE rec IN ({','.join('?' * len(page))})",
                                     [rec for rec, _, _ in page])) if page and snippets else {}
        out = []
        for rec, level, exact in page:
            hit = hits[rec]
            hit.exact, hit.match = exact, MATCH_NAMES[level]
            if snippets:
                hit.snippet = snippet(texts.get(rec) or "", q.units[level], exact) or \
                    snippet(hit.entry.get("title") or "", q.units[level], exact)
            out.append(hit)
        return Page.counted(total, out)

    def _count(self, clauses: list[str], args: list[Any], table: str, expr: str) -> int:
        """How many records match ``expr`` (the filter tags in it) and the SQL conditions left,
        counted up to :data:`TOTAL_LIMIT` + 1."""
        join, where = self._from(clauses, table)
        return self.db.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table}{join} WHERE {table} MATCH ?{where} LIMIT ?)",
                               [expr, *args, TOTAL_LIMIT + 1]).fetchone()[0]

    def _from(self, clauses: list[str], table: str) -> tuple[str, str]:
        join = f" CROSS JOIN records r ON r.rowid = {table}.rowid" if clauses else ""
        return join, "".join(f" AND {c}" for c in clauses)

    def _scores(self, clauses: list[str], args: list[Any], expr: str) -> dict[int, float]:
        """BM25 (lower is better) of every record matching ``expr`` in the folded index."""
        join, where = self._from(clauses, "fts")
        sql = f"SELECT fts.rowid, bm25(fts, {', '.join(map(str, WEIGHTS))}) FROM fts{join} WHERE fts MATCH ?{where}"
        return dict(self.db.execute(sql, [expr, *args]))

    def _members(self, clauses: list[str], args: list[Any], table: str, expr: str) -> set[int]:
        join, where = self._from(clauses, table)
        sql = f"SELECT {table}.rowid FROM {table}{join} WHERE {table} MATCH ?{where}"
        return {r for (r,) in self.db.execute(sql, [expr, *args])}

    def _newest(self, clauses: list[str], args: list[Any], table: str, expr: str, n: int) -> list[int]:
        join, where = self._from(clauses, table)
        sql = f"SELECT {table}.rowid FROM {table}{join} WHERE {table} MATCH ?{where} ORDER BY {table}.rowid DESC LIMIT ?"
        return [r for (r,) in self.db.execute(sql, [expr, *args, n])]

    def _listing(self, q: Query, flt: Filters, limit: int, offset: int, order: str, snippets: bool = True) -> Page:
        """Records in the filters (and matching ``q`` if any), newest first or by change."""
        tags, rest, rest_args = flt.split(self.provinces, self._years(flt))
        if not q.empty:
            total = self._count(rest, rest_args, "fts", "".join([f"({q.fts(LOOSE)})", *(f" AND {t}" for t in tags)]))
        elif tags and not rest:  # the filters are all tags: count them in the full-text index
            total = self._count([], [], "fts", " AND ".join(tags))
        else:
            clauses, args = flt.where(self.provinces)
            total = self.db.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM records r {'WHERE ' if clauses else ''}"
                                    f"{' AND '.join(clauses)} LIMIT ?)", [*args, TOTAL_LIMIT + 1]).fetchone()[0]
        if total == 0 or offset >= total:
            return Page.counted(total)
        # Many matches: walk the index of the order and stop after the page (about
        # (offset + limit) * records / total rows read). Few: let SQLite pick the filter's index and sort.
        records = self.db.execute("SELECT COALESCE(MAX(rowid), 0) FROM records").fetchone()[0]
        walk = bool(flt.active()) and not flt.number and (offset + limit) * records < total * total
        clauses, args = flt.where(self.provinces, correlated=walk)
        if not q.empty:
            clauses.append("r.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
            args.append(q.fts(LOOSE))
        sql_where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        by = "r.mtime_ns, r.rowid" if order == "changed" else "r.issued_on DESC, r.rowid DESC"
        indexed = ("INDEXED BY records_changed" if order == "changed" else "INDEXED BY records_issued") if walk else ""
        rows = self.db.execute(f"SELECT r.rowid FROM records r {indexed} {sql_where} ORDER BY {by} LIMIT ? OFFSET ?",
                               [*args, limit, offset]).fetchall()
        hits = self._hits([r for (r,) in rows])
        page = [hits[r] for (r,) in rows]
        if not q.empty:
            texts = dict(self.db.execute(f"SELECT rec, body FROM sources WHERE rec IN ({','.join('?' * len(rows))})",
                                         [r for (r,) in rows])) if rows and snippets else {}
            for (r,), hit in zip(rows, page):
                hit.match = MATCH_NAMES[LOOSE]
                if snippets:
                    hit.snippet = snippet(texts.get(r) or "", q.units[LOOSE])
        return Page.counted(total, page)

    def cited_by(self, number: str, limit: int = 50, offset: int = 0) -> Page:
        """Records that cite (implement, build on...) the document ``number``."""
        with self.snapshot():
            return self._cited_by(number, limit, offset)

    def _cited_by(self, number: str, limit: int, offset: int) -> Page:
        key = number_key(number)
        total = self.db.execute("SELECT COUNT(DISTINCT rec) FROM citations WHERE number_key = ?", (key,)).fetchone()[0]
        rows = self.db.execute(
            "SELECT r.rowid, c.relation FROM citations c JOIN records r ON r.rowid = c.rec "
            "WHERE c.number_key = ? GROUP BY r.rowid ORDER BY r.issued_on, r.filename LIMIT ? OFFSET ?",
            (key, limit, offset)).fetchall()
        hits = self._hits([r for r, _ in rows])
        out = []
        for rec, relation in rows:
            hit = hits[rec]
            hit.relation = relation
            out.append(hit)
        return Page(total, out)

    def cites(self, record_id: str) -> list[dict[str, Any]]:
        """What a record cites, with the record id of each cited document when it is in the catalog."""
        rows = self.db.execute(
            "SELECT c.number, c.kind, c.issued_on, c.relation, "
            "(SELECT r.record_id FROM records r WHERE r.number_key = c.number_key LIMIT 1) "
            "FROM citations c WHERE c.rec = (SELECT rowid FROM records WHERE record_id = ?) ORDER BY c.rowid",
            (record_id,)).fetchall()
        return [dict(zip(("number", "kind", "issued_on", "relation", "record_id"), r)) for r in rows]

    def get(self, record_id: str) -> Hit | None:
        with self.snapshot():
            row = self.db.execute("SELECT rowid FROM records WHERE record_id = ?", (record_id,)).fetchone()
            return self._hits([row[0]]).get(row[0]) if row else None


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


def open_index(out_dir: Path, sync: bool = True, provinces: ProvinceMap | None = None) -> CatalogIndex:
    index = CatalogIndex(out_dir / INDEX_NAME, provinces=provinces)
    if sync:
        index.sync(out_dir)
    return index


def iter_records(out_dir: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted((out_dir / "records").glob("*.json")):
        yield f"records/{path.name}", json.loads(path.read_text(encoding="utf-8"))


__all__: Iterable[str] = ["CatalogIndex", "Filters", "Hit", "Page", "SNIPPET_CHARS", "fold", "key_of", "number_key",
                          "open_index", "snippet"]
