"""Legacy Vietnamese font encodings (TCVN3/ABC, VNI) -> Unicode: tables, fonts, detection, reader.

Case tables first (font names; words in each encoding, capital fonts, the PDF alternates),
then round trips over the bundled corpus, content detection on mixed documents, property
tests (Unicode Vietnamese is never touched; encode/convert round-trips), and the text reader
and whole pipeline on TCVN3/VNI files.
"""

from __future__ import annotations

import itertools
import json
import time
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.lang
from pipeline.errors import VocabularyError
from pipeline.ingest import legacy
from pipeline.ingest.legacy import (
    ENCODINGS,
    EncodingReport,
    FontEncoding,
    character_error_rate,
    convert,
    encode,
    font_encoding,
    repair,
)
from pipeline.ingest.readers import read_bytes
from pipeline.lang.syllables import is_syllable
from pipeline.run.process import process_bytes

INBOX = Path(__file__).resolve().parents[1] / "corpus" / "inbox"


def _is_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


INBOX_TEXTS = [p for p in sorted(INBOX.glob("*.txt")) if _is_utf8(p)]  # the Unicode texts
LEGACY_INBOX_TEXTS = [p for p in sorted(INBOX.glob("*.txt")) if not _is_utf8(p)]  # e.g. "...-vni.txt"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def legacy_text(text: str, encoding: str) -> str:
    """What a legacy file holds, as decoded with Windows-1252.

    TCVN3 has no toned capitals (documents draw them with .VnTimeH from lower-case codes),
    so those come out in lower case, as in a real file.
    """
    out = []
    for ch in nfc(text):
        code = encode(ch, encoding)
        try:
            code.encode("cp1252")
        except UnicodeEncodeError:
            code = encode(ch.lower(), encoding)
        out.append(code)
    return "".join(out)


def legacy_bytes(text: str, encoding: str) -> bytes:
    return legacy_text(text, encoding).encode("cp1252")


# --------------------------------------------------------------------------- fonts

@pytest.mark.parametrize(
    ("fontname", "expected"),
    [
        (".VnTime", FontEncoding("tcvn3", False)),
        ("VnTime", FontEncoding("tcvn3", False)),
        ("VNTime", FontEncoding("tcvn3", False)),
        (".VnTime,Italic", FontEncoding("tcvn3", False)),
        ("AARIQC+.VnTime,BoldItalic", FontEncoding("tcvn3", False)),
        ("GDNPOJ+VnTimeItalic", FontEncoding("tcvn3", False)),
        ("GDNPPL+VnTimeBold", FontEncoding("tcvn3", False)),
        (".VnArial", FontEncoding("tcvn3", False)),
        (".VnArial Narrow", FontEncoding("tcvn3", False)),
        (".VnBlack", FontEncoding("tcvn3", False)),
        (".VnCentury Schoolbook", FontEncoding("tcvn3", False)),
        (".VnTimeH", FontEncoding("tcvn3", True)),
        (".VnTimeH,Bold", FontEncoding("tcvn3", True)),
        ("AARIQC+.VnTimeH,Bold", FontEncoding("tcvn3", True)),
        ("VnTimeHBold", FontEncoding("tcvn3", True)),
        ("GDNPMG+VnTimeHBold", FontEncoding("tcvn3", True)),
        ("VnTimeH-BoldItalic", FontEncoding("tcvn3", True)),
        (".VNTIMEH", FontEncoding("tcvn3", True)),
        (".VnArialH", FontEncoding("tcvn3", True)),
        (".VnUniverseH", FontEncoding("tcvn3", True)),
        (".VnArial NarrowH", FontEncoding("tcvn3", True)),
        ("VNI-Times", FontEncoding("vni", False)),
        ("vni-times", FontEncoding("vni", False)),
        ("VNI-Times,Bold", FontEncoding("vni", False)),
        ("ABCDEF+VNI-Times-Bold", FontEncoding("vni", False)),
        ("VNI-Helve", FontEncoding("vni", False)),
        ("VNI-Helve-Condense", FontEncoding("vni", False)),
        ("VNITimes", FontEncoding("vni", False)),
        ("Times New Roman", None),
        ("TimesNewRomanPS-BoldMT", None),
        ("ABCDEF+ArialMT", None),
        ("Arial", None),
        ("DejaVuSans", None),
        ("Liberation Serif", None),
        ("VNF-Futura", None),
        ("Symbol", None),
        ("Wingdings", None),
        ("ABCDEF+", None),
        ("", None),
        (None, None),
    ],
)
def test_font_encoding(fontname: str | None, expected: FontEncoding | None) -> None:
    assert font_encoding(fontname) == expected


# --------------------------------------------------------------------------- convert

WORDS = [
    # (encoding, legacy, Unicode)
    ("tcvn3", "QuyÕt ®Þnh", "Quyết định"),
    ("tcvn3", "B¸o c¸o", "Báo cáo"),
    ("tcvn3", "Thñ t\u00adíng", "Thủ tướng"),
    ("tcvn3", "Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam"),
    ("tcvn3", "§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
    ("tcvn3", "Sè: 115/2004/Q§-TTg", "Số: 115/2004/QĐ-TTg"),
    ("tcvn3", "n¨m, ¨n, b¾t, b»ng, ¼, ½, Æ", "năm, ăn, bắt, bằng, ẳ, ẵ, ặ"),
    ("tcvn3", "nh©n d©n, Ên, Çn, Èn, Én, Ën", "nhân dân, ấn, ần, ẩn, ẫn, ận"),
    ("tcvn3", "Ì Ð Î Ï Ñ ª Õ Ò Ó Ô Ö", "è é ẻ ẽ ẹ ê ế ề ể ễ ệ"),
    ("tcvn3", "× Ý Ø Ü Þ ß ã á â ä", "ì í ỉ ĩ ị ò ó ỏ õ ọ"),
    ("tcvn3", "« è å æ ç é ¬ í ê ë ì î", "ô ố ồ ổ ỗ ộ ơ ớ ờ ở ỡ ợ"),
    ("tcvn3", "ó ï ñ ò ô \u00ad ø õ ö ÷ ù", "ú ù ủ ũ ụ ư ứ ừ ử ữ ự"),
    ("tcvn3", "ý ú û ü þ µ ¸ ¶ · ¹ ®", "ý ỳ ỷ ỹ ỵ à á ả ã ạ đ"),
    ("tcvn3", "¡ ¢ £ ¤ ¥ ¦ §", "Ă Â Ê Ô Ơ Ư Đ"),
    # what PDF ToUnicode maps give for 0xAD, 0xB7 and 0xB5
    ("tcvn3", "Thñ t\u2212íng", "Thủ tướng"),
    ("tcvn3", "b¶o l\u2219nh", "bảo lãnh"),
    ("tcvn3", "v\u03bc", "và"),
    ("vni", "Quyeát ñònh", "Quyết định"),
    ("vni", "Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"),
    ("vni", "UÛY BAN NHAÂN DAÂN TÆNH BÌNH PHÖÔÙC", "ỦY BAN NHÂN DÂN TỈNH BÌNH PHƯỚC"),
    ("vni", "COÄNG HOAØ XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("vni", "Caên cöù Luaät Toå chöùc HÑND vaø UBND", "Căn cứ Luật Tổ chức HĐND và UBND"),
    ("vni", "aù aø aû aõ aï aâ aá aà aå aã aä aê aé aè aú aü aë", "á à ả ã ạ â ấ ầ ẩ ẫ ậ ă ắ ằ ẳ ẵ ặ"),
    ("vni", "ô ôù öø öû öõ öï í ì æ ó ò yù î ñ", "ơ ớ ừ ử ữ ự í ì ỉ ĩ ị ý ỵ đ"),
    ("vni", "AÊ AÉ EÂ EÄ OÂ OÁ Ô ÔÙ Ö ÖØ Í Ì Æ Ó Ò YÙ Î Ñ", "Ă Ắ Ê Ệ Ô Ố Ơ Ớ Ư Ừ Í Ì Ỉ Ĩ Ị Ý Ỵ Đ"),
]


@pytest.mark.parametrize(("encoding", "text", "expected"), WORDS, ids=[f"{e}-{u[:20]}" for e, _, u in WORDS])
def test_convert(encoding: str, text: str, expected: str) -> None:
    assert convert(text, encoding) == expected


CAPITALS = [
    # text in a capital font (.VnTimeH): lower-case codes and ASCII letters draw as capitals
    ("th«ng t\u00ad", "THÔNG TƯ"),
    ("QuyÕt ®Þnh", "QUYẾT ĐỊNH"),
    ("ñy ban nh©n d©n", "ỦY BAN NHÂN DÂN"),
    ("thµnh phè cÇn th¬", "THÀNH PHỐ CẦN THƠ"),
    ("céng hoµ x· héi chñ nghÜa viÖt nam", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("Bé tµi chÝnh - 1998", "BỘ TÀI CHÍNH - 1998"),
]


@pytest.mark.parametrize(("text", "expected"), CAPITALS)
def test_convert_capital_font(text: str, expected: str) -> None:
    assert convert(text, "tcvn3", upper=True) == expected


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("text", ["2024 - 2030: (1) 50%; a/b", "Quyết định Đồng Nai ươ", "", "\t\n"])
def test_convert_passes_through_what_is_not_in_the_table(encoding: str, text: str) -> None:
    assert convert(text, encoding) == text


def test_convert_output_is_nfc() -> None:
    out = convert("Quyeát ñònh soá 12 ngaøy", "vni")
    assert out == nfc(out) == "Quyết định số 12 ngày"
    assert not any(unicodedata.combining(ch) for ch in out)


def test_unknown_encoding() -> None:
    with pytest.raises(ValueError, match="tcvn4"):
        convert("x", "tcvn4")
    with pytest.raises(ValueError, match="tcvn4"):
        encode("x", "tcvn4")


# --------------------------------------------------------------------------- encode


@pytest.mark.parametrize(("encoding", "text", "expected"), [w for w in WORDS if w[1].isascii() is False and
                                                              not any(ch in w[1] for ch in "\u2212\u2219\u03bc")])
def test_encode_gives_the_legacy_codes(encoding: str, text: str, expected: str) -> None:
    if encoding == "tcvn3" and any(ch.isupper() and ch not in "ĂÂÊÔƠƯĐ" and not ch.isascii() for ch in expected):
        pytest.skip("TCVN3 has no codes for toned capitals")
    assert encode(expected, encoding) == text


def test_encode_tcvn3_toned_capitals_stay_unicode() -> None:
    """TCVN3 has no toned capitals: they stay Unicode, decomposed where the letter is a code."""
    assert encode("QUYẾT ĐỊNH", "tcvn3") == "QUYẾT §ỊNH"
    assert encode("È", "tcvn3") == "E\u0300"  # "È" is the TCVN3 code of ẩ
    assert convert(encode("ÈÌÒÓÕÝ", "tcvn3"), "tcvn3") == "ÈÌÒÓÕÝ"


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("path", INBOX_TEXTS, ids=[p.name for p in INBOX_TEXTS])
def test_corpus_round_trip(path: Path, encoding: str) -> None:
    text = nfc(path.read_text(encoding="utf-8"))
    if encoding == "tcvn3":
        # "»" (a breadcrumb in one file) is the TCVN3 code of "ằ": no TCVN3 file can hold it
        text = text.replace("»", ">")
    assert convert(encode(text, encoding), encoding) == text


# --------------------------------------------------------------------------- content detection

MIXED_UNICODE = [
    "ỦY BAN NHÂN DÂN TỈNH CÀ MAU",
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Theo đề nghị của Giám đốc Sở Nội vụ.",
]
MIXED_TCVN3 = [
    "QuyÕt ®Þnh cña Thñ t\u00adíng ChÝnh phñ vÒ viÖc söa ®æi, bæ sung Quy chÕ",
    "C¨n cø NghÞ ®Þnh sè 90/2001/N§-CP ngµy 23 th¸ng 11 n¨m 2001 cña ChÝnh phñ;",
]
MIXED_VNI = [
    "Quyeát ñònh soá 991/QÑ-UBND ngaøy 14 thaùng 5 naêm 2008",
    "Ñoäc laäp - Töï do - Haïnh phuùc",
]


def test_mixed_document_per_line() -> None:
    lines = [MIXED_UNICODE[0], MIXED_TCVN3[0], MIXED_UNICODE[1], MIXED_VNI[0], MIXED_TCVN3[1],
             MIXED_UNICODE[2], MIXED_VNI[1]]
    report = EncodingReport()
    out = repair("\n".join(lines), report).split("\n")
    assert out[0] == MIXED_UNICODE[0] and out[2] == MIXED_UNICODE[1] and out[5] == MIXED_UNICODE[2]
    assert out[1] == "Quyết định của Thủ tướng Chính phủ về việc sửa đổi, bổ sung Quy chế"
    assert out[4] == "Căn cứ Nghị định số 90/2001/NĐ-CP ngày 23 tháng 11 năm 2001 của Chính phủ;"
    assert out[3] == "Quyết định số 991/QĐ-UBND ngày 14 tháng 5 năm 2008"
    assert out[6] == "Độc lập - Tự do - Hạnh phúc"
    assert report.runs == {"tcvn3": 2, "vni": 2}
    assert report.to_dict() == {
        "detected": ["tcvn3", "vni"],
        "runs": {"tcvn3": 2, "vni": 2},
        "chars": {"tcvn3": len(MIXED_TCVN3[0]) + len(MIXED_TCVN3[1]), "vni": len(MIXED_VNI[0]) + len(MIXED_VNI[1])},
        "methods": ["content"],
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a legacy word inside a Unicode line
        ("Căn cứ Quyết định số 12 của UBND tØnh Cà Mau về việc", "Căn cứ Quyết định số 12 của UBND tỉnh Cà Mau về việc"),
        ("Đồng chí Nguyeãn Vaên A, Phó Giám đốc", "Đồng chí Nguyễn Văn A, Phó Giám đốc"),
        # ... where the words that read as Vietnamese either way stay as they are
        ("Ban hành kèm theo QuyÕt ®Þnh sè 12 của Ủy ban", "Ban hành kèm theo Quyết định sè 12 của Ủy ban"),
        # lines that read as Vietnamese either way follow the encoding found elsewhere
        ("Sè: 12/Q§-UBND\nvÒ viÖc ban hµnh\ncã", "Số: 12/QĐ-UBND\nvề việc ban hành\ncó"),
        ("Quyeát ñònh soá 12\nLöu: VT\nBÍ THÖ", "Quyết định số 12\nLưu: VT\nBÍ THƯ"),
    ],
)
def test_repair_converts(text: str, expected: str) -> None:
    report = EncodingReport()
    assert repair(text, report) == expected
    assert report and report.methods == {"content"}


UNICODE_KEPT = [
    "Kế hoạch số 1555/KH-SKHCN\nSở Khoa học và Công nghệ tỉnh Đồng Nai\nphát triển hợp tác xã.",
    "Nhiệt độ 30° – «trích dẫn» § 2, 3 × 4 ± 1",
    "Trang chủ » Tin tức - Sự kiện » Hoạt động của Sở",
    "· Mục 1\n• Mục 2\n© 2024 Cổng thông tin\nđộ dày 10 µm",
    "Lưu: VT\nNơi nhận:\nBÍ THƯ\nCông an\ncó các ý kiến",
    "Hà Nội, ngày 5 tháng 3 năm 2024",
    "−5 °C và −10 °C",
    "Café au lait, naïve résumé, Zürich, São Paulo, Ñandú",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
    unicodedata.normalize("NFD", "Kế hoạch phát triển kinh tế - xã hội tỉnh Bình Phước"),
    "Plain English text without any accents.",
    "«",
    "×",
]


@pytest.mark.parametrize("text", UNICODE_KEPT)
def test_repair_keeps_unicode(text: str) -> None:
    report = EncodingReport()
    assert repair(text, report) == text
    assert not report


@pytest.mark.parametrize("path", INBOX_TEXTS, ids=[p.name for p in INBOX_TEXTS])
def test_repair_keeps_corpus_exactly(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert repair(text) == text


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("path", INBOX_TEXTS, ids=[p.name for p in INBOX_TEXTS])
def test_repair_finds_every_legacy_line(path: Path, encoding: str) -> None:
    """A corpus text as a legacy file: content detection converts all of it, line by line."""
    text = path.read_text(encoding="utf-8")
    if encoding == "tcvn3":
        text = text.replace("»", ">")  # the TCVN3 code of "ằ"
    text = legacy_text(text, encoding)
    report = EncodingReport()
    assert repair(text, report) == convert(text, encoding)
    assert report.detected == [encoding]
    if encoding == "vni":
        assert convert(text, encoding) == nfc(path.read_text(encoding="utf-8"))


def test_repair_leans_on_earlier_calls() -> None:
    """A short run that reads as Vietnamese either way follows what the document was found in."""
    report = EncodingReport()
    assert repair("Sè:", report) == "Sè:"  # on its own: no evidence
    assert repair(MIXED_TCVN3[0], report) == "Quyết định của Thủ tướng Chính phủ về việc sửa đổi, bổ sung Quy chế"
    assert repair("Sè:", report) == "Số:"
    assert repair("«", report) == "«"  # a lone symbol is no word
    unicode = EncodingReport()
    assert repair(" ".join(MIXED_UNICODE) * 3, unicode) == " ".join(MIXED_UNICODE) * 3
    assert repair(MIXED_TCVN3[0], unicode) != MIXED_TCVN3[0]
    assert repair("Công an", unicode) == "Công an"  # a Unicode document: left alone


def test_repair_plain_ascii_and_fast_path() -> None:
    text = "Plain English text, 2024. " * 40000  # ~1 MB
    start = time.perf_counter()
    assert repair(text) is text
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("encoding", [None, *ENCODINGS])
def test_repair_speed_one_megabyte(encoding: str | None) -> None:
    text = ("\n".join(nfc(p.read_text(encoding="utf-8")) for p in INBOX_TEXTS) * 20)[:1_000_000]
    text = text.replace("»", ">")
    if encoding:
        text = encode(text, encoding)
    start = time.perf_counter()
    repair(text)
    assert time.perf_counter() - start < 5  # about 0.1 s (Unicode) to 0.7 s (legacy) unloaded


# --------------------------------------------------------------------------- properties


@lru_cache(maxsize=1)
def _syllables() -> tuple[str, ...]:
    """Vietnamese syllables: onset, nucleus, coda and tone combined, kept when well-formed."""
    onsets = "b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x".split() + [""]
    nuclei = ("a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi ua uâ uê ui uô "
              "uy ưa ưi ươ ưu yê uyê uya oai oay iêu yêu uôi ươi ươu").split()
    codas = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"]
    out = []
    for onset, nucleus, coda, tone in itertools.product(onsets, nuclei, codas, ["", "\u0301", "\u0300", "\u0309",
                                                                             "\u0303", "\u0323"]):
        # the tone on the last vowel before a coda, else on the first (hoà / hòa both occur)
        pos = len(nucleus) if coda or len(nucleus) == 1 else 1
        word = nfc(onset + nucleus[:pos] + tone + nucleus[pos:] + coda)
        if is_syllable(word):
            out.append(word)
    return tuple(out)


def _cased(word: str, style: int) -> str:
    return (word, word.capitalize(), word.upper())[style]


vietnamese_words = st.builds(_cased, st.sampled_from(_syllables()), st.sampled_from([0, 0, 0, 1, 2]))
other_tokens = st.sampled_from(["2024", "12/KH-UBND", "(a)", "-", "–", "“", "”", ":", "%", "UBND", "HTX", "1.", "…"])
separators = st.sampled_from([" ", " ", " ", "  ", "\t", "\n", ", ", ". ", "; "])


@st.composite
def unicode_texts(draw: st.DrawFn) -> str:
    tokens = draw(st.lists(st.one_of(vietnamese_words, vietnamese_words, vietnamese_words, other_tokens),
                           min_size=1, max_size=60))
    seps = draw(st.lists(separators, min_size=len(tokens), max_size=len(tokens)))
    return "".join(tok + sep for tok, sep in zip(tokens, seps))


@settings(max_examples=300, deadline=None)
@given(unicode_texts())
def test_property_unicode_vietnamese_unchanged(text: str) -> None:
    report = EncodingReport()
    assert repair(text, report) == text
    assert not report


@settings(max_examples=200, deadline=None)
@given(unicode_texts(), st.sampled_from(ENCODINGS))
def test_property_round_trip(text: str, encoding: str) -> None:
    assert convert(encode(text, encoding), encoding) == nfc(text)


@settings(max_examples=100, deadline=None)
@given(unicode_texts(), st.sampled_from(ENCODINGS))
def test_property_legacy_text_repaired(text: str, encoding: str) -> None:
    """Lower-case legacy text with a few real words in it comes back as the Unicode text."""
    text = text.lower() + " quyết định của thủ tướng chính phủ"
    assert nfc(repair(encode(text, encoding))) == nfc(text)


# --------------------------------------------------------------------------- report and CER


def test_report() -> None:
    report = EncodingReport()
    assert not report and report.detected == [] and report.to_dict()["detected"] == []
    report.add("vni", 10, "content")
    report.add("tcvn3", 50, "font")
    report.add("tcvn3", 7, "font")
    other = EncodingReport()
    other.add("vni", 100, "content")
    report.merge(other)
    assert report
    assert report.detected == ["vni", "tcvn3"]  # most characters first
    assert report.to_dict() == {"detected": ["vni", "tcvn3"], "runs": {"vni": 2, "tcvn3": 2},
                                "chars": {"vni": 110, "tcvn3": 57}, "methods": ["font", "content"]}
    assert json.loads(json.dumps(report.to_dict())) == report.to_dict()
    assert report.describe() == "vni (2 runs), tcvn3 (2 runs)"
    with pytest.raises(ValueError):
        report.add("viscii", 1, "font")
    with pytest.raises(ValueError):
        report.add("vni", 1, "guess")


def test_character_error_rate() -> None:
    assert character_error_rate("Quyết  định\n", "Quyết định") == 0.0
    assert character_error_rate(unicodedata.normalize("NFD", "Quyết định"), "Quyết định") == 0.0
    assert character_error_rate("Quyet dinh", "Quyết định") == pytest.approx(3 / 10)
    assert character_error_rate("QUYẾT ĐỊNH", "quyết định") == pytest.approx(9 / 10)
    assert character_error_rate("QUYẾT ĐỊNH", "quyết định", casefold=True) == 0.0
    assert character_error_rate("", "") == 0.0
    assert character_error_rate("x", " ") == 1.0


# --------------------------------------------------------------------------- tables


def test_tables_load() -> None:
    tables = legacy.tables()
    assert set(tables.encodings) == set(ENCODINGS)
    assert len(tables.encodings["tcvn3"].inverse) == 74  # VN3: 67 lower-case letters and 7 capitals
    assert len(tables.encodings["vni"].inverse) == 134  # every Vietnamese letter beyond ASCII


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[1, 2]",
        '{"encodings": {}, "fonts": {"rules": []}}',
        '{"encodings": {"tcvn3": {"map": {"ab": "x"}}, "vni": {"map": {"ñ": "đ"}}}, "fonts": {}}',
        '{"encodings": {"tcvn3": {"map": {"a": "x"}}, "vni": {"map": {"ñ": "đ"}}}, "fonts": {}}',
        '{"encodings": {"tcvn3": {"map": {"®": ""}}, "vni": {"map": {"ñ": "đ"}}}, "fonts": {}}',
        '{"encodings": {"tcvn3": {"map": {"®": "đ"}}, "vni": {"map": {"ñ": "đ"}}}, '
        '"fonts": {"subset_prefix": "^x", "style_suffix": "y$", "rules": [{"pattern": "(", "encoding": "vni", "upper": false}]}}',
        '{"encodings": {"tcvn3": {"map": {"®": "đ"}}, "vni": {"map": {"ñ": "đ"}}}, '
        '"fonts": {"subset_prefix": "^x", "style_suffix": "y$", "rules": [{"pattern": "a", "encoding": "abc", "upper": false}]}}',
        '{"encodings": {"tcvn3": {"map": {"®": "đ"}}, "vni": {"map": {"ñ": "đ"}}}, '
        '"fonts": {"subset_prefix": "^x", "style_suffix": "y$", "rules": [{"pattern": "a", "encoding": "vni"}]}}',
    ],
)
def test_malformed_table_names_the_file(content: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / legacy.TABLE_FILE).write_text(content, encoding="utf-8")
    monkeypatch.setattr(pipeline.lang, "VI_DIR", tmp_path)
    monkeypatch.setattr(legacy, "VI_DIR", tmp_path)
    legacy.tables.cache_clear()
    try:
        with pytest.raises(VocabularyError, match=legacy.TABLE_FILE):
            legacy.tables()
    finally:
        legacy.tables.cache_clear()


# --------------------------------------------------------------------------- text reader and pipeline

SAMPLE = INBOX / "103_qd-ubnd-laocai-ocop.txt"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_text_reader_converts_legacy_file(encoding: str) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    data = legacy_bytes(text, encoding)
    raw = read_bytes(data, "old.txt")
    page = raw.pages[0]
    if encoding == "vni":
        assert page == nfc(text)
    else:  # TCVN3 capitals come back in lower case
        assert character_error_rate(page, text, casefold=True) == 0.0
    summary = raw.ingest["encoding"]
    assert summary["detected"] == [encoding] and summary["methods"] == ["content"]
    assert summary["runs"][encoding] > 10 and summary["chars"][encoding] > 1000
    assert raw.warnings == ["encoding: cp1252", f"converted legacy encoding: {encoding} ({summary['runs'][encoding]} runs)"]
    assert read_bytes(data, "old").ingest["encoding"] == summary  # recognised as text without a suffix


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_text_reader_legacy_text_in_utf8(encoding: str) -> None:
    """Legacy text pasted into a UTF-8 file (or saved as such) is converted too."""
    line = "Quyết định của Thủ tướng Chính phủ về việc ban hành Quy chế"
    raw = read_bytes(("Kế hoạch số 12\n" + encode(line, encoding) + "\n").encode("utf-8"), "mixed.txt")
    assert raw.pages == ["Kế hoạch số 12\n" + line + "\n"]
    assert raw.ingest["encoding"]["runs"] == {encoding: 1}


@pytest.mark.parametrize("path", LEGACY_INBOX_TEXTS or [None], ids=[p.name for p in LEGACY_INBOX_TEXTS] or ["none"])
def test_text_reader_legacy_corpus_files(path: Path | None) -> None:
    """Legacy-encoded corpus files read as the Unicode file of the same name, when there is one."""
    if path is None:
        pytest.skip("no legacy-encoded text in corpus/inbox")
    raw = read_bytes(path.read_bytes(), path.name)
    assert raw.ingest["encoding"]["detected"] and raw.ingest["encoding"]["methods"] == ["content"]
    slug = path.stem.split("_", 1)[1].rsplit("-", 1)[0]  # 130_kh-hnd-kiengiang-sxkdg-vni -> kh-hnd-kiengiang-sxkdg
    twins = [p for p in INBOX_TEXTS if p.stem.split("_", 1)[1] == slug]
    for twin in twins:
        assert character_error_rate(raw.pages[0], twin.read_text(encoding="utf-8"), casefold=True) == 0.0


def test_text_reader_unicode_has_no_encoding_report() -> None:
    raw = read_bytes(SAMPLE.read_bytes(), "plan.txt")
    assert "encoding" not in raw.ingest and raw.warnings == []


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_process_legacy_text_file(encoding: str) -> None:
    record = process_bytes(legacy_bytes(SAMPLE.read_text(encoding="utf-8"), encoding), "x.txt")
    assert record["status"] == "ok", record["errors"]
    assert record["document"]["number"] == "1187/QĐ-UBND"
    assert record["document"]["kind"] == "Quyết định"
    assert record["ingest"]["encoding"]["detected"] == [encoding]
    assert "Lào Cai" in record["text"]
