"""A small Chrome DevTools Protocol client for end-to-end tests in real headless Chromium.

It starts Debian's ``chromium`` with a fresh profile and no network of its own, opens one tab
and drives it the way a person does: navigate, click at an element's place, drag the mouse to
select words, type, take screenshots. Only the ``websockets`` package is needed (already a
dependency of Prefect).
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio"]


class BrowserError(AssertionError):
    """The page did not do what the test expected (or Chromium failed)."""


class Browser:
    """One Chromium process with one page, driven over the DevTools protocol."""

    def __init__(self, width: int = 1500, height: int = 1000, timeout: float = 30.0) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="vnplan-chromium-"))
        self.timeout = timeout
        self.proc = subprocess.Popen(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise BrowserError(f"chromium did not start: {self.proc.stderr.read().decode()[-2000:] if self.proc.stderr else ''}")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        pages = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = next(p for p in pages if p.get("type") == "page")
        self.ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=timeout)
        self._id = 0
        self.events: list[dict[str, Any]] = []
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        self.send("Page.setLifecycleEventsEnabled", enabled=True)

    # -- protocol -----------------------------------------------------------------------------
    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        ident = self._id
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + self.timeout
        while True:
            message = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            if message.get("id") == ident:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_event(self, method: str, since: int = 0, timeout: float | None = None) -> dict[str, Any]:
        deadline = time.monotonic() + (timeout or self.timeout)
        seen = since
        while True:
            for event in self.events[seen:]:
                if event.get("method") == method:
                    return event
            seen = len(self.events)
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"no {method} within {timeout or self.timeout}s")
            try:
                self.events.append(json.loads(self.ws.recv(timeout=left)))
            except TimeoutError:
                pass

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:200]}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    # -- what a person does -------------------------------------------------------------------
    def goto(self, url: str) -> float:
        """Open ``url`` and wait until the page and its images are loaded; returns the seconds taken."""
        mark = len(self.events)
        started = time.monotonic()
        self.send("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired", mark)
        return time.monotonic() - started

    def wait_for(self, expression: str, timeout: float | None = None) -> Any:
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {expression}")
            time.sleep(0.05)

    def wait_load(self, mark: int) -> None:
        self.wait_event("Page.loadEventFired", mark)

    def center(self, selector: str) -> tuple[float, float]:
        box = self.evaluate(f"""(() => {{ const el = document.querySelector({json.dumps(selector)});
            if (!el) return null; el.scrollIntoView({{block: "center", inline: "nearest"}});
            const r = el.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }})()""")
        if not box:
            raise BrowserError(f"no element {selector}")
        return box[0], box[1]

    def mouse(self, kind: str, x: float, y: float, buttons: int = 1, clicks: int = 1) -> None:
        self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", buttons=buttons, clickCount=clicks)

    def click(self, selector: str) -> None:
        x, y = self.center(selector)
        self.mouse("mouseMoved", x, y, buttons=0)
        self.mouse("mousePressed", x, y)
        self.mouse("mouseReleased", x, y, buttons=0)

    def click_and_wait(self, selector: str) -> float:
        """Click something that loads a new page; returns the seconds until it is loaded."""
        mark = len(self.events)
        started = time.monotonic()
        self.click(selector)
        self.wait_load(mark)
        return time.monotonic() - started

    def drag(self, start: tuple[float, float], end: tuple[float, float], steps: int = 8) -> None:
        """Press the mouse at ``start``, move to ``end`` and release: selects the text between."""
        self.mouse("mouseMoved", *start, buttons=0)
        self.mouse("mousePressed", *start)
        for i in range(1, steps + 1):
            self.mouse("mouseMoved", start[0] + (end[0] - start[0]) * i / steps,
                       start[1] + (end[1] - start[1]) * i / steps)
        self.mouse("mouseReleased", *end, buttons=0)

    def type_into(self, selector: str, text: str) -> None:
        """Replace the value of an input the way a person does: focus, select all, type."""
        self.click(selector)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).select()")
        self.send("Input.insertText", text=text)

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            size = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": min(size[1], 6000), "scale": 1}
        data = self.send("Page.captureScreenshot", **params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            if getattr(self, "ws", None) is not None:
                self.ws.close()
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
