"""Benchmark the review workbench's record view on a large record, server side and in Chromium.

    .venv/bin/python benchmarks/workbench_bench.py OUT RECORD_NAME --sources FOLDER [--pages 1 60 119]

``OUT`` is an output folder holding the record (process the PDF first), ``FOLDER`` the folder
holding its source PDF. Starts ``python -m pipeline review serve`` on a free local port, then
prints, for each page asked for:

* server: the record view's HTML (first request after start-up, so the record file is read and
  parsed; then again, warm), its size and its number of value boxes; the page image, rendered
  (cold, the image cache emptied first) and cached;
* browser (if /usr/bin/chromium is there): the time from navigation to the load event (HTML,
  stylesheet, script and page image) in headless Chromium, cold image and warm.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def fetch(url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    data = urllib.request.urlopen(url, timeout=120).read()
    return time.perf_counter() - started, data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("name", help="record name (file name in OUT/records/ without .json)")
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--pages", type=int, nargs="+", default=[1])
    args = parser.parse_args()

    record = json.loads((args.out / "records" / f"{args.name}.json").read_text(encoding="utf-8"))
    images = args.out / "review" / "images" / record["source"]["sha256"]
    shutil.rmtree(images, ignore_errors=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "review", "serve", "--out", str(args.out), "--port",
                             str(port), "--sources", str(args.sources)], cwd=ROOT, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/queue", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("review serve did not start")
                time.sleep(0.2)
        size_mb = (args.out / "records" / f"{args.name}.json").stat().st_size / 1e6
        print(f"{args.name}: {record['source'].get('pages')} pages, record file {size_mb:.1f} MB, "
              f"{len(record.get('blocks') or [])} blocks, {sum(len(t['rows']) for t in record.get('tables') or [])} table rows")
        for page in args.pages:
            view = f"{base}/records/{args.name}?p={page}"
            cold, html = fetch(view)
            warm, _ = fetch(view)
            boxes = html.decode().count('class="box ')
            image = f"{base}/records/{args.name}/pages/{page}.png"
            rendered, png = fetch(image)
            cached, _ = fetch(image)
            print(f"page {page}: server view {cold * 1000:.0f} ms first, {warm * 1000:.0f} ms warm; "
                  f"{len(html) / 1000:.0f} kB HTML, {boxes} boxes; image {rendered * 1000:.0f} ms rendered, "
                  f"{cached * 1000:.0f} ms cached, {len(png) / 1000:.0f} kB")
        browser_cls = None
        if Path("/usr/bin/chromium").exists():
            from browser import Browser as browser_cls
        if browser_cls is not None:
            shutil.rmtree(images, ignore_errors=True)
            with browser_cls() as b:
                b.goto(base + "/queue")
                for page in args.pages:
                    cold = b.goto(f"{base}/records/{args.name}?p={page}")
                    warm = b.goto(f"{base}/records/{args.name}?p={page}")
                    print(f"page {page}: Chromium load {cold * 1000:.0f} ms (image rendered), {warm * 1000:.0f} ms "
                          "(image cached)")
    finally:
        proc.terminate()
        proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
