"""Response models of the API, generated from the JSON Schemas in ``schemas/`` when first used.

The record and the catalog line are described once, by their schemas (the contract); the API
builds pydantic models from them (:func:`schema_model`), so that its OpenAPI document
describes a record field by field, with the schema's types, enums, patterns, bounds and
descriptions, and can never drift from the contract. The subset of JSON Schema the contract
uses is covered: ``type`` (one or a list), ``enum``, ``const``, ``$ref`` to ``$defs``,
``oneOf``, ``properties``/``required``/``additionalProperties``, ``items``, string
``pattern``/``minLength``, number ``minimum``/``maximum``/``exclusiveMinimum``, array
``minItems``/``maxItems``; anything else fails loudly (:class:`SchemaModelError`).
"""

from __future__ import annotations

import json
import keyword
import re
from functools import lru_cache
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from ..errors import PipelineError
from ..record.schema import SCHEMA_DIR

_KNOWN = {"$schema", "$id", "$defs", "$ref", "title", "description", "type", "enum", "const", "oneOf", "properties",
          "required", "additionalProperties", "items", "pattern", "minLength", "minimum", "maximum",
          "exclusiveMinimum", "minItems", "maxItems", "format", "default"}
_SCALARS: dict[str, Any] = {"string": str, "integer": int, "number": float, "boolean": bool, "null": type(None)}


class SchemaModelError(PipelineError):
    """A schema uses a JSON Schema keyword the model generator does not translate."""

    code = "schema_model"
    stage = "startup"
    hint = "Extend pipeline/serve/models.py to translate the keyword, or describe the field differently."


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", name) if part)


class _Builder:
    def __init__(self, schema: dict[str, Any], prefix: str) -> None:
        self.schema, self.prefix = schema, prefix
        self.defs: dict[str, Any] = {}

    def ref(self, ref: str) -> Any:
        name = ref.removeprefix("#/$defs/")
        if name == ref or name not in self.schema.get("$defs", {}):
            raise SchemaModelError(f"unsupported $ref {ref!r}")
        if name not in self.defs:
            self.defs[name] = Any  # recursion guard (the contract has no recursive definitions)
            self.defs[name] = self.type_of(self.schema["$defs"][name], self.prefix + _pascal(name))
        return self.defs[name]

    def type_of(self, node: dict[str, Any], name: str) -> Any:
        unknown = set(node) - _KNOWN
        if unknown:
            raise SchemaModelError(f"{name}: unsupported keywords {sorted(unknown)}")
        if "$ref" in node:
            return self.ref(node["$ref"])
        if "const" in node:
            return Literal[node["const"]]
        if "enum" in node:
            values = [v for v in node["enum"] if v is not None]
            lit = Literal[tuple(values)] if values else type(None)  # type: ignore[valid-type]
            return Optional[lit] if None in node["enum"] else lit
        if "oneOf" in node:
            objects = [o for o in node["oneOf"] if o.get("type") == "object" or "properties" in o]
            options = [self.type_of(o, name if len(objects) == 1 else f"{name}{i + 1}") for i, o in enumerate(node["oneOf"])]
            return Union[tuple(options)]  # type: ignore[return-value]
        types = node.get("type")
        if isinstance(types, list):
            options = [self.type_of({**node, "type": t}, name) for t in types]
            return Union[tuple(options)]  # type: ignore[return-value]
        if types == "object" or "properties" in node:
            return self.model(node, name)
        if types == "array":
            item = self.type_of(node.get("items", {}), f"{name}Item") if node.get("items") else Any
            return _bounded(list[item], node)  # type: ignore[valid-type]
        if types in _SCALARS:
            return _bounded(_SCALARS[types], node) if types != "null" else type(None)
        if not node or set(node) <= {"description", "title"}:
            return Any
        raise SchemaModelError(f"{name}: unsupported type {types!r}")

    def model(self, node: dict[str, Any], name: str) -> Any:
        extra = node.get("additionalProperties", True)
        props = node.get("properties")
        if not props and isinstance(extra, dict):
            return dict[str, self.type_of(extra, f"{name}Value")]  # type: ignore[misc]
        required = set(node.get("required", []))
        fields: dict[str, Any] = {}
        for key, sub in (props or {}).items():
            annotation = self.type_of(sub, name + _pascal(key))
            attr = key if key.isidentifier() and not keyword.iskeyword(key) and not hasattr(BaseModel, key) else f"{key}_"
            alias = {"alias": key} if attr != key else {}
            default = ... if key in required else None
            fields[attr] = (annotation, Field(default, description=sub.get("description"), **alias))
        config = ConfigDict(extra="forbid" if extra is False else "allow", populate_by_name=True,
                            json_schema_extra={"description": node["description"]} if node.get("description") else None)
        return create_model(name, __config__=config, **fields)


def _bounded(annotation: Any, node: dict[str, Any]) -> Any:
    """``annotation`` with the node's bounds (pattern, lengths, minimum...), if any."""
    out: dict[str, Any] = {}
    for key, arg in (("pattern", "pattern"), ("minLength", "min_length"), ("minItems", "min_length"),
                     ("maxItems", "max_length"), ("minimum", "ge"), ("maximum", "le"), ("exclusiveMinimum", "gt")):
        if key in node:
            out[arg] = node[key]
    return Annotated[annotation, Field(**out)] if out else annotation


@lru_cache(maxsize=None)
def schema_model(schema_file: str, name: str) -> type[BaseModel]:
    """The pydantic model of the object described by ``schemas/<schema_file>``, named ``name``."""
    schema = json.loads((SCHEMA_DIR / schema_file).read_text(encoding="utf-8"))
    model = _Builder(schema, name).type_of(schema, name)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise SchemaModelError(f"{schema_file} does not describe an object")
    return model
