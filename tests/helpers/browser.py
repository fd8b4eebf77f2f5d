"""Headless Chromium driven through its DevTools protocol (``websocket-client``): open a page, collect
its console errors, evaluate JavaScript in it and take screenshots. No npm, no downloads: Debian's
``chromium`` package (``scripts/install_system_packages.sh chromium``)."""
from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import tempfile
import threading
import time
from typing import Any

import websocket

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--autoplay-policy=no-user-gesture-required", "--remote-debugging-port=0"]
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")

# Waits for every <audio> element's metadata (or error) and every image (lazy ones made eager), each
# at most 30 s; resolves to {audio: [{src, duration, error}], images: [{src, width}]} (NaN -> null).
LOAD_MEDIA = """
(async () => {
  const settle = (element, ready, events, describe) => new Promise(resolve => {
    const done = () => resolve(describe());
    setTimeout(done, 30000);
    if (ready()) { done(); return; }
    events.forEach(name => element.addEventListener(name, done, {once: true}));
  });
  const audio = await Promise.all(Array.from(document.querySelectorAll('audio')).map(a => {
    const described = settle(a, () => a.readyState >= 1 || a.error !== null, ['loadedmetadata', 'error'],
      () => ({src: a.getAttribute('src'), duration: a.duration, error: a.error ? a.error.code : null}));
    if (a.readyState < 1 && a.error === null) { a.load(); }
    return described;
  }));
  const images = await Promise.all(Array.from(document.images).map(img => {
    img.loading = 'eager';
    return settle(img, () => img.complete, ['load', 'error'],
      () => ({src: img.getAttribute('src'), width: img.naturalWidth}));
  }));
  return {audio, images};
})()
"""


def chromium_binary() -> str | None:
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


class BrowserError(RuntimeError):
    """Chromium did not start, or a DevTools command failed or timed out."""


class Page:
    """One tab, attached through a flat DevTools session on the browser's websocket."""

    def __init__(self, browser: "Browser", session: str) -> None:
        self.browser, self.session = browser, session
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict | None = None, timeout: float = 60) -> dict[str, Any]:
        return self.browser.call(method, params, self.session, timeout, self.events)

    def wait_for(self, method: str, timeout: float = 60) -> dict[str, Any]:
        """The first event ``method`` of this page (already received or still to come)."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event["method"] == method and not event.get("_seen"):
                    event["_seen"] = True
                    return event
            if time.monotonic() > deadline:
                raise BrowserError(f"no {method} within {timeout} s")
            self.browser.receive(self.session, self.events, deadline)

    def open(self, url: str, timeout: float = 60) -> None:
        """Navigate to ``url`` and wait for its load event, with console, log and runtime events recorded."""
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
        reply = self.send("Page.navigate", {"url": url})
        if reply.get("errorText"):
            raise BrowserError(f"{url}: {reply['errorText']}")
        self.wait_for("Page.loadEventFired", timeout)

    def evaluate(self, expression: str, timeout: float = 120) -> Any:
        """The value of ``expression`` (awaited when it is a promise), returned by value."""
        reply = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True},
                          timeout)
        if "exceptionDetails" in reply:
            raise BrowserError(f"JavaScript failed: {json.dumps(reply['exceptionDetails'])[:2000]}")
        return reply["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads (console or network log) seen so far."""
        found = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                found.append("exception: " + json.dumps(params["exceptionDetails"])[:500])
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                entry = params["entry"]
                found.append(f"log: {entry.get('text')} {entry.get('url', '')}")
        return found

    def screenshot(self, full_page: bool = False) -> bytes:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        return base64.b64decode(self.send("Page.captureScreenshot", params)["data"])


class Browser:
    """A headless Chromium with a fresh profile, closed (and its profile removed) on exit."""

    def __init__(self, binary: str | None = None, timeout: float = 60) -> None:
        binary = binary or chromium_binary()
        if binary is None:
            raise BrowserError(f"none of {CANDIDATES} is on PATH")
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        self.process = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.stderr: list[str] = []
        endpoint = self._endpoint(timeout)
        threading.Thread(target=self._drain, daemon=True).start()
        self.socket = websocket.create_connection(endpoint, timeout=timeout, suppress_origin=True)
        self.ids = itertools.count(1)
        self.pending: dict[str | None, list[dict[str, Any]]] = {}

    def _endpoint(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line and self.process.poll() is not None:
                break
            self.stderr.append(line)
            if line.startswith("DevTools listening on "):
                return line.split(" on ", 1)[1].strip()
        self.close()
        raise BrowserError("chromium printed no DevTools endpoint:\n" + "".join(self.stderr[-20:]))

    def _drain(self) -> None:
        for line in self.process.stderr:
            self.stderr.append(line)

    def receive(self, session: str | None, events: list[dict[str, Any]], deadline: float) -> dict[str, Any]:
        """One message; events of ``session`` go to ``events``, other sessions' are kept for them."""
        self.socket.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            message = json.loads(self.socket.recv())
        except websocket.WebSocketTimeoutException:
            raise BrowserError("timed out waiting for chromium") from None
        if "method" in message:
            (events if message.get("sessionId") == session else self.pending.setdefault(message.get("sessionId"), [])
             ).append(message)
        return message

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60,
             events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Send one DevTools command and wait for its reply."""
        ident = next(self.ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        events = events if events is not None else self.pending.setdefault(session, [])
        while True:
            reply = self.receive(session, events, deadline)
            if reply.get("id") == ident:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def new_page(self) -> Page:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        page.events.extend(self.pending.pop(session, []))
        return page

    def close(self) -> None:
        if getattr(self, "socket", None) is not None:
            try:
                self.call("Browser.close", timeout=10)
            except (BrowserError, websocket.WebSocketException, OSError):
                pass
            self.socket.close()
            self.socket = None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
