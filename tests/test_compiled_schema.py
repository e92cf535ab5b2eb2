"""The compiled schema check (:mod:`pipeline.record.compiled`) says yes exactly when jsonschema does.

The golden records and every published record schema are the base; hypothesis then breaks them
one value at a time (another type, a number out of range, a key removed or added) and the two
checks must agree on every variant.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.record import schema as S
from pipeline.record.compiled import UnsupportedSchema, compile_schema, json_equal

GOLDEN = sorted((Path(__file__).parent / "golden").glob("*.json"))
RECORDS = [json.loads(p.read_text(encoding="utf-8")) for p in GOLDEN]


def _reference_ok(record: dict[str, Any], name: str = S.RECORD_SCHEMA) -> bool:
    return not any(True for _ in S.validator(name).iter_errors(record))


@pytest.mark.parametrize("name", [*S.RECORD_SCHEMAS.values(), *S.CATALOG_ENTRY_SCHEMAS.values()])
def test_the_record_and_catalog_schemas_compile(name: str) -> None:
    assert S.fast_check(name) is not None


def test_golden_records_pass_both_checks() -> None:
    assert RECORDS
    check = S.fast_check(S.RECORD_SCHEMA)
    for record in RECORDS:
        assert check(record) and _reference_ok(record)


TYPE_CASES = [
    ({"type": "integer"}, 3, True),
    ({"type": "integer"}, 3.0, True),
    ({"type": "integer"}, 3.5, False),
    ({"type": "integer"}, True, False),
    ({"type": "number"}, False, False),
    ({"type": "number"}, 6.5, True),
    ({"type": ["string", "null"]}, None, True),
    ({"type": ["string", "null"]}, 0, False),
    ({"enum": [1, "a"]}, 1.0, True),
    ({"enum": [1, "a"]}, True, False),
    ({"const": [1, {"a": True}]}, [1.0, {"a": True}], True),
    ({"const": [1, {"a": True}]}, [1, {"a": 1}], False),
    ({"minimum": 0}, "-1", True),  # bounds only bind numbers
    ({"exclusiveMinimum": 0}, 0, False),
    ({"pattern": "^\\d{4}$"}, "2025", True),
    ({"pattern": "\\d{4}"}, "năm 2025", True),  # search, not match
    ({"minLength": 2}, "đ", False),
    ({"oneOf": [{"type": "integer"}, {"minimum": 0}]}, 5, False),  # both match: not exactly one
    ({"oneOf": [{"type": "integer"}, {"type": "string"}]}, "x", True),
    ({"properties": {"a": {"type": "string"}}, "additionalProperties": False}, {"a": "x", "b": 1}, False),
    ({"properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "integer"}}, {"b": 1}, True),
    ({"required": ["a"]}, [], True),  # required only binds objects
    ({"items": {"type": "integer"}, "maxItems": 2}, [1, 2, 3], False),
    ({"$defs": {"n": {"type": ["integer", "array"], "items": {"$ref": "#/$defs/n"}}}, "$ref": "#/$defs/n"},
     [1, [2, [3]]], True),
    ({"$defs": {"n": {"type": ["integer", "array"], "items": {"$ref": "#/$defs/n"}}}, "$ref": "#/$defs/n"},
     [1, [2, ["3"]]], False),
]


@pytest.mark.parametrize("schema, value, expected", TYPE_CASES)
def test_keyword_cases_agree_with_jsonschema(schema: dict[str, Any], value: Any, expected: bool) -> None:
    from jsonschema import Draft202012Validator

    assert Draft202012Validator(schema).is_valid(value) is expected
    assert compile_schema(schema)(value) is expected


@pytest.mark.parametrize("schema", [{"if": {"type": "string"}}, {"$ref": "other.json#/a"}, {"type": "date"}])
def test_keywords_outside_the_subset_are_refused(schema: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedSchema):
        compile_schema(schema)


def test_json_equality() -> None:
    assert json_equal(1, 1.0) and not json_equal(1, True) and not json_equal("1", 1)
    assert json_equal({"a": [1, None]}, {"a": [1.0, None]}) and not json_equal({"a": 1}, {"b": 1})


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*path, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, (*path, i)))
    return out


REPLACEMENTS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3000), st.floats(-2, 2, allow_nan=False),
                         st.sampled_from(["", "x", "2025-13-01", "ok", "Kế hoạch", "1555/KH-SKHCN"]),
                         st.just([]), st.just({}), st.just([{"x": 1}]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_broken_records_are_judged_alike(data: st.DataObject) -> None:
    record = copy.deepcopy(data.draw(st.sampled_from(RECORDS)))
    path = data.draw(st.sampled_from(_paths(record)[1:]))
    parent = record
    for key in path[:-1]:
        parent = parent[key]
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        parent[path[-1]] = data.draw(REPLACEMENTS)
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[data.draw(st.sampled_from(["extra", "quote", "start", "year"]))] = data.draw(REPLACEMENTS)
    else:
        parent.append(data.draw(REPLACEMENTS))
    assert S.fast_check(S.RECORD_SCHEMA)(record) is _reference_ok(record)
