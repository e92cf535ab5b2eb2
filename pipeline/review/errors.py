"""Errors of the review tools. All derive from :class:`pipeline.errors.PipelineError`.

:class:`InvalidEdit` carries one :class:`Problem` per violation (file, JSON path, message), so
a command line can print them as ``file: $.json.path: message`` and a program can read them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..errors import PipelineError


class ReviewError(PipelineError):
    """Base class of the errors raised by :mod:`pipeline.review`."""

    code = "review_error"
    stage = "review"
    hint = "See the error message."


class PatchError(ReviewError):
    """A JSON Patch (RFC 6902) is malformed or cannot be applied to a document."""

    code = "patch_error"
    hint = "The patch refers to a location the document does not have, or is not a valid RFC 6902 patch."


class PatchTestFailed(PatchError):
    """A ``test`` operation found another value than the one it pins."""

    code = "patch_test_failed"
    hint = "The value the correction was made against has changed; accept or reject the correction."

    def __init__(self, path: str, expected: Any, found: Any) -> None:
        super().__init__(f"test failed at {path}: expected {_short(expected)}, found {_short(found)}")
        self.path, self.expected, self.found = path, expected, found


@dataclass(frozen=True)
class Problem:
    """One reason an edited record cannot be accepted: which file, where in it, what is wrong."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


class InvalidEdit(ReviewError):
    """A reviewer's edit of a published record breaks the record contract; it stays pending."""

    code = "invalid_edit"
    hint = ("Fix the listed fields in the published record file and run 'python -m pipeline review sync' "
            "again; the edit is kept (pending) until then.")

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class UnknownRecord(ReviewError):
    """No published record of that name."""

    code = "unknown_record"
    hint = "Use the record's file name as in OUT/records/ (with or without .json), or its source file name."


class UnknownCorrection(ReviewError):
    """The record has no correction with that id, or it is not in a state the command accepts."""

    code = "unknown_correction"
    hint = "Run 'python -m pipeline review show NAME' to see the record's corrections and their ids."


def _short(value: Any, limit: int = 80) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
