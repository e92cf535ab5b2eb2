"""Search queries: parsed once, rendered as SQLite FTS5 expressions at three strictness levels.

The query language::

    hop tac xa                words: a run of syllables, matched as a phrase first (see below)
    "kinh te tap the"         a quoted phrase: those syllables next to each other, always
    37-CT/TW                  a word with inner punctuation is a phrase of its parts
    chuyen*   "chuyen doi"*   prefix: the last syllable may continue
    a AND b   a b             both (AND is implicit)
    a OR b                    either
    a NOT b                   a, but not b (NOT needs something before it)
    ( ... )                   grouping

Operators are upper case; anything else is searched for. Vietnamese words are several
syllables ("hợp tác xã", "chuyển đổi số"), and a run of bare syllables is meant as words, so
every run is rendered three ways: :data:`STRICT` (the syllables adjacent, in order: a phrase),
:data:`NEAR` (within a few tokens of each other) and :data:`LOOSE` (anywhere in the record).
The index ranks the strict matches first, then the near ones, then the rest.

Every token is quoted in the expression, so nothing a user types is read as FTS5 syntax.
Each expression exists in two forms: folded (no diacritics, for the folded index) and exact
(with the diacritics as typed, for the exact index); :attr:`Query.accented` says whether the
query was typed with diacritics at all, which is when exact matches are preferred.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import PipelineError
from ..lang.syllables import has_diacritics
from .folding import TOKEN, exact_form, fold

#: Longest accepted query, in characters.
MAX_QUERY_CHARS = 500
#: Most accepted tokens (syllables, numbers) in one query.
MAX_TERMS = 32
#: Deepest accepted nesting of parentheses.
MAX_DEPTH = 8
#: Shortest prefix (characters) a ``*`` may follow: shorter ones match most of the vocabulary.
MIN_PREFIX = 2
#: Tokens that may come between two syllables of a run at the NEAR level ("chuyển đổi số tỉnh Đồng
#: Nai" for ``chuyen doi so dong nai``); more would let unrelated words pass for a compound.
NEAR_DISTANCE = 2

STRICT, NEAR, LOOSE = "strict", "near", "loose"
LEVELS = (STRICT, NEAR, LOOSE)
OPERATORS = ("AND", "OR", "NOT")


class QueryError(PipelineError):
    """A search query that cannot be run (too long, too many terms, malformed)."""

    code = "query_invalid"
    stage = "search"
    hint = ("Use words, \"quoted phrases\", a trailing * for a prefix, AND, OR, NOT and parentheses; "
            f"at most {MAX_QUERY_CHARS} characters and {MAX_TERMS} words.")


@dataclass(frozen=True)
class Term:
    """One token in both forms; ``prefix`` when it may continue."""

    folded: str
    exact: str
    prefix: bool = False

    def fts(self, exact: bool) -> str:
        return f'"{self.exact if exact else self.folded}"' + ("*" if self.prefix else "")


@dataclass(frozen=True)
class Phrase:
    """Tokens that must be adjacent, in order (a quoted phrase, or a word like ``37-CT/TW``)."""

    terms: tuple[Term, ...]

    def render(self, level: str, exact: bool) -> str:
        return " + ".join(t.fts(exact) for t in self.terms)


@dataclass(frozen=True)
class Run:
    """Bare syllables typed one after the other: a phrase when strict, near each other, or anywhere."""

    terms: tuple[Term, ...]

    def render(self, level: str, exact: bool) -> str:
        parts = [t.fts(exact) for t in self.terms]
        if len(parts) == 1:
            return parts[0]
        if level == STRICT:
            return " + ".join(parts)
        if level == NEAR:
            return f"NEAR({' '.join(parts)}, {NEAR_DISTANCE * (len(parts) - 1)})"
        return "(" + " AND ".join(parts) + ")"


@dataclass(frozen=True)
class All:
    """Every positive part, and none of the negative ones."""

    parts: tuple[object, ...]
    negated: tuple[object, ...] = ()

    def render(self, level: str, exact: bool) -> str:
        out = " AND ".join(_group(p.render(level, exact)) for p in self.parts)  # type: ignore[attr-defined]
        for n in self.negated:
            out = f"({out}) NOT {_group(n.render(level, exact))}"  # type: ignore[attr-defined]
        return out


@dataclass(frozen=True)
class Any_:
    """At least one of the parts."""

    parts: tuple[object, ...]

    def render(self, level: str, exact: bool) -> str:
        return " OR ".join(_group(p.render(level, exact)) for p in self.parts)  # type: ignore[attr-defined]


def _group(expr: str) -> str:
    return expr if re.fullmatch(r'"[^"]*"\*?', expr) else f"({expr})"


@dataclass(frozen=True)
class Unit:
    """Something a snippet marks: the tokens of a phrase (one token for a word), both forms."""

    folded: tuple[str, ...]
    exact: tuple[str, ...]
    prefix: bool = False


@dataclass
class Query:
    """A parsed query. ``root`` is None when the query holds no searchable token."""

    text: str
    root: object | None
    accented: bool
    terms: int
    #: What snippets mark at each level: runs as whole phrases when strict, as syllables otherwise.
    units: dict[str, list[Unit]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.root is None

    def fts(self, level: str, exact: bool = False) -> str:
        """The FTS5 expression of this query at ``level`` (:data:`STRICT`, :data:`NEAR`, :data:`LOOSE`)."""
        assert self.root is not None
        return self.root.render(level, exact)  # type: ignore[attr-defined]

    def levels(self) -> tuple[str, ...]:
        """The distinct strictness levels of this query: only :data:`LOOSE` when it holds no
        phrase and no run of several syllables (single words match the same way at every level)."""
        if not _has_phrase(self.root):
            return (LOOSE,)
        seen: dict[str, str] = {}
        for level in LEVELS:
            seen.setdefault(self.fts(level), level)
        return tuple(seen.values())


# -- parsing --------------------------------------------------------------------------------
_LEX = re.compile(r'\s*(?:(?P<quote>"[^"]*"?\*?)|(?P<open>\()|(?P<close>\))|(?P<bare>[^\s()"]+))')


def _lex(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _LEX.match(text, pos)
        if m is None or m.end() == pos:
            break
        pos = m.end()
        kind = m.lastgroup
        if kind is not None:
            out.append((kind, m.group(kind)))
    return out


def _terms_of(chunk: str, prefix: bool) -> tuple[Term, ...]:
    folded, exact = TOKEN.findall(fold(chunk)), TOKEN.findall(exact_form(chunk))
    if len(folded) != len(exact):  # cannot happen (one character for one), but never misalign
        exact = folded
    terms = [Term(f, e) for f, e in zip(folded, exact)]
    if prefix and terms:
        last = terms[-1]
        if len(last.folded) < MIN_PREFIX and len(terms) == 1:  # within a phrase the words before narrow it
            raise QueryError(f"a prefix needs at least {MIN_PREFIX} characters before '*': {chunk!r}")
        terms[-1] = Term(last.folded, last.exact, True)
    return tuple(terms)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.i, self.count = tokens, 0, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> object | None:
        node = self.any_(0)
        if self.peek() is not None:  # a stray ")"
            raise QueryError("unbalanced parenthesis in the query")
        return node

    def any_(self, depth: int) -> object | None:
        parts = []
        node = self.all_(depth)
        if node is not None:
            parts.append(node)
        while self.peek() == ("bare", "OR"):
            self.take()
            node = self.all_(depth)
            if node is not None:
                parts.append(node)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else Any_(tuple(parts))

    def all_(self, depth: int) -> object | None:
        parts: list[object] = []
        negated: list[object] = []
        run: list[Term] = []

        def flush() -> None:
            if run:
                parts.append(Run(tuple(run)))
                run.clear()

        while True:
            tok = self.peek()
            if tok is None or tok == ("close", ")") or tok == ("bare", "OR"):
                break
            if tok == ("bare", "AND"):
                self.take()
                flush()
                continue
            negate = False
            if tok == ("bare", "NOT"):
                self.take()
                flush()
                negate = True
                tok = self.peek()
                if tok is None or tok in (("close", ")"), ("bare", "OR"), ("bare", "AND"), ("bare", "NOT")):
                    raise QueryError("NOT must be followed by what to exclude")
            kind, value = self.take()
            node: object | None
            if kind == "open":
                if depth >= MAX_DEPTH:
                    raise QueryError(f"parentheses nested deeper than {MAX_DEPTH}")
                flush()
                node = self.any_(depth + 1)
                if self.peek() != ("close", ")"):
                    raise QueryError("unbalanced parenthesis in the query")
                self.take()
            elif kind == "close":
                raise QueryError("unbalanced parenthesis in the query")
            elif kind == "quote":
                flush()
                prefix = value.endswith("*")
                body = value.rstrip("*").strip('"')
                terms = self.count_terms(_terms_of(body, prefix))
                node = (Run(terms) if len(terms) == 1 else Phrase(terms)) if terms else None
            else:
                prefix = value.endswith("*")
                terms = self.count_terms(_terms_of(value.rstrip("*"), prefix))
                if len(terms) == 1 and not negate:
                    run.append(terms[0])
                    continue
                flush()
                node = (Run(terms) if len(terms) == 1 else Phrase(terms)) if terms else None
            if node is None:
                continue
            (negated if negate else parts).append(node)
        flush()
        if negated and not parts:
            raise QueryError("a query cannot only exclude: say what to find before NOT")
        if not parts:
            return None
        if len(parts) == 1 and not negated:
            return parts[0]
        return All(tuple(parts), tuple(negated))

    def count_terms(self, terms: tuple[Term, ...]) -> tuple[Term, ...]:
        self.count += len(terms)
        if self.count > MAX_TERMS:
            raise QueryError(f"the query has more than {MAX_TERMS} words")
        return terms


def _has_phrase(node: object | None) -> bool:
    if isinstance(node, (Any_, All)):
        return any(_has_phrase(p) for p in node.parts)
    return isinstance(node, Phrase) or (isinstance(node, Run) and len(node.terms) > 1)


def _units(node: object | None, level: str, negated: bool = False) -> list[Unit]:
    """What to mark in a snippet: positive phrases and words (runs as phrases at the strict level)."""
    if node is None or negated:
        return []
    if isinstance(node, Any_):
        return [u for p in node.parts for u in _units(p, level)]
    if isinstance(node, All):
        return [u for p in node.parts for u in _units(p, level)]
    if isinstance(node, Phrase) or (isinstance(node, Run) and level == STRICT):
        terms = node.terms  # type: ignore[attr-defined]
        return [Unit(tuple(t.folded for t in terms), tuple(t.exact for t in terms), terms[-1].prefix)]
    if isinstance(node, Run):
        return [Unit((t.folded,), (t.exact,), t.prefix) for t in node.terms]
    return []


def parse_query(text: str | None) -> Query:
    """Parse ``text``; raise :class:`QueryError` when it is too long, has too many words or is malformed."""
    text = text or ""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    parser = _Parser(_lex(text))
    root = parser.parse()
    query = Query(text=text, root=root, accented=has_diacritics(text), terms=parser.count)
    if root is not None:
        query.units = {level: _units(root, level) for level in LEVELS}
    return query
