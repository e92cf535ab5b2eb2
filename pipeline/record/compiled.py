"""JSON Schemas compiled to plain Python predicates: the fast yes/no check of every record.

:mod:`jsonschema` walks the schema for each value it checks (a validator object, a reference
lookup and a scope change per keyword and per value), which made checking a large record (a
price list of a hundred pages: tens of thousands of values) cost more than extracting it. Here a
schema is turned once into nested closures, one per subschema, so a check is a few dict and
type tests per value.

Only the keywords the published schemas use are compiled (:data:`KEYWORDS`, with the Draft
2020-12 meaning, including its type rules: ``1.0`` is an integer, ``True`` is not a number);
a schema with any other keyword raises :class:`UnsupportedSchema` and is left to
:mod:`jsonschema` alone. :mod:`jsonschema` stays the reference: it checks the schemas, and it
explains a record the compiled check rejects (:func:`pipeline.record.schema.problems`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..errors import PipelineError

Check = Callable[[Any], bool]

#: Keywords that only annotate (they never make a value invalid).
ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "examples",
                         "default", "deprecated", "readOnly", "writeOnly"})
#: Keywords with a compiled check.
KEYWORDS = frozenset({"type", "enum", "const", "properties", "required", "additionalProperties", "items",
                      "minItems", "maxItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                      "minLength", "maxLength", "pattern", "oneOf", "anyOf", "allOf", "$ref"})


class UnsupportedSchema(PipelineError):
    """The schema uses a keyword (or a reference) this compiler does not handle."""

    code = "unsupported_schema"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_TYPES: dict[str, Check] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": _is_integer,
    "number": _is_number,
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON Schema means it (``enum``, ``const``): ``1 == 1.0``, but ``True != 1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if _is_number(a) and _is_number(b):
        return a == b
    return type(a) is type(b) and a == b


def _all_of(checks: list[Check]) -> Check:
    """A check that passes when every one of ``checks`` does (in order, stopping at the first that
    fails), without a generator for the usual two or three."""
    if not checks:
        return lambda value: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)
    if len(checks) == 3:
        first, second, third = checks
        return lambda value: first(value) and second(value) and third(value)
    return lambda value: all(check(value) for check in checks)


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def ref(self, pointer: str) -> Check:
        """A local reference (``#/$defs/name``), compiled once; recursion goes through a cell."""
        if pointer in self.refs:
            return self.refs[pointer]
        if not pointer.startswith("#"):
            raise UnsupportedSchema(f"only local references are compiled, not {pointer!r}")
        target: Any = self.root
        for part in filter(None, pointer[1:].split("/")):
            part = part.replace("~1", "/").replace("~0", "~")
            try:
                target = target[int(part)] if isinstance(target, list) else target[part]
            except (KeyError, IndexError, ValueError) as exc:
                raise UnsupportedSchema(f"reference {pointer!r} does not resolve") from exc
        cell: list[Check] = []
        self.refs[pointer] = lambda value: cell[0](value)
        cell.append(self.compile(target))
        return self.refs[pointer]

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda value: True
        if schema is False:
            return lambda value: False
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"a schema must be an object or a boolean, not {schema!r}")
        unknown = set(schema) - KEYWORDS - ANNOTATIONS
        if unknown:
            raise UnsupportedSchema(f"keywords not compiled: {', '.join(sorted(unknown))}")
        checks: list[Check] = []
        if "$ref" in schema:
            checks.append(self.ref(schema["$ref"]))
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            unknown_types = [name for name in names if name not in _TYPES]
            if unknown_types:
                raise UnsupportedSchema(f"unknown types: {', '.join(map(str, unknown_types))}")
            kinds = [_TYPES[name] for name in names]
            checks.append(kinds[0] if len(kinds) == 1 else (lambda v, kinds=kinds: any(k(v) for k in kinds)))
        if "enum" in schema:
            options = list(schema["enum"])
            if options and all(type(o) is str for o in options):  # the usual enum: strings, a set lookup
                names = frozenset(options)
                checks.append(lambda v: type(v) is str and v in names)
            else:
                checks.append(lambda v: any(json_equal(v, o) for o in options))
        if "const" in schema:
            const = schema["const"]
            checks.append(lambda v: json_equal(v, const))
        checks.extend(self._numbers(schema))
        checks.extend(self._strings(schema))
        checks.extend(self._arrays(schema))
        checks.extend(self._objects(schema))
        for keyword, combine in (("oneOf", lambda n: n == 1), ("anyOf", lambda n: n >= 1)):
            if keyword in schema:
                subs = [self.compile(s) for s in schema[keyword]]
                if keyword == "anyOf":
                    checks.append(lambda v, subs=subs: any(s(v) for s in subs))
                else:
                    checks.append(lambda v, subs=subs: sum(1 for s in subs if s(v)) == 1)
        if "allOf" in schema:
            checks.extend(self.compile(s) for s in schema["allOf"])
        return _all_of(checks)

    def _numbers(self, schema: dict[str, Any]) -> list[Check]:
        out: list[Check] = []
        tests = {"minimum": lambda v, b: v >= b, "maximum": lambda v, b: v <= b,
                 "exclusiveMinimum": lambda v, b: v > b, "exclusiveMaximum": lambda v, b: v < b}
        for keyword, test in tests.items():
            if keyword in schema:
                bound = schema[keyword]
                out.append(lambda v, bound=bound, test=test: not _is_number(v) or test(v, bound))
        return out

    @staticmethod
    def _lengths(schema: dict[str, Any], kind: type, low_key: str, high_key: str) -> list[Check]:
        """``minLength``/``maxLength`` or ``minItems``/``maxItems``: bounds on ``len`` of a ``kind``."""
        out: list[Check] = []
        if low_key in schema:
            low = schema[low_key]
            out.append(lambda v: not isinstance(v, kind) or len(v) >= low)
        if high_key in schema:
            high = schema[high_key]
            out.append(lambda v: not isinstance(v, kind) or len(v) <= high)
        return out

    def _strings(self, schema: dict[str, Any]) -> list[Check]:
        out = self._lengths(schema, str, "minLength", "maxLength")
        if "pattern" in schema:
            search = re.compile(schema["pattern"]).search
            out.append(lambda v: not isinstance(v, str) or search(v) is not None)
        return out

    def _arrays(self, schema: dict[str, Any]) -> list[Check]:
        out: list[Check] = []
        if "items" in schema:
            item = self.compile(schema["items"])
            out.append(lambda v: not isinstance(v, list) or all(map(item, v)))
        return out + self._lengths(schema, list, "minItems", "maxItems")

    def _objects(self, schema: dict[str, Any]) -> list[Check]:
        out: list[Check] = []
        if "required" in schema:
            required = frozenset(schema["required"])
            out.append(lambda v: not isinstance(v, dict) or v.keys() >= required)
        properties = {k: self.compile(s) for k, s in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties", True)
        extra_check = None if extra is True else self.compile(extra)
        if properties or extra_check is not None:
            def check(v: Any) -> bool:
                if not isinstance(v, dict):
                    return True
                for key, value in v.items():
                    sub = properties.get(key)
                    if sub is not None:
                        if not sub(value):
                            return False
                    elif extra_check is not None and not extra_check(value):
                        return False
                return True
            out.append(check)
        return out


def compile_schema(schema: dict[str, Any]) -> Check:
    """A predicate that is True exactly when ``schema`` (Draft 2020-12) accepts a value.

    Raises :class:`UnsupportedSchema` for a keyword outside :data:`KEYWORDS` and :data:`ANNOTATIONS`.
    """
    return _Compiler(schema).compile(schema)
