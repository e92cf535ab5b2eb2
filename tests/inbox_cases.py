"""Inputs for the inbox tests: good documents with variations and every kind of bad input."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from conftest import CORPUS
from fixtures import (
    encode_cp1258,
    encrypted_pdf,
    find_font,
    image_only_pdf,
    render_docx,
    render_pdf,
    zip_bomb_docx,
)

XML_BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"""


def xml_bomb_docx(path: Path, source: Path) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = XML_BOMB.encode() if item.filename == "word/document.xml" else src.read(item.filename)
            dst.writestr(item, data)
    return path


def corpus_texts() -> list[tuple[str, str]]:
    """The Unicode sample texts (the 8-bit legacy-encoded sample is left out)."""
    out = []
    for path in sorted((CORPUS / "inbox").glob("*.txt")):
        try:
            out.append((path.name, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue
    return out


def bad_inputs(folder: Path) -> dict[str, str]:
    """Write every kind of bad input into ``folder``; returns file name -> expected error code."""
    folder.mkdir(parents=True, exist_ok=True)
    expected: dict[str, str] = {}
    text = corpus_texts()[0][1]
    (folder / "empty.txt").write_bytes(b"")
    expected["empty.txt"] = "no_text"
    docx = render_docx(text.split("\n")[:20], folder / "ok-source.docx")
    pdf_ok = render_pdf(text[:1500], folder / "ok-source.pdf") if find_font() else None
    if pdf_ok is not None:
        data = pdf_ok.read_bytes()
        (folder / "truncated.pdf").write_bytes(data[: len(data) // 3])
        expected["truncated.pdf"] = "unreadable"
        encrypted_pdf(folder / "encrypted.pdf")
        expected["encrypted.pdf"] = "encrypted"
        (folder / "docx-named.pdf").write_bytes(docx.read_bytes())
    image_only_pdf(folder / "scan.pdf")
    expected["scan.pdf"] = "no_text"  # drawn shapes only: nothing to read and nothing to OCR
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj garbage\n")
    expected["corrupt.pdf"] = "unreadable"
    (folder / "page.pdf").write_text(f"<!DOCTYPE html><html><body><p>{text[:800]}</p></body></html>", encoding="utf-8")
    zip_bomb_docx(folder / "bomb.docx", docx)
    expected["bomb.docx"] = "unreadable"
    xml_bomb_docx(folder / "xmlbomb.docx", docx)
    (folder / "big.txt").write_text(text * 300, encoding="utf-8")
    (folder / "cp1258.txt").write_bytes(encode_cp1258(text[:1500]))
    (folder / "binary.dat").write_bytes(bytes(range(256)) * 16)
    expected["binary.dat"] = "unsupported_format"
    for odd in ("Kế hoạch số 12 (bản cuối).txt", "  spaced name .txt", "a\\..\\..\\evil.txt", "a'b\"c;rm -rf.txt"):
        (folder / odd).write_text(text[:900] + f"\n{odd}", encoding="utf-8")
    (folder / "~$lock.docx").write_bytes(b"owner lock")
    (folder / ".hidden.txt").write_text("hidden")
    (folder / "copying.pdf.part").write_bytes(b"%PDF-1.4 partial")
    return expected


def zip_of(**members: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()
