"""Input limits and reading settings: how big a file and how many PDF pages the pipeline
accepts, and whether and how scanned pages are OCR'd.

Defaults can be changed per run (``--max-mb``, ``--max-pages``) or with the environment
variables ``VNPLAN_MAX_MB``, ``VNPLAN_MAX_PAGES``, ``VNPLAN_OCR`` (``0`` turns OCR off),
``VNPLAN_OCR_DPI`` and ``VNPLAN_OCR_WORKERS`` (pages OCR'd at once; default: the CPU count).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 1000
    ocr: bool = True
    ocr_dpi: int = 300
    ocr_workers: int | None = None

    @classmethod
    def from_env(cls, max_mb: float | None = None, max_pages: int | None = None) -> "Limits":
        env = os.environ
        mb = max_mb if max_mb is not None else float(env.get("VNPLAN_MAX_MB", cls.max_bytes / 1024 / 1024))
        pages = max_pages if max_pages is not None else int(env.get("VNPLAN_MAX_PAGES", cls.max_pages))
        workers = env.get("VNPLAN_OCR_WORKERS")
        return cls(
            max_bytes=int(mb * 1024 * 1024),
            max_pages=pages,
            ocr=env.get("VNPLAN_OCR", "1").strip().lower() not in ("0", "false", "no", "off"),
            ocr_dpi=int(env.get("VNPLAN_OCR_DPI", cls.ocr_dpi)),
            ocr_workers=int(workers) if workers else None,
        )


DEFAULT_LIMITS = Limits.from_env()
