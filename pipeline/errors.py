"""Error types. Every error the pipeline raises on purpose derives from :class:`PipelineError`.

Each error carries a machine-readable ``code``, the ``stage`` it happened in and a
``hint`` a person can act on; failure records are built from these fields.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base class of every deliberate pipeline error."""

    code = "pipeline_error"
    stage = "pipeline"
    hint = "See the error message."

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def to_dict(self) -> dict[str, str]:
        """Structured form used in the record's ``errors`` list."""
        return {
            "code": self.code,
            "stage": self.stage,
            "message": self.message,
            "exception": type(self).__name__,
            "hint": self.hint,
        }


class ReaderError(PipelineError):
    """A file could not be read into text."""

    code = "unreadable"
    stage = "read"
    hint = "Check that the file opens in its usual application; re-export or re-scan it."


class UnsupportedFormat(ReaderError):
    """No reader handles this file's format."""

    code = "unsupported_format"
    hint = "Supported formats are PDF (scans included), DOCX, Word 97-2003 .doc, RTF, plain text and saved web pages (HTML)."


class EmptyDocument(ReaderError):
    """The file was read but holds no usable text."""

    code = "no_text"
    hint = "The file may be a scan without a text layer; it needs OCR."


class VocabularyError(PipelineError):
    """A vocabulary data file under ``pipeline/lang`` is missing or malformed."""

    code = "vocabulary_invalid"
    stage = "startup"
    hint = "Fix the named vocabulary file; it is validated when the pipeline starts."


class SchemaValidationError(PipelineError):
    """A record does not satisfy the published JSON Schema."""

    code = "schema_invalid"
    stage = "validate"
    hint = "This is a bug in the pipeline: the record it built breaks the contract."


class EncryptedDocument(ReaderError):
    """The file is password-protected, so its text cannot be read."""

    code = "encrypted"
    hint = "Ask the publisher for an unprotected copy, or remove the password and resubmit."


class LegacyEncoding(ReaderError):
    """The text is in a pre-Unicode Vietnamese font encoding (TCVN3/ABC, VNI)."""

    code = "legacy_encoding"
    hint = "Convert the document to Unicode (e.g. UniKey's converter, TCVN3/VNI -> Unicode) and resubmit."


class NeedsOCR(EmptyDocument):
    """A PDF whose pages carry no text layer: a scan."""

    code = "needs_ocr"
    hint = "The PDF is a scan without a text layer; run OCR on it (or ask for the born-digital file) and resubmit."


class TooLarge(ReaderError):
    """The file is over the configured size or page limit."""

    code = "too_large"
    hint = "Split the document or raise the limit (--max-mb / --max-pages) if it is genuine."


class ConverterMissing(ReaderError):
    """A legacy format (Word .doc, RTF) needs LibreOffice to be read, and it is not installed."""

    code = "converter_missing"
    hint = ("Install LibreOffice Writer (Debian/Ubuntu package libreoffice-writer-nogui, "
            "or run scripts/setup.sh) so `soffice` is on PATH, then resubmit.")


class OcrFailed(ReaderError):
    """Tesseract is missing, crashed or timed out on every page it was given."""

    code = "ocr_failed"
    hint = "Check the tesseract install (tesseract-ocr, tesseract-ocr-vie) and the scan; raise the OCR timeout for huge pages."
