"""A synthetic benchmark corpus: the sample texts of ``corpus/inbox`` with varied numbers,
dates, counts and provinces, rendered as PDF (fpdf2) and DOCX (python-docx) the way
``scripts/render_corpus.py`` renders the sample corpus.

Deterministic: document ``i`` of seed ``s`` is always the same bytes, whatever N, so a corpus
of 100 is the first 100 documents of a corpus of 1000 and renderings can be reused.
"""

from __future__ import annotations

import json
import random
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

INBOX = ROOT / "corpus" / "inbox"
PDF_SHARE = 0.6  # the rest are DOCX
APPENDIX_SHARE = 0.15  # documents that carry a second text after a page break (longer documents)

_DOCNUM = re.compile(r"(?<![\w/.-])(\d{1,5})(?=\s?/\s?(?:\d{4}/)?[A-ZĐ])")
_DATE_NUM = re.compile(r"(?<![\d/.-])(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})")
_DATE_WORDS = re.compile(r"(ngày\s+)(\d{1,2})(\s+tháng\s+)(\d{1,2})(\s+năm)")
_COUNT = re.compile(r"(?<![\d/.,])(0[1-9])(?=\s+(?:tập thể|cá nhân|đơn vị|hợp tác xã|HTX))")


def texts() -> list[tuple[str, str]]:
    """(stem, text) of every Unicode sample text (legacy-encoded samples are left out)."""
    out = []
    for path in sorted(INBOX.glob("*.txt")):
        try:
            out.append((path.stem, path.read_bytes().decode("utf-8")))
        except UnicodeDecodeError:
            continue
    return out


def provinces() -> list[str]:
    data = json.loads((ROOT / "pipeline" / "lang" / "vi" / "provinces.json").read_text(encoding="utf-8"))
    return [p["name"] for p in data["provinces"] if "-" not in p["name"]]


def vary(text: str, rng: random.Random, names: list[str]) -> str:
    """The text with other document numbers, dates, counts and province names (consistently
    within the document: the same number is replaced by the same new number)."""
    nums: dict[str, str] = {}
    text = _DOCNUM.sub(lambda m: nums.setdefault(m.group(1), str(rng.randint(1, 2999))), text)
    days: dict[tuple[str, str], tuple[int, int]] = {}

    def new_day(d: str, m: str) -> tuple[int, int]:
        return days.setdefault((d, m), (rng.randint(1, 28), rng.randint(1, 12)))

    text = _DATE_NUM.sub(lambda m: "{}/{}/{}".format(*new_day(m.group(1), m.group(2)), m.group(3)), text)
    text = _DATE_WORDS.sub(lambda m: "{}{}{}{}{}".format(m.group(1), new_day(m.group(2), m.group(4))[0], m.group(3),
                                                         new_day(m.group(2), m.group(4))[1], m.group(5)), text)
    text = _COUNT.sub(lambda m: f"{rng.randint(1, 9):02d}", text)
    present = [n for n in names if n in text or n.upper() in text]
    others = [n for n in names if n not in present]
    for name in present:
        other = rng.choice(others)
        text = text.replace(name, other).replace(name.upper(), other.upper())
    return text


def document(i: int, seed: int) -> tuple[str, str]:
    """(file name, text) of document ``i``; the suffix says how it is rendered."""
    rng = random.Random(f"{seed}:{i}")
    samples = texts()
    names = provinces()
    stem, text = samples[i % len(samples)]
    text = vary(text, rng, names)
    if rng.random() < APPENDIX_SHARE:
        _, extra = rng.choice(samples)
        text = text.rstrip() + "\n\n---\n\n" + vary(extra, rng, names)
    suffix = ".pdf" if rng.random() < PDF_SHARE else ".docx"
    return f"{i:05d}_{stem[4:]}{suffix}", text


def render(text: str, path: Path) -> None:
    import render_corpus as rc

    paras = rc.layout(text)
    if path.suffix == ".pdf":
        rc.render_pdf(paras, rc.title_of(paras), path)
    else:
        rc.render_docx(paras, rc.title_of(paras), path)


def _render_one(args: tuple[int, int, str]) -> str:
    i, seed, folder = args
    name, text = document(i, seed)
    path = Path(folder) / name
    if not path.exists():
        tmp = path.with_name(".tmp-" + name)
        render(text, tmp)
        tmp.rename(path)
    return name


def build(n: int, folder: Path, seed: int = 7, workers: int = 2) -> list[Path]:
    """Render documents 0..n-1 into ``folder`` (those already there are kept) and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(i, seed, str(folder)) for i in range(n)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            names = list(pool.map(_render_one, jobs, chunksize=8))
    else:
        names = [_render_one(j) for j in jobs]
    return [folder / name for name in names]


def long_text(chars: int, seed: int = 7) -> str:
    """A long plan: sample texts one after the other (each varied) up to ``chars`` characters."""
    rng = random.Random(f"{seed}:long")
    names = provinces()
    parts: list[str] = []
    size = 0
    samples = texts()
    k = 0
    while size < chars:
        part = vary(samples[k % len(samples)][1], rng, names)
        parts.append(part.strip())
        size += len(part)
        k += 1
    return "\n\n---\n\n".join(parts)


def pdf_with_pages(pages: int, path: Path, seed: int = 7) -> Path:
    """A born-digital PDF of (about) ``pages`` pages, rendered from concatenated sample texts."""
    import pdfplumber

    if path.exists():
        return path
    chars = pages * 1600  # about what one rendered page holds
    for _ in range(6):
        render(long_text(chars, seed).replace("\n\n---\n\n", "\n\n"), path)
        with pdfplumber.open(path) as pdf:
            got = len(pdf.pages)
        if pages <= got <= pages * 1.1 + 1:
            break
        chars = int(chars * pages / got) + (500 if got < pages else -500)
    return path
