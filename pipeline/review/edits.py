"""Reviewer actions on a published record, each stored as one correction (RFC 6902 patch).

A form in the review workbench (or any program) asks for a change of the record as it saw it:
set a value, remove a list item, add an item grounded in a span of the text. :func:`submit`
takes the record lock, refuses the change if the record file is no longer the version the
form was made from (:class:`StaleRecord`: the record was re-processed, corrected by someone
else or edited by hand meanwhile; nothing is merged silently), captures a pending hand edit
first, checks the changed record (schema, evidence quotes, fields the pipeline owns), stores
the difference as a new active correction in ``OUT/corrections/<name>.json`` and publishes the
record again: exactly the path a hand edit of the record file takes with ``review sync``.

Form values arrive as text; :func:`coerce` turns them into the JSON type the record schema
allows at that place (Vietnamese numbers included: ``14.000`` is fourteen thousand, ``6,5`` six
and a half), and every problem names the field, the value and what is allowed there
(:func:`allowed`).

The version of a record is the sha256 of its file's bytes (:func:`version_of`), also sent as
the HTTP ``ETag`` of the record view.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from ..record.schema import RECORD_SCHEMA, SCHEMA_DIR
from ..publish.storage import write_json_atomic
from .corrections import (
    RecordFiles,
    _next_id,
    _now,
    default_author,
    edit_problems,
    key_of,
    load_corrections,
    record_lock,
    republish,
    strip_review,
    sync_record,
)
from .errors import InvalidEdit, Problem, ReviewError
from .patch import json_path, make_patch, make_pointer, parse_pointer, resolve

WORKBENCH_NOTE = "made in the review workbench"
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")


class StaleRecord(ReviewError):
    """The record changed since the form was opened; the change was not applied."""

    code = "stale_record"
    hint = "Reload the record to see its current values, then make the change again."

    def __init__(self, name: str, expected: str, found: str | None) -> None:
        super().__init__(f"{name} changed since this form was opened (it was re-processed, corrected by "
                         "someone else or edited by hand meanwhile); your change was not applied.")
        self.name, self.expected, self.found = name, expected, found


@dataclass
class Submitted:
    """The outcome of :func:`submit`: the new correction (None if nothing changed), the record
    as published now and its version."""

    correction: dict[str, Any] | None
    record: dict[str, Any]
    version: str


# -- versions ---------------------------------------------------------------------------------
def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def current_version(out_dir: Path, name: str) -> str | None:
    try:
        return version_of(RecordFiles(Path(out_dir), key_of(name)).published.read_bytes())
    except FileNotFoundError:
        return None


# -- the schema at a path ---------------------------------------------------------------------
@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / RECORD_SCHEMA).read_text(encoding="utf-8"))


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        node = _schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _branches(node: dict[str, Any]) -> list[dict[str, Any]]:
    node = _deref(node)
    alternatives = node.get("oneOf") or node.get("anyOf")
    if alternatives:
        return [b for alt in alternatives for b in _branches(alt)]
    return [node]


def schema_at(tokens: list[str]) -> list[dict[str, Any]]:
    """The schema alternatives that apply at a place in a record (given as pointer tokens);
    empty if the schema has no such place."""
    nodes = [_schema()]
    for token in tokens:
        found = []
        for node in nodes:
            for branch in _branches(node):
                if token in branch.get("properties", {}):
                    found.append(branch["properties"][token])
                elif isinstance(branch.get("additionalProperties"), dict) and branch.get("type") == "object":
                    found.append(branch["additionalProperties"])
                elif "items" in branch and (token.isdigit() or token == "-"):
                    found.append(branch["items"])
        nodes = found
    return [b for node in nodes for b in _branches(node)]


def _types(branches: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for b in branches:
        t = b.get("type")
        out.update([t] if isinstance(t, str) else t or [])
        if "enum" in b:
            out.update("null" if v is None else type(v).__name__.replace("str", "string") for v in b["enum"])
    return out


def allowed(branches: list[dict[str, Any]], none: str = "empty for none") -> str:
    """What the schema allows at a place, for people: ``a whole number from 1900 to 2200, or empty
    for none`` (``none`` names the empty value: a form's empty field, or ``null`` in a file)."""
    parts = []
    nullable = False
    for b in branches:
        if "enum" in b:
            values = [v for v in b["enum"] if v is not None]
            nullable |= None in b["enum"]
            parts.append("one of " + ", ".join(map(str, values)))
            continue
        types = [b["type"]] if isinstance(b.get("type"), str) else list(b.get("type") or [])
        nullable |= "null" in types
        for t in types:
            if t == "null":
                continue
            if t in ("integer", "number"):
                text = "a whole number" if t == "integer" else "a number (6,5 or 14.000 as written in Vietnamese)"
                low, high = b.get("minimum"), b.get("maximum")
                if low is not None and high is not None:
                    text += f" from {low} to {high}"
                elif low is not None:
                    text += f" of at least {low}"
                parts.append(text)
            elif t == "string":
                pattern = b.get("pattern", "")
                if "[0-9]{4}-[0-9]{2}-[0-9]{2}" in pattern and "(-" not in pattern:
                    parts.append("a date YYYY-MM-DD" + (" or --MM-DD (every year)" if "--" in pattern else ""))
                elif pattern.startswith("^[0-9]{4}(-"):
                    parts.append("a date YYYY, YYYY-MM or YYYY-MM-DD")
                else:
                    parts.append("text" + (" (not empty)" if b.get("minLength") else ""))
            elif t == "boolean":
                parts.append("true or false")
            elif t == "array":
                parts.append("a list (one item per line)")
            elif t == "object":
                parts.append("an object")
    text = "; or ".join(dict.fromkeys(parts)) or "nothing (not a field of the record)"
    return text + (f", or {none}" if nullable else "")


def _path_tokens(path: str) -> list[str]:
    """Pointer tokens of a ``$.a[0].b`` path or a ``/a/0/b`` pointer."""
    if path.startswith("/") or path == "":
        return parse_pointer(path)
    return [k or i for k, i in re.findall(r"\.([^.\[\]]+)|\[(\d+)\]", path[1:])]


def explain(path: str, message: str, value: Any = None, show_value: bool = True) -> str:
    """A schema problem at ``path`` rephrased: the field, the value and what is allowed."""
    branches = schema_at(_path_tokens(path))
    if not branches or "quote does not match" in message or not show_value:
        return message
    return f"{json.dumps(value, ensure_ascii=False)} is not allowed here; allowed: {allowed(branches)}"


def with_allowed(problem: Problem) -> Problem:
    """A schema problem of a hand edit with what the schema allows there appended (the message
    already names the value)."""
    if "quote does not match" in problem.message or "allowed:" in problem.message or \
            not re.search(r"is not (of type|one of|valid under)|does not match|is (less|greater) than|is too (short|long)",
                          problem.message):
        return problem
    branches = schema_at(_path_tokens(problem.path))
    return Problem(problem.file, problem.path, f"{problem.message}; allowed: {allowed(branches, 'null')}") if branches else problem


# -- form values ------------------------------------------------------------------------------
def parse_number(text: str) -> float | int | None:
    """A number as a Vietnamese reviewer may type it: ``14.000`` -> 14000, ``6,5`` -> 6.5,
    ``6.5`` -> 6.5, ``02`` -> 2; None if it is not a number. A dot before exactly three digits
    groups thousands, as Vietnamese documents write them; the form shows decimals with a comma,
    so a value read back from it is the value it showed."""
    s = text.strip().replace(" ", "").replace("\u00a0", "")
    if _THOUSANDS.match(s):
        return int(s.replace(".", ""))
    if not _NUMBER.match(s) and not re.fullmatch(r"[+-]?\d+\.\d+", s):
        return None
    value = float(s.replace(",", "."))
    return int(value) if value.is_integer() and not re.search(r"[.,]\d*[1-9]", s) else value


def coerce(path: str, text: str) -> Any:
    """The JSON value a form field's text stands for at ``path`` (a ``$.`` path or a pointer).
    Raises :class:`InvalidEdit` naming the field, the value and what is allowed."""
    branches = schema_at(_path_tokens(path))
    shown = json_path(make_pointer(_path_tokens(path)))
    if not branches:
        raise InvalidEdit([Problem("form", shown, "not a field of the record")])
    types = _types(branches)
    s = text.strip()
    enums = [v for b in branches if "enum" in b for v in b["enum"]]
    if s == "":
        if "null" in types:
            return None
        if "string" in types and not enums and not any(b.get("minLength") for b in branches):
            return ""
        raise InvalidEdit([Problem("form", shown, f"a value is required; allowed: {allowed(branches)}")])
    if enums:
        if s in enums:
            return s
        raise InvalidEdit([Problem("form", shown, f"{s!r} is not allowed; allowed: {allowed(branches)}")])
    if types & {"integer", "number"}:
        number = parse_number(s)
        if number is not None and ("number" in types or isinstance(number, int)):
            return number
        if "string" not in types:
            raise InvalidEdit([Problem("form", shown, f"{s!r} is not allowed; allowed: {allowed(branches)}")])
    if "boolean" in types and s.lower() in ("true", "false"):
        return s.lower() == "true"
    if "array" in types:
        return [line.strip() for line in s.splitlines() if line.strip()]
    return s


# -- changes ----------------------------------------------------------------------------------
Change = Callable[[dict[str, Any]], None]


def set_fields(pointer: str, values: dict[str, str], span: dict[str, Any] | None = None) -> Change:
    """Set members of the object at ``pointer`` from form text (``{"number": "46/KH-LMHTX"}``);
    a scalar at ``pointer`` itself is set with the key ``""``. ``span`` (``{start, end, quote,
    page}``) becomes the evidence of the one field set, where the object keeps evidence per field."""

    def change(record: dict[str, Any]) -> None:
        tokens = parse_pointer(pointer)
        target = resolve(record, pointer)
        for key, text in values.items():
            if key == "":
                parent = resolve(record, make_pointer(tokens[:-1]))
                value = coerce(pointer, text)
                if isinstance(parent, list):
                    parent[int(tokens[-1])] = value
                else:
                    parent[tokens[-1]] = value
                continue
            if not isinstance(target, dict) or key not in target or key == "evidence":
                raise InvalidEdit([Problem("form", json_path(make_pointer([*tokens, key])), "not a field that can be set here")])
            target[key] = coerce(make_pointer([*tokens, key]), text)
        if span is not None and isinstance(target, dict):
            evidence = target.get("evidence")
            if isinstance(evidence, dict) and "start" not in evidence and len(values) == 1:
                evidence[next(iter(values))] = dict(span)
            elif isinstance(evidence, dict) and "start" in evidence:
                target["evidence"] = dict(span)

    return change


def remove_item(pointer: str) -> Change:
    """Remove the list item (or the value of a nullable object field) at ``pointer``."""

    def change(record: dict[str, Any]) -> None:
        tokens = parse_pointer(pointer)
        parent = resolve(record, make_pointer(tokens[:-1]))
        if isinstance(parent, list):
            parent.pop(int(tokens[-1]))
        elif "null" in _types(schema_at(tokens)):
            parent[tokens[-1]] = None
        else:
            raise InvalidEdit([Problem("form", json_path(pointer), "this value cannot be removed, only corrected")])

    return change


def add_item(family: str, values: dict[str, str], span: dict[str, Any]) -> Change:
    """Append an item to the list ``family`` (``targets``, ``reward_quotas``...), its fields from
    form text and its evidence ``span``: a required field left empty is null (or refused), an
    optional one is left out."""

    def change(record: dict[str, Any]) -> None:
        items = record.get(family)
        branches = schema_at([family, "-"])
        if not isinstance(items, list) or not branches:
            raise InvalidEdit([Problem("form", f"$.{family}", "not a list of the record that items can be added to")])
        properties = {k: v for b in branches for k, v in b.get("properties", {}).items()}
        required = {k for b in branches for k in b.get("required", [])}
        item: dict[str, Any] = {}
        for key in properties:
            if key == "evidence":
                item[key] = dict(span)
            elif key in required or values.get(key, "").strip():
                item[key] = coerce(make_pointer([family, "-", key]), values.get(key, ""))
        items.append(item)

    return change


def grounded_span(record: dict[str, Any], start: int, end: int, quote: str | None = None) -> dict[str, Any]:
    """Evidence for ``text[start:end]``: the quote read from the record's text (a quote sent by
    a form must match it) and the page of the block it starts in."""
    text = record.get("text") or ""
    if not (0 <= start < end <= len(text)):
        raise InvalidEdit([Problem("form", "$.evidence", f"the selection {start}-{end} is outside the text "
                                                         f"(0-{len(text)})")])
    found = text[start:end]
    if quote is not None and quote != found:
        raise InvalidEdit([Problem("form", "$.evidence", f"the selected words {quote!r} are not the text at "
                                                         f"{start}-{end} ({found!r}); select them again")])
    return {"start": start, "end": end, "quote": found, "page": page_at(record, start)}


def page_at(record: dict[str, Any], offset: int) -> int | None:
    """The page of the block holding ``offset`` (or the last block before it); None without pages."""
    page = None
    for block in record.get("blocks") or []:
        if block.get("start", 0) > offset:
            break
        page = block.get("page")
    return page


# -- submitting -------------------------------------------------------------------------------
def _friendly(problems: list[Problem], record: dict[str, Any]) -> list[Problem]:
    from .page import lookup

    out = []
    for p in problems:
        message = p.message
        if re.search(r"is not (of type|one of|valid under)|does not match|is (less|greater) than|is too (short|long)", message):
            message = explain(p.path, message, lookup(record, p.path))
        out.append(Problem(p.file, p.path, message))
    return out


def submit(out_dir: Path, name: str, version: str, change: Change, *, author: str | None = None,
           note: str | None = None) -> Submitted:
    """Apply ``change`` to the published record as one new correction and publish it again.

    Raises :class:`StaleRecord` if the record file is not at ``version`` any more, and
    :class:`InvalidEdit` (nothing stored) if the changed record breaks the record contract."""
    out_dir, name = Path(out_dir), key_of(name)
    files = RecordFiles(out_dir, name)
    with record_lock(out_dir, name):
        found = current_version(out_dir, name)
        if found != version:
            raise StaleRecord(name, version, found)
        sync_record(out_dir, name, author)  # a hand edit made before the form opened comes first
        base = strip_review(json.loads(files.published.read_text(encoding="utf-8")))
        edited = copy.deepcopy(base)
        change(edited)
        problems = edit_problems(str(files.published), base, edited)
        if problems:
            raise InvalidEdit(_friendly(problems, edited))
        patch = make_patch(base, edited)
        correction = None
        if patch:
            doc = load_corrections(out_dir, name) or {"filename": base["source"]["filename"],
                                                      "record_id": base["record_id"], "corrections": []}
            correction = {"id": _next_id(doc), "author": author or default_author(), "created_at": _now(),
                          "status": "active", "patch": patch, "note": note or WORKBENCH_NOTE}
            doc["corrections"].append(correction)
            write_json_atomic(files.corrections, doc)
        published = republish(out_dir, name, author=author)
        return Submitted(correction, published, current_version(out_dir, name) or "")


def check_version(out_dir: Path, name: str, version: str) -> None:
    """Raise :class:`StaleRecord` unless the record file is at ``version``."""
    found = current_version(out_dir, name)
    if found != version:
        raise StaleRecord(key_of(name), version, found)
