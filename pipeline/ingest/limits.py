"""Input limits and reading settings: how big a file and how many PDF pages the pipeline
accepts, and whether and how scanned pages are OCR'd.

Defaults can be changed per run (``--max-mb``, ``--max-pages``) or with the environment
variables ``VNPLAN_MAX_MB``, ``VNPLAN_MAX_PAGES``, ``VNPLAN_OCR`` (``0`` turns OCR off),
``VNPLAN_OCR_DPI`` and ``VNPLAN_OCR_WORKERS`` (pages OCR'd at once; default: the CPU count).

Budgets that hold whatever a file holds (each exceeded budget is a ``too_large`` failure):
``max_chars`` (characters of text read from one document, ``VNPLAN_MAX_CHARS``),
``max_xml_bytes`` (XML a DOCX inflates to, ``VNPLAN_MAX_XML_MB``), ``max_stream_bytes``
(what a PDF's non-image streams inflate to, ``VNPLAN_MAX_STREAM_MB``). The inbox service also
runs each document in a child process with ``max_memory_bytes`` of address space on top of
the loaded models (``VNPLAN_MAX_MEMORY_MB``) and ``timeout`` seconds of wall-clock time
(``VNPLAN_TIMEOUT``); see :mod:`pipeline.run.workers`.

``VNPLAN_PDF_TEXT`` picks how the text layer of a PDF is read: ``pdfium`` (default: characters,
ruling lines and images from pypdfium2, laid out and searched for tables by pdfplumber's rules,
several times faster; pdfplumber reads only the pages pdfium cannot describe for sure) or
``pdfplumber`` (every page with pdfplumber and pdfminer: the reference). See
:mod:`pipeline.ingest.readers.pdf`.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

#: How a PDF's text layer can be read (``VNPLAN_PDF_TEXT``); the first is the default.
PDF_TEXT_PATHS = ("pdfium", "pdfplumber")


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 1000
    ocr: bool = True
    ocr_dpi: int = 200
    ocr_workers: int | None = None
    pdf_text: str = "pdfium"
    max_chars: int = 5_000_000
    max_xml_bytes: int = 64 * 1024 * 1024
    max_stream_bytes: int = 256 * 1024 * 1024
    max_memory_bytes: int = 2048 * 1024 * 1024
    timeout: float = 600.0

    @classmethod
    def from_env(cls, max_mb: float | None = None, max_pages: int | None = None) -> "Limits":
        env = os.environ
        mb = max_mb if max_mb is not None else float(env.get("VNPLAN_MAX_MB", cls.max_bytes / 1024 / 1024))
        pages = max_pages if max_pages is not None else int(env.get("VNPLAN_MAX_PAGES", cls.max_pages))
        workers = env.get("VNPLAN_OCR_WORKERS")
        pdf_text = env.get("VNPLAN_PDF_TEXT", cls.pdf_text).strip().lower() or cls.pdf_text
        if pdf_text not in PDF_TEXT_PATHS:
            warnings.warn(f"VNPLAN_PDF_TEXT={pdf_text!r} is not one of {', '.join(PDF_TEXT_PATHS)}; "
                          f"using {cls.pdf_text}", stacklevel=2)
            pdf_text = cls.pdf_text
        return cls(
            max_bytes=int(mb * 1024 * 1024),
            max_pages=pages,
            ocr=env.get("VNPLAN_OCR", "1").strip().lower() not in ("0", "false", "no", "off"),
            ocr_dpi=int(env.get("VNPLAN_OCR_DPI", cls.ocr_dpi)),
            ocr_workers=int(workers) if workers else None,
            pdf_text=pdf_text,
            max_chars=int(env.get("VNPLAN_MAX_CHARS", cls.max_chars)),
            max_xml_bytes=int(float(env.get("VNPLAN_MAX_XML_MB", cls.max_xml_bytes / 2**20)) * 2**20),
            max_stream_bytes=int(float(env.get("VNPLAN_MAX_STREAM_MB", cls.max_stream_bytes / 2**20)) * 2**20),
            max_memory_bytes=int(float(env.get("VNPLAN_MAX_MEMORY_MB", cls.max_memory_bytes / 2**20)) * 2**20),
            timeout=float(env.get("VNPLAN_TIMEOUT", cls.timeout)),
        )

    def output_settings(self) -> dict[str, object]:
        """The settings that can change a record, for cache keys: all but the number of OCR
        workers, the memory and the time limit (the size, page and content budgets decide whether a
        file fails as ``too_large``, the DPI what OCR reads)."""
        return {"max_bytes": self.max_bytes, "max_pages": self.max_pages, "ocr": self.ocr,
                "ocr_dpi": self.ocr_dpi, "pdf_text": self.pdf_text, "max_chars": self.max_chars,
                "max_xml_bytes": self.max_xml_bytes, "max_stream_bytes": self.max_stream_bytes}


DEFAULT_LIMITS = Limits.from_env()
