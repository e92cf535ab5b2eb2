"""JSON Patch (RFC 6902) and JSON Pointer (RFC 6901), plus the diff the review tools store.

:func:`apply_patch` applies ``add``, ``remove``, ``replace``, ``move``, ``copy`` and ``test``
operations atomically (the input document is never modified; on any error nothing is
returned). :func:`make_patch` turns a machine record and its reviewed copy into a patch in
which every ``replace`` and ``remove`` is preceded by a ``test`` pinning the value it corrects;
a changed list item is pinned whole, so that a correction is never applied to another item
after the list has shifted, and an item added inside a list pins its neighbour (or is appended
with ``-``).
"""

from __future__ import annotations

import copy
import json
import re
from difflib import SequenceMatcher
from typing import Any, Iterable

from .errors import PatchError, PatchTestFailed

Operation = dict[str, Any]
_INDEX = re.compile(r"0|[1-9][0-9]*")


# -- JSON Pointer ---------------------------------------------------------------------------
def escape(token: str) -> str:
    """One reference token of a JSON Pointer: ``~`` -> ``~0``, ``/`` -> ``~1``."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    if re.search(r"~(?![01])", token):
        raise PatchError(f"invalid escape in JSON Pointer token {token!r} (only ~0 and ~1 are allowed)")
    return token.replace("~1", "/").replace("~0", "~")


def parse_pointer(pointer: str) -> list[str]:
    """The unescaped tokens of a JSON Pointer (``""`` is the whole document)."""
    if not isinstance(pointer, str):
        raise PatchError(f"a JSON Pointer must be a string, not {pointer!r}")
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f"JSON Pointer {pointer!r} must be empty or start with '/'")
    return [unescape(t) for t in pointer[1:].split("/")]


def make_pointer(tokens: Iterable[str | int]) -> str:
    return "".join("/" + escape(str(t)) for t in tokens)


def json_path(pointer: str) -> str:
    """A pointer in the ``$.key[0].key`` notation the schema checks use (``/targets/0/value`` ->
    ``$.targets[0].value``)."""
    out = "$"
    for token in parse_pointer(pointer):
        if _INDEX.fullmatch(token) or token == "-":
            out += f"[{token}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token):
            out += f".{token}"
        else:
            out += f"[{json.dumps(token, ensure_ascii=False)}]"
    return out


def _index(token: str, size: int, *, allow_end: bool) -> int:
    if allow_end and token == "-":
        return size
    if not _INDEX.fullmatch(token):
        raise PatchError(f"{token!r} is not an array index")
    i = int(token)
    if i > size or (i == size and not allow_end):
        raise PatchError(f"array index {i} is out of range (length {size})")
    return i


def resolve(doc: Any, pointer: str) -> Any:
    """The value ``pointer`` refers to; :class:`PatchError` if there is none."""
    node = doc
    for token in parse_pointer(pointer):
        if isinstance(node, dict):
            if token not in node:
                raise PatchError(f"{pointer}: no member {token!r}")
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(token, len(node), allow_end=False)]
        else:
            raise PatchError(f"{pointer}: cannot descend into a {type(node).__name__}")
    return node


def _parent(doc: Any, pointer: str) -> tuple[Any, str]:
    tokens = parse_pointer(pointer)
    parent = resolve(doc, make_pointer(tokens[:-1]))
    if not isinstance(parent, (dict, list)):
        raise PatchError(f"{pointer}: the parent is a {type(parent).__name__}, not an object or array")
    return parent, tokens[-1]


# -- equality -------------------------------------------------------------------------------
def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values: numbers by value (``1 == 1.0``), booleans never equal to numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


# -- applying -------------------------------------------------------------------------------
def _member(op: Operation, key: str) -> Any:
    if key not in op:
        raise PatchError(f"operation {op!r} has no {key!r}")
    return op[key]


def _add(doc: Any, pointer: str, value: Any) -> Any:
    if pointer == "":
        return value
    parent, token = _parent(doc, pointer)
    if isinstance(parent, list):
        parent.insert(_index(token, len(parent), allow_end=True), value)
    else:
        parent[token] = value
    return doc


def _remove(doc: Any, pointer: str) -> tuple[Any, Any]:
    if pointer == "":
        raise PatchError("cannot remove the whole document")
    parent, token = _parent(doc, pointer)
    if isinstance(parent, list):
        return doc, parent.pop(_index(token, len(parent), allow_end=False))
    if token not in parent:
        raise PatchError(f"{pointer}: no member {token!r} to remove")
    return doc, parent.pop(token)


def apply_operation(doc: Any, op: Operation) -> Any:
    """Apply one operation to ``doc`` in place where possible; returns the (new) root."""
    if not isinstance(op, dict):
        raise PatchError(f"an operation must be an object, not {op!r}")
    kind, path = _member(op, "op"), _member(op, "path")
    if kind == "test":
        found = resolve(doc, path)
        if not json_equal(found, _member(op, "value")):
            raise PatchTestFailed(path, op["value"], found)
        return doc
    if kind == "add":
        return _add(doc, path, copy.deepcopy(_member(op, "value")))
    if kind == "remove":
        return _remove(doc, path)[0]
    if kind == "replace":
        value = copy.deepcopy(_member(op, "value"))
        if path == "":
            return value
        resolve(doc, path)  # must exist
        parent, token = _parent(doc, path)
        parent[_index(token, len(parent), allow_end=False) if isinstance(parent, list) else token] = value
        return doc
    if kind in ("move", "copy"):
        source = _member(op, "from")
        value = copy.deepcopy(resolve(doc, source))
        if kind == "move":
            if path != source and path.startswith(source + "/"):
                raise PatchError(f"cannot move {source} into its own child {path}")
            doc = _remove(doc, source)[0]
        return _add(doc, path, value)
    raise PatchError(f"unknown operation {kind!r}")


def apply_patch(doc: Any, patch: list[Operation]) -> Any:
    """``doc`` with ``patch`` applied; ``doc`` itself is left unchanged. Raises :class:`PatchError`
    (:class:`PatchTestFailed` for a failed ``test``) and then nothing is applied."""
    if not isinstance(patch, list):
        raise PatchError("a JSON Patch must be an array of operations")
    result = copy.deepcopy(doc)
    for op in patch:
        result = apply_operation(result, op)
    return result


# -- diffing --------------------------------------------------------------------------------
def _test(tokens: list[str], value: Any) -> Operation:
    return {"op": "test", "path": make_pointer(tokens), "value": copy.deepcopy(value)}


def make_patch(base: Any, edited: Any) -> list[Operation]:
    """A patch turning ``base`` into ``edited``, each change guarded by ``test`` operations
    (see the module docstring)."""
    return _diff(base, edited, [])


def _diff(a: Any, b: Any, path: list[str]) -> list[Operation]:
    if json_equal(a, b):
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        return _diff_object(a, b, path)
    if isinstance(a, list) and isinstance(b, list):
        return _diff_array(a, b, path)
    return [_test(path, a), {"op": "replace", "path": make_pointer(path), "value": copy.deepcopy(b)}]


def _diff_object(a: dict[str, Any], b: dict[str, Any], path: list[str]) -> list[Operation]:
    ops: list[Operation] = []
    for key, value in a.items():
        if key not in b:
            ops += [_test(path + [key], value), {"op": "remove", "path": make_pointer(path + [key])}]
        else:
            ops += _diff(value, b[key], path + [key])
    for key, value in b.items():
        if key not in a:
            ops.append({"op": "add", "path": make_pointer(path + [key]), "value": copy.deepcopy(value)})
    return ops


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _diff_array(a: list[Any], b: list[Any], path: list[str]) -> list[Operation]:
    """Opcodes are handled from the end of the list backwards, so that the indices of what
    comes before stay those of ``a`` while the operations are applied in order."""
    matcher = SequenceMatcher(None, [_canonical(x) for x in a], [_canonical(x) for x in b], autojunk=False)
    ops: list[Operation] = []
    for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for i in range(i2 - 1, i1 + paired - 1, -1):  # surplus old items, last first
            ops += [_test(path + [str(i)], a[i]), {"op": "remove", "path": make_pointer(path + [str(i)])}]
        if j2 - j1 > paired:  # surplus new items
            ops += _insert(a, b, path, i1 + paired, b[j1 + paired:j2], following=b[j2] if j2 < len(b) else None,
                           at_end=j2 == len(b))
        for k in range(paired):  # items changed in place: pin the whole item first
            i = i1 + k
            inner = _diff(a[i], b[j1 + k], path + [str(i)])
            if isinstance(a[i], (dict, list)) and isinstance(b[j1 + k], (dict, list)) and type(a[i]) is type(b[j1 + k]):
                inner = [_test(path + [str(i)], a[i])] + inner
            ops += inner
    return ops


def _insert(a: list[Any], b: list[Any], path: list[str], at: int, items: list[Any], following: Any,
            at_end: bool) -> list[Operation]:
    if at_end:
        return [{"op": "add", "path": make_pointer(path + ["-"]), "value": copy.deepcopy(x)} for x in items]
    # pin the neighbour: the item before (unchanged so far), else the one the new items go before
    ops = [_test(path + [str(at - 1)], a[at - 1]) if at > 0 else _test(path + ["0"], following)]
    ops += [{"op": "add", "path": make_pointer(path + [str(at + k)]), "value": copy.deepcopy(x)}
            for k, x in enumerate(items)]
    return ops
