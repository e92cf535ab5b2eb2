"""The compiled pdfium loops (:mod:`pipeline.ingest.readers.native`): compiled once into the
cache folder, turned off by ``VNPLAN_NATIVE=0`` or a missing compiler, and reading every page
exactly as the same loops in Python do."""

from __future__ import annotations

import ctypes
import io
from collections.abc import Iterator
from pathlib import Path

import pdfplumber
import pypdfium2
import pytest
from conftest import CORPUS
from test_pdf_text_path import raw_pdf, text_stream

from pipeline.ingest.readers import native, pdfium_page
from pipeline.ingest.readers import pdf as reader

SHARED = CORPUS.parent.parent / "shared" / "realdocs"
PDFS = sorted((CORPUS / "inbox").glob("*.pdf")) + (sorted(SHARED.glob("*.pdf")) if SHARED.is_dir() else [])
HAND_WRITTEN = [
    raw_pdf(text_stream()),
    raw_pdf(b"72 700 m 100 720 150 720 300 700 c S 72 600 200 100 re f 72 500 m 300 500 l 300 520 l 72 520 l h S "
            + text_stream(b"", b"1 0 0 1 72 %d Tm")),
    raw_pdf(b"BT /F1 12 Tf 72 400 Td (Ke ) Tj ET BT /F1 12 Tf 90 400 Td (      ) Tj ET "
            b"BT /F1 12 Tf 126 400 Td (hoach) Tj ET " + text_stream(), b"Times-Roman"),
]


def _clear() -> None:
    native.pdfium_loops.cache_clear()
    pdfium_page._compiled.cache_clear()


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty cache folder; the loaded loops forgotten before and after."""
    monkeypatch.setenv("VNPLAN_NATIVE_DIR", str(tmp_path / "native"))
    _clear()
    yield tmp_path / "native"
    _clear()


def _pages(data: bytes) -> list[tuple[object, ...]]:
    """Every page as pdfium_page reads it: characters, edges, images (None: pdfplumber reads it)."""
    out: list[tuple[object, ...]] = []
    document = pypdfium2.PdfDocument(data)
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for index, page in enumerate(pdf.pages):
                fast = document[index]
                graphics = pdfium_page.page_graphics(fast.raw, float(page.height), float(page.initial_doctop))
                if graphics is None:
                    out.append((None,))
                    continue
                textpage = fast.get_textpage()
                chars = pdfium_page.page_chars(textpage, float(page.height), float(page.initial_doctop),
                                               graphics.texts, reader._font_descents(page))
                out.append((chars.dicts() if chars is not None else None, graphics.edges.rows(), graphics.images))
                textpage.close()
                fast.close()
    finally:
        document.close()
    return out


def test_compiled_once_into_the_cache_folder(fresh: Path) -> None:
    if native.pdfium_loops() is None:
        pytest.skip("no C compiler on this machine")
    built = list(fresh.glob("pdfium_loops-*.so"))
    assert built == [native.library_path()]
    stamp = built[0].stat().st_mtime_ns
    _clear()
    assert native.pdfium_loops() is not None
    assert built[0].stat().st_mtime_ns == stamp  # loaded, not compiled again


def test_turned_off_or_without_a_compiler_the_python_loops_run(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNPLAN_NATIVE", "0")
    assert native.pdfium_loops() is None and pdfium_page._compiled() is None
    monkeypatch.setenv("VNPLAN_NATIVE", "1")
    monkeypatch.setenv("CC", "no-such-compiler")
    monkeypatch.setattr(native.shutil, "which", lambda name: None)
    _clear()
    assert native.pdfium_loops() is None
    assert not list(fresh.glob("*.so"))
    assert _pages(HAND_WRITTEN[0])[0][0]  # still read by pdfium


def test_a_source_that_does_not_compile_is_reported_not_raised(fresh: Path, monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    broken = tmp_path / "broken.c"
    broken.write_text("int vn_char_objects( {")
    monkeypatch.setattr(native, "SOURCE", broken)
    if native.shutil.which("cc") is None and native.shutil.which("gcc") is None:
        pytest.skip("no C compiler on this machine")
    assert native.pdfium_loops() is None
    assert "compiling broken.c failed" in caplog.text
    assert not list(fresh.glob("*.so"))


@pytest.mark.parametrize("data", HAND_WRITTEN + [p.read_bytes() for p in PDFS],
                         ids=[f"hand{k}" for k in range(len(HAND_WRITTEN))] + [p.name[:40] for p in PDFS])
def test_compiled_and_python_loops_read_the_same(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    _clear()
    if native.pdfium_loops() is None:
        pytest.skip("no C compiler on this machine")
    compiled = _pages(data)
    monkeypatch.setenv("VNPLAN_NATIVE", "0")
    _clear()
    try:
        assert _pages(data) == compiled
    finally:
        monkeypatch.delenv("VNPLAN_NATIVE")
        _clear()
    assert any(page[0] is not None for page in compiled)


def test_segments_beyond_the_buffer_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A path with more segments than the page's buffer holds: the buffer grows."""
    _clear()
    if native.pdfium_loops() is None:
        pytest.skip("no C compiler on this machine")
    path = b"72 500 m " + b" ".join(b"%d %d l" % (72 + k, 500 + (k % 2)) for k in range(1, 700)) + b" S "
    data = raw_pdf(path + text_stream())
    document = pypdfium2.PdfDocument(data)
    page = document[0]
    segments = pdfium_page._Segments(pdfium_page._object_api())
    handle = ctypes.cast(page.raw, ctypes.c_void_p).value
    obj = pdfium_page._object_api().get(handle, 0)
    types, xy, closes = segments.read(obj)
    assert len(types) == 700 and segments.capacity >= 700
    assert xy[:4] == [72.0, 500.0, 73.0, 501.0]


def test_pages_read_in_threads_at_once_are_read_the_same() -> None:
    """The compiled loops' buffers are each thread's own: PDFs read in four threads at once give
    the pages they give read one after the other."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.ingest.legacy import EncodingReport

    def pages(data: bytes) -> list[tuple[str, object]]:
        return [(p.text, p.lines) for p in reader._page_texts(data, "x.pdf", 1000, EncodingReport())]

    datas = [p.read_bytes() for p in PDFS[:8]]
    alone = [pages(data) for data in datas]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(pages, datas * 2))
    assert together == alone * 2
