"""The package's folders are the pipeline's stages, and imports only go down the chain.

A stage may import the stages before it (and itself), never one after it, so the data path
never climbs back up: readers → layout → normalise (``ingest``) → recognise, tokenise (``nlp``)
→ extract and resolve (``extract``) → record and schema (``record``) → storage and catalog
(``publish``) → corrections (``review``) → search and API (``serve``) → orchestration (``run``)
→ the command line. Lazy imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"
#: Stages in data-flow order; a module belongs to the first path part under ``pipeline/``.
STAGES = ["errors", "core", "lang", "ingest", "nlp", "extract", "record", "publish", "review", "serve", "run",
          "cli", "__main__"]


def stage_of(module: str) -> int:
    parts = module.split(".")
    if parts[0] != "pipeline":
        raise ValueError(module)
    if len(parts) == 1:
        return 0  # the package itself: version constants only
    return STAGES.index(parts[1])


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every ``pipeline`` import in a file, lazy ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    this = module_name(path).split(".")
    package = this if path.name == "__init__.py" else this[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "pipeline":
                continue
            if target == "pipeline" or target.count(".") == 0:
                out.extend((node.lineno, f"{target}.{a.name}") for a in node.names)
            else:
                out.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "pipeline")
    return out


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_sits_in_a_known_stage() -> None:
    top = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in modules()} - {"__init__"}
    assert top <= set(STAGES), f"modules outside the stage folders: {sorted(top - set(STAGES))}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_stage_imports_a_later_one(path: Path) -> None:
    here = stage_of(module_name(path))
    upward = [(line, target) for line, target in imported_modules(path)
              if target.split(".")[1:2] and target.split(".")[1] in STAGES and stage_of(target) > here]
    assert not upward, f"{path.relative_to(PACKAGE)} imports later stages: {upward}"
