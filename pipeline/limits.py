"""Input limits: how big a file and how many PDF pages the pipeline accepts.

Defaults can be changed per run (``--max-mb``, ``--max-pages``) or with the environment
variables ``VNPLAN_MAX_MB`` and ``VNPLAN_MAX_PAGES``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 1000

    @classmethod
    def from_env(cls, max_mb: float | None = None, max_pages: int | None = None) -> "Limits":
        mb = max_mb if max_mb is not None else float(os.environ.get("VNPLAN_MAX_MB", cls.max_bytes / 1024 / 1024))
        pages = max_pages if max_pages is not None else int(os.environ.get("VNPLAN_MAX_PAGES", cls.max_pages))
        return cls(max_bytes=int(mb * 1024 * 1024), max_pages=pages)


DEFAULT_LIMITS = Limits()
