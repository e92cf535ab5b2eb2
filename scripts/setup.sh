#!/usr/bin/env bash
# Idempotent set-up: system packages the tests need, a virtualenv in .venv, and the project
# installed (editable) with the pinned, tested constraint set. Re-running is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=${VENV:-.venv}

# Fonts used to render PDF fixtures (tests) and the sample corpus.
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing fonts-dejavu-core" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq fonts-dejavu-core >/dev/null || \
    echo "setup: could not install fonts-dejavu-core; PDF fixture tests will be skipped" >&2
fi

# Headless Chromium, used by tests/test_review_page.py to screenshot the review pages.
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing chromium" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq >/dev/null && \
    $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; } || \
    echo "setup: warning: could not install chromium; the review page browser test will be skipped" >&2
fi

# OCR (Tesseract with its Vietnamese model) and the .doc/.rtf converter (LibreOffice Writer,
# headless). Without them scans fail with needs_ocr and .doc/.rtf with converter_missing.
missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
[ -n "$(ls /usr/share/tesseract-ocr/*/tessdata/vie.traineddata 2>/dev/null)" ] || missing+=(tesseract-ocr-vie)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq >/dev/null && \
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null; } || \
    echo "setup: warning: could not install ${missing[*]}; OCR / .doc / .rtf tests will be skipped" >&2
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV" >&2
  "$PY" -m venv "$VENV"
fi

stamp="$VENV/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing dependencies (pinned by constraints.txt)" >&2
  "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
  "$VENV/bin/python" -m pip install -q -c constraints.txt -e ".[test]"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

# The compiled pdfium loops (pipeline/ingest/readers/native), built now rather than by the first
# PDF read; without a C compiler the same loops run in Python.
"$VENV/bin/python" -c 'from pipeline.ingest.readers import native; native.pdfium_loops() or print("setup: no C compiler: PDFs are read by the Python loops")' >&2
