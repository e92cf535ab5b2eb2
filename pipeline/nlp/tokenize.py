"""Vietnamese tokenisation: underthesea word segmentation into a spaCy ``Doc``.

Document numbers, dates and numbers are recognised first (:mod:`pipeline.nlp.recognize`) and kept
as single tokens labelled as entities; the text between them is segmented by underthesea
("hợp tác xã" is one token). Tokens map back to character offsets exactly:
``doc[i].idx`` is the token's offset in the normalised text and ``doc.text == text``.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from ..core.timing import stage
from .recognize import Mention, recognize

# underthesea loads its model lazily and is not safe to call from several threads at once.
_UNDERTHESEA = threading.Lock()


def _segment(chunk: str) -> list[tuple[int, int]]:
    """Character spans of the words underthesea finds in ``chunk`` (no newlines inside)."""
    from underthesea import word_tokenize

    spans: list[tuple[int, int]] = []
    pos = 0
    if chunk.strip():
        with _UNDERTHESEA:
            words = word_tokenize(chunk)
    else:
        words = []
    for word in words:
        while pos < len(chunk) and chunk[pos].isspace():
            pos += 1
        if chunk.startswith(word, pos):
            spans.append((pos, pos + len(word)))
            pos += len(word)
            continue
        # underthesea changed the characters: fall back to whitespace splitting for the rest.
        return spans + _whitespace_spans(chunk, pos)
    if chunk[pos:].strip():
        spans.extend(_whitespace_spans(chunk, pos))
    return spans


def _whitespace_spans(chunk: str, pos: int) -> list[tuple[int, int]]:
    spans = []
    i = pos
    n = len(chunk)
    while i < n:
        while i < n and chunk[i].isspace():
            i += 1
        j = i
        while j < n and not chunk[j].isspace():
            j += 1
        if j > i:
            spans.append((i, j))
        i = j
    return spans


def token_spans(text: str, mentions: list[Mention]) -> list[tuple[int, int, Mention | None]]:
    """Token spans of ``text``: mentions whole, underthesea words between them, line by line."""
    out: list[tuple[int, int, Mention | None]] = []
    pos = 0
    for m in [*mentions, None]:
        gap_end = m.start if m is not None else len(text)
        line_start = pos
        while line_start < gap_end:
            nl = text.find("\n", line_start, gap_end)
            line_end = gap_end if nl < 0 else nl
            for s, e in _segment(text[line_start:line_end]):
                out.append((line_start + s, line_start + e, None))
            line_start = line_end + 1
        if m is not None:
            out.append((m.start, m.end, m))
            pos = m.end
    return out


class VietnameseTokenizer:
    """spaCy tokenizer: ``nlp(text)`` gives a Doc whose tokens are underthesea words and mentions."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        mentions = recognize(text)
        spans = token_spans(text, mentions)
        words: list[str] = []
        spaces: list[bool] = []
        starts: list[int] = []
        cursor = 0
        for s, e, _ in spans:
            if s > cursor:  # whitespace (or newlines) between tokens
                gap = text[cursor:s]
                if gap == " " and words:
                    spaces[-1] = True
                else:
                    if words and gap.startswith(" "):
                        spaces[-1] = True
                        gap = gap[1:]
                    if gap:
                        words.append(gap)
                        spaces.append(False)
                        starts.append(s - len(gap))
            words.append(text[s:e])
            spaces.append(False)
            starts.append(s)
            cursor = e
        if cursor < len(text):
            words.append(text[cursor:])
            spaces.append(False)
            starts.append(cursor)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        index = {start: i for i, start in enumerate(starts)}
        ents = [Span(doc, index[m.start], index[m.start] + 1, label=m.label) for _, _, m in spans if m is not None]
        doc.ents = ents
        return doc


@lru_cache(maxsize=1)
def nlp() -> Language:
    """A blank Vietnamese spaCy pipeline with the underthesea-based tokenizer."""
    lang = spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})
    lang.tokenizer = VietnameseTokenizer(lang.vocab)
    return lang


def tokenize(text: str) -> Doc:
    """Tokenise normalised text into a spaCy Doc (``doc.text == text``)."""
    with stage("tokenise"):
        return nlp()(text)
