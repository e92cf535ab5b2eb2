"""End to end in real headless Chromium: a reviewer corrects a scanned PDF in the review workbench.

The workbench (``python -m pipeline review serve``) runs as its own process over an output
folder holding an OCR'd scan and a text record; the browser (Debian's ``chromium``, driven over
the DevTools protocol by :mod:`browser`) opens the queue, opens the scan, sees the page image with
the value boxes (their colours are looked for in a screenshot), follows a value to its box and
back, corrects the document number, deletes a poorly grounded target and adds it again by
dragging the mouse over its words in the text, marks the record reviewed (it leaves the queue),
and has a stale form refused. Then the same file is processed again: the corrections are still
applied and ``review show`` lists them.

Set ``VNPLAN_SCREENSHOTS=DIR`` to keep the screenshots.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from browser import CHROMIUM, Browser
from pipeline.cli import main as cli_main
from pipeline.review.edits import current_version, set_fields, submit
from pipeline.run.batch import process_local

ROOT = Path(__file__).resolve().parents[1]
SCAN = ROOT / "corpus" / "inbox" / "129_kh-lmhtx-sonla-scan.pdf"
TEXT = ROOT / "corpus" / "inbox" / "101_kh-skhcn-dongnai-htx.txt"
NAME = f"{SCAN.name}.json"[:-5]
DOCUMENT_COLOUR = (0xff, 0xd5, 0x4f)  # FAMILIES["document"] in pipeline/review/page.py

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium (/usr/bin/chromium, Debian package "
                                                     "'chromium', installed by scripts/setup.sh) is not installed"),
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed: the scan cannot be read"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("workbench")
    sources, out = root / "sources", root / "out"
    sources.mkdir()
    for path in (SCAN, TEXT):
        shutil.copy(path, sources / path.name)
    summary = process_local([sources / SCAN.name, sources / TEXT.name], out)
    assert summary.counts["ok"] == 2, str(summary)
    return {"root": root, "sources": sources, "out": out}


@pytest.fixture(scope="module")
def server(workspace: dict[str, Path]):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "review", "serve", "--out", str(workspace["out"]),
                             "--port", str(port), "--sources", str(workspace["sources"]), "--author", "reviewer-a"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/queue", timeout=5).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"review serve did not start: {proc.stdout.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    with Browser(width=1500, height=1000) as b:
        yield b


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    keep = os.environ.get("VNPLAN_SCREENSHOTS")
    folder = Path(keep) if keep else tmp_path_factory.mktemp("shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def record(out: Path) -> dict:
    return json.loads((out / "records" / f"{NAME}.json").read_text(encoding="utf-8"))


def colour_pixels(png: Path, colour: tuple[int, int, int], tolerance: int = 12) -> int:
    from PIL import Image

    image = Image.open(png).convert("RGB")
    pixels = image.get_flattened_data() if hasattr(image, "get_flattened_data") else image.getdata()
    return sum(1 for px in pixels if all(abs(a - b) <= tolerance for a, b in zip(px, colour)))


def status(b: Browser) -> int:
    return b.evaluate("performance.getEntriesByType('navigation')[0].responseStatus")


def flash_text(b: Browser) -> str:
    return b.evaluate("Array.from(document.querySelectorAll('.flash')).map(e => e.textContent).join(' | ')") or ""


SELECT_OFFSETS = """(([start, end]) => {
  const text = document.getElementById("text");
  const base = parseInt(text.dataset.start, 10);
  const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
  let count = base, node, found = {};
  while ((node = walker.nextNode())) {
    const chars = Array.from(node.data);
    for (let i = 0, u = 0; i < chars.length; u += chars[i].length, i++) {
      if (count + i === start) found.start = [node, u, chars[i].length];
      if (count + i === end - 1) found.end = [node, u, chars[i].length];
    }
    count += chars.length;
  }
  const rect = ([n, u, len]) => { const r = document.createRange(); r.setStart(n, u); r.setEnd(n, u + len);
    return r.getClientRects()[0]; };
  found.start[0].parentElement.scrollIntoView({block: "center"});
  const a = rect(found.start), z = rect(found.end);
  return [a.left + 0.5, a.top + a.height / 2, z.right - 0.5, z.top + z.height / 2];
})"""


def test_reviewer_corrects_a_scan_in_the_browser(workspace: dict[str, Path], server: str, browser: Browser,
                                                 shots: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, b = workspace["out"], browser
    machine = record(out)
    assert machine["ingest"]["ocr"]["pages"], "the scan was not OCR'd"

    # -- the queue lists both records; the scan opens from it ---------------------------------
    b.goto(server + "/queue")
    names = b.evaluate("Array.from(document.querySelectorAll('tr.entry')).map(r => r.dataset.name)")
    assert set(names) == {NAME, f"{TEXT.name}"}, names
    b.screenshot(shots / "1-queue.png")
    elapsed = b.click_and_wait(f'tr.entry[data-name="{NAME}"] a.open')
    assert status(b) == 200 and b.evaluate("document.querySelector('h1').textContent").startswith(SCAN.name)
    print(f"record view of the scan loaded in the browser in {elapsed:.2f}s")

    # -- the page image with the value boxes ---------------------------------------------------
    b.wait_for("(() => { const i = document.querySelector('.sheet img'); return i && i.complete && i.naturalWidth > 0; })()")
    number_n = b.evaluate("document.querySelector('tr[data-path=\"$.document.number\"]').dataset.n")
    assert b.evaluate(f"!!document.getElementById('box-{number_n}')"), "no box for the document number"
    boxes = b.evaluate("document.querySelectorAll('.sheet .box').length")
    assert boxes >= 5
    inside = b.evaluate(f"""(() => {{ const s = document.querySelector('.sheet').getBoundingClientRect();
        const r = document.getElementById('box-{number_n}').getBoundingClientRect();
        return r.width > 10 && r.left >= s.left && r.right <= s.right && r.top >= s.top && r.bottom <= s.bottom; }})()""")
    assert inside, "the number's box is not on the page image"
    png = b.screenshot(shots / "2-record-page-image.png")
    assert colour_pixels(png, DOCUMENT_COLOUR) > 200, "no document-coloured box painted on the page image"

    # a value shows its box, and a box shows its value
    b.click('tr[data-path="$.document.number"] a.show')
    assert b.evaluate(f"document.getElementById('box-{number_n}').classList.contains('flash')")
    b.evaluate("document.querySelectorAll('.flash').forEach(e => { if (!e.hasAttribute('role')) e.classList.remove('flash'); })")
    b.click(f"#box-{number_n}")
    assert b.evaluate(f"document.getElementById('row-{number_n}').classList.contains('flash')")

    # -- correct the number --------------------------------------------------------------------
    b.type_into('tr[data-path="$.document.number"] input', "46/KH-LMHTX")
    b.click_and_wait('#sec-document button.save')
    assert status(b) == 200 and "Saved as correction c1" in flash_text(b), flash_text(b)
    assert b.evaluate("document.querySelector('tr[data-path=\"$.document.number\"] input').value") == "46/KH-LMHTX"
    assert b.evaluate("document.querySelector('tr[data-path=\"$.document.number\"]').classList.contains('corrected')")
    assert record(out)["document"]["number"] == "46/KH-LMHTX"

    # -- delete a poorly grounded target, add it again from a selection of its words -----------
    targets = record(out)["targets"]
    last = len(targets) - 1
    old = targets[last]
    page = old["evidence"]["page"]
    b.goto(f"{server}/records/{NAME}?p={page}")
    b.evaluate("window.confirm = () => true")
    b.click(f'tr[data-path="$.targets[{last}]"] button.delete')
    b.wait_for("document.readyState === 'complete' && !!document.querySelector('.flash')")
    assert "Saved as correction c2" in flash_text(b), flash_text(b)
    assert len(record(out)["targets"]) == last

    text = record(out)["text"]
    line_start = text.rfind("\n", 0, old["evidence"]["start"]) + 1
    line_end = text.find("\n", old["evidence"]["end"])
    sentence = text[line_start:line_end].rstrip(". ")
    start = line_start + (len(sentence) - len(sentence.lstrip("-–• ")))
    end = line_start + len(sentence)
    x0, y0, x1, y1 = b.evaluate(f"{SELECT_OFFSETS}([{start}, {end}])")
    b.drag((x0, y0), (x1, y1))
    selected = b.evaluate("(() => { const s = window.workbenchSelection(); return s && [s.start, s.end, s.quote]; })()")
    assert selected == [start, end, text[start:end]], (selected, text[start:end])
    b.wait_for("!document.getElementById('selection-bar').hidden")
    b.screenshot(shots / "3-selection.png")
    b.evaluate("document.getElementById('add-family').value = 'targets'")
    b.click("#add-from-selection")
    form = 'dialog form[data-family="targets"]'
    assert b.evaluate("document.getElementById('add-dialog').open")
    first_number = re.search(r"\d+", text[start:end]).group(0)
    assert b.evaluate(f"document.querySelector('{form} [name=\"v:value\"]').value") == first_number
    b.type_into(f'{form} [name="v:value_max"]', "8")
    b.type_into(f'{form} [name="v:unit"]', "lớp")
    indicator = text[start:end].split("lớp", 1)[-1].strip()
    b.type_into(f'{form} [name="v:indicator"]', "lớp " + indicator)
    b.screenshot(shots / "4-add-target.png")
    b.click_and_wait(f"{form} button.save")
    assert status(b) == 200 and "Saved as correction c3" in flash_text(b), flash_text(b)
    added = record(out)["targets"][-1]
    assert added["evidence"] == {"start": start, "end": end, "quote": text[start:end], "page": page}
    assert (added["value"], added["value_max"], added["unit"]) == (old["value"], 8, "lớp")
    assert b.evaluate(f"document.querySelector('tr[data-path=\"$.targets[{last}]\"]').classList.contains('corrected')")

    # -- mark reviewed: it leaves the queue ----------------------------------------------------
    b.goto(f"{server}/records/{NAME}")
    b.click_and_wait("#mark-reviewed")
    assert "marked reviewed" in flash_text(b), flash_text(b)
    b.goto(server + "/queue")
    names = b.evaluate("Array.from(document.querySelectorAll('tr.entry')).map(r => r.dataset.name)")
    assert NAME not in names
    b.click_and_wait('a.chip[data-tier="reviewed"]')
    assert b.evaluate("Array.from(document.querySelectorAll('tr.entry')).map(r => r.dataset.name)") == [NAME]
    b.screenshot(shots / "5-queue-reviewed.png")

    # -- a stale form is refused ---------------------------------------------------------------
    b.goto(f"{server}/records/{NAME}")
    other = submit(out, NAME, current_version(out, NAME) or "",
                   set_fields("/document", {"issuer": "Liên minh Hợp tác xã tỉnh Sơn La"}), author="reviewer-b")
    assert other.correction is not None
    b.type_into('tr[data-path="$.document.province"] input', "Điện Biên")
    b.click_and_wait('#sec-document button.save')
    assert status(b) == 409
    message = flash_text(b)
    assert "changed since this form was opened" in message and "not applied" in message, message
    assert record(out)["document"]["province"] == machine["document"]["province"]
    assert b.evaluate("document.querySelector('tr[data-path=\"$.document.issuer\"] input').value") == \
        "Liên minh Hợp tác xã tỉnh Sơn La"
    b.screenshot(shots / "6-stale-refused.png")

    # -- process the same file again: the corrections stay ---------------------------------------
    summary = process_local([workspace["sources"] / SCAN.name], out)
    assert summary.counts["ok"] == 1
    again = record(out)
    assert again["document"]["number"] == "46/KH-LMHTX"
    assert again["document"]["issuer"] == "Liên minh Hợp tác xã tỉnh Sơn La"
    assert again["targets"][-1] == added and len(again["targets"]) == len(targets)
    assert again["review"]["corrections"] == 4 and again["review"]["conflicts"] == 0
    capsys.readouterr()
    assert cli_main(["review", "show", NAME, "--out", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "4 correction(s)" in shown
    assert '$.document.number: "45/KH-LMHTX" -> "46/KH-LMHTX"' in shown.replace("45 /KH", "45/KH") or \
        '-> "46/KH-LMHTX"' in shown, shown
    assert f"$.targets[{last}]: " in shown and "(removed)" in shown and "$.targets[-]: (none) ->" in shown, shown
    b.goto(f"{server}/records/{NAME}")
    assert b.evaluate("document.querySelector('tr[data-path=\"$.document.number\"] input').value") == "46/KH-LMHTX"
