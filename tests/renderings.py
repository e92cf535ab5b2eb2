"""Independent renderings of a plain text, for the format-parity tests.

The same text goes through producers the project does not control, each with its own line
breaking and layout, so the pipeline is tested on what staff PDFs and Word files look like:

* ``lo-a4.pdf``: LibreOffice Writer (headless) converts the ``.txt`` to PDF, A4, its default font;
* ``lo-narrow.pdf``: a DOCX with a narrow page (A6) and a large font (14 pt), converted by
  LibreOffice to PDF, so nearly every line wraps mid-sentence;
* ``lo.docx``: LibreOffice converts the ``.txt`` to DOCX;
* ``fpdf.pdf``: the fpdf2 renderer of :mod:`fixtures` (a different PDF producer, its own wrapping).

LibreOffice converts many files per start (one call per kind and folder), each call with a
private profile. Renderings are cached by content under a folder the caller gives.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
KINDS = ("lo-a4.pdf", "lo-narrow.pdf", "lo.docx", "fpdf.pdf")


def available() -> bool:
    return SOFFICE is not None


def _convert(sources: list[Path], fmt: str, out_dir: Path, timeout: float = 600) -> None:
    """``soffice --convert-to fmt`` of many files in one run, into ``out_dir`` (plain texts read as UTF-8)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vnplan-render-") as profile:
        infilter = ["--infilter=Text (encoded):UTF8,LF,,,"] if sources and sources[0].suffix == ".txt" else []
        cmd = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", *infilter,
               "--convert-to", fmt, "--outdir", str(out_dir), *map(str, sources)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout,
                       env={**os.environ, "HOME": profile}, start_new_session=True)


def _narrow_docx(text: str, path: Path) -> None:
    """A DOCX on an A6 page with 14 pt text: one paragraph per line of ``text``."""
    import docx
    from docx.shared import Mm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(105), Mm(148)
    section.left_margin = section.right_margin = Mm(10)
    section.top_margin = section.bottom_margin = Mm(10)
    style = document.styles["Normal"]
    style.font.name = "DejaVu Serif"
    style.font.size = Pt(14)
    for line in text.split("\n"):
        document.add_paragraph(line)
    document.save(path)


def render_all(texts: dict[str, str], cache: Path, kinds: tuple[str, ...] = KINDS) -> dict[str, dict[str, Path]]:
    """Render every text (name -> content) in every kind; returns name -> kind -> file.

    File names keep the text's stem, so a record names its source: ``<stem>.<kind>``.
    """
    cache.mkdir(parents=True, exist_ok=True)
    out: dict[str, dict[str, Path]] = {name: {} for name in texts}
    todo: dict[str, list[tuple[str, Path]]] = {k: [] for k in kinds}
    for name, text in texts.items():
        stem = Path(name).stem
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        folder = cache / digest
        folder.mkdir(exist_ok=True)
        for kind in kinds:
            target = folder / f"{stem}.{kind}"
            out[name][kind] = target
            if not target.exists():
                todo[kind].append((text, target))
    for kind, jobs in todo.items():
        if not jobs:
            continue
        with tempfile.TemporaryDirectory(prefix="vnplan-render-src-") as tmp:
            src_dir, dst_dir = Path(tmp, "src"), Path(tmp, "dst")
            src_dir.mkdir()
            sources = []
            for i, (text, target) in enumerate(jobs):
                stem = f"{i:04d}"
                if kind == "fpdf.pdf":
                    from fixtures import render_pdf

                    render_pdf(text, target)
                    continue
                if kind == "lo-narrow.pdf":
                    src = src_dir / f"{stem}.docx"
                    _narrow_docx(text, src)
                else:
                    src = src_dir / f"{stem}.txt"
                    src.write_text(text, encoding="utf-8")
                sources.append((src, target))
            if sources:
                fmt = "docx:MS Word 2007 XML" if kind.endswith(".docx") else "pdf:writer_pdf_Export"
                _convert([s for s, _ in sources], fmt, dst_dir)
                for src, target in sources:
                    produced = dst_dir / (src.stem + (".docx" if kind.endswith(".docx") else ".pdf"))
                    shutil.move(str(produced), target)
    return out
