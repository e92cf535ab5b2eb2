"""Hostile inputs written from scratch: a flate-bomb PDF, a DOCX with a huge XML part, a huge text.

Used by ``hostile_bench.py`` (at full size) and by the hostile-inbox tests (at small sizes).
Nothing here reads real documents; the words are a fixed list of common Vietnamese words.
"""

from __future__ import annotations

import random
import zipfile
import zlib
from pathlib import Path

WORDS = ("kế hoạch", "triển khai", "thực hiện", "nhiệm vụ", "giải pháp", "ủy ban", "nhân dân", "tỉnh",
         "chuyển đổi số", "năm", "mục tiêu", "đến", "phấn đấu", "đạt", "tỷ lệ", "sở", "ban", "ngành",
         "huyện", "xã", "phong trào", "thi đua", "công tác", "báo cáo", "kinh phí", "tổ chức")


def words(n: int, seed: int = 7) -> str:
    """``n`` words from :data:`WORDS`, in a seeded random order, in sentences."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        out.append(rnd.choice(WORDS))
        if i % 17 == 16:
            out[-1] += "."
    return " ".join(out)


def flate_bomb_pdf(path: Path, compressed_bytes: int = 3 * 1024 * 1024) -> Path:
    """A one-page PDF whose content stream is ``compressed_bytes`` of Flate data inflating ~1000:1
    (blanks after a line of text): 3 MB on disk, about 3 GB when read."""
    head = b"BT /F1 12 Tf 72 720 Td (Ke hoach so 12/KH-UBND) Tj ET\n"
    comp = zlib.compressobj(9)
    parts = [comp.compress(head)]
    size = len(parts[0])
    block = b" " * (1024 * 1024)
    while size < compressed_bytes:
        chunk = comp.compress(block)
        parts.append(chunk)
        size += len(chunk)
    parts.append(comp.flush())
    stream = b"".join(parts)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  '<Default Extension="xml" ContentType="application/xml"/>'
                  '<Override PartName="/word/document.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                  '</Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="word/document.xml"/></Relationships>')


def huge_xml_docx(path: Path, xml_bytes: int = 150 * 1024 * 1024, seed: int = 7) -> Path:
    """A valid DOCX whose ``word/document.xml`` is about ``xml_bytes`` of ordinary paragraphs
    (varied words, so it compresses about 10:1 like real text)."""
    rnd = random.Random(seed)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document '
                     b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
                     b'<w:p><w:r><w:t>K\xe1\xba\xbe HO\xe1\xba\xa0CH</w:t></w:r></w:p>')
            written = 0
            while written < xml_bytes:
                para = ("<w:p><w:r><w:t>" + words(40, rnd.randrange(1 << 30)) + f" {rnd.randrange(10**6)}"
                        + "</w:t></w:r></w:p>").encode()
                fh.write(para)
                written += len(para)
            fh.write(b"</w:body></w:document>")
    return path


def huge_text(path: Path, size: int = 45 * 1024 * 1024, seed: int = 7) -> Path:
    """A UTF-8 text of about ``size`` bytes: a plan heading, then numbered paragraphs."""
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("ỦY BAN NHÂN DÂN TỈNH\nKẾ HOẠCH\nTriển khai thực hiện nhiệm vụ năm 2025\n")
        written, i = 0, 0
        while written < size:
            i += 1
            para = f"{i}. " + words(60, rnd.randrange(1 << 30)) + "\n"
            fh.write(para)
            written += len(para.encode())
    return path
