"""A small Chrome DevTools Protocol client for tests: headless Chromium, driven over a websocket.

Debian's `chromium` package is the browser; aiohttp (already a dependency) speaks the protocol,
so tests need no Selenium or Playwright. Typical use:

    async with launch_chromium() as browser:
        await browser.navigate(f"{base_url}/")
        await browser.type_text("#tekst", "hallo")
        await browser.click("#stuur")
        await browser.wait_until("document.querySelectorAll('.bericht').length === 1")
        await browser.screenshot("/tmp/page.png")

`browser.errors` collects uncaught page exceptions and console errors, so a test can assert
that the page ran cleanly.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

_DEVTOOLS_LINE = re.compile(rb"DevTools listening on (ws://\S+)")
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-proxy-server",
    "--mute-audio",
    "--remote-debugging-port=0",
)


class CdpError(RuntimeError):
    """A DevTools command failed, or JavaScript threw."""


def find_chromium() -> str | None:
    """Path of a Chromium or Chrome binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Chromium:
    """One headless browser with one page (tab); use `launch()` or `launch_chromium()`."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        http: aiohttp.ClientSession,
        socket: aiohttp.ClientWebSocketResponse,
        profile: str,
        stderr_tail: list[str],
    ) -> None:
        self._process = process
        self._http = http
        self._socket = socket
        self._profile = profile
        self._stderr_tail = stderr_tail
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._waiters: dict[str, list[asyncio.Future[dict[str, Any]]]] = {}
        self._session_id: str | None = None
        self._reader: asyncio.Task[None] | None = None
        self._drain: asyncio.Task[None] | None = None
        self.errors: list[str] = []

    @classmethod
    async def launch(
        cls,
        *,
        width: int = 420,
        height: int = 860,
        binary: str | None = None,
        timeout: float = 30.0,
        flags: tuple[str, ...] = (),
    ) -> Chromium:
        """Start Chromium with a fresh profile and open a blank page of `width` x `height`
        (`flags`: more command-line switches, e.g. a fake microphone)."""
        binary = binary or find_chromium()
        if binary is None:
            raise FileNotFoundError("no chromium binary found (apt-get install chromium)")
        profile = tempfile.mkdtemp(prefix="taalmaatje-chromium-")
        process = await asyncio.create_subprocess_exec(
            binary,
            *_FLAGS,
            *flags,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "about:blank",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        tail: list[str] = []
        found: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        drain = asyncio.create_task(_read_stderr(process, tail, found))
        http = aiohttp.ClientSession()
        try:
            ws_url = await asyncio.wait_for(found, timeout)
            socket = await http.ws_connect(ws_url, max_msg_size=0)
        except BaseException as error:
            await http.close()
            process.kill()
            await process.wait()
            drain.cancel()
            await asyncio.to_thread(shutil.rmtree, profile, True)
            if isinstance(error, Exception):
                raise CdpError("chromium did not start: " + " | ".join(tail[-5:])) from error
            raise
        browser = cls(process, http, socket, profile, tail)
        browser._drain = drain
        browser._reader = asyncio.create_task(browser._read())
        try:
            await browser._open_page(width, height)
        except BaseException:
            await browser.close()
            raise
        return browser

    async def _open_page(self, width: int, height: int) -> None:
        target = await self.send("Target.createTarget", {"url": "about:blank"}, page=False)
        attached = await self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, page=False
        )
        self._session_id = attached["sessionId"]
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            await self.send(domain)
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    async def _read(self) -> None:
        async for frame in self._socket:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            message = json.loads(frame.data)
            if "id" in message:
                future = self._pending.pop(message["id"], None)
                if future is not None and not future.done():
                    if "error" in message:
                        future.set_exception(CdpError(json.dumps(message["error"])))
                    else:
                        future.set_result(message.get("result", {}))
                continue
            self._on_event(message.get("method", ""), message.get("params", {}))
        for future in self._pending.values():
            if not future.done():
                future.set_exception(CdpError("the browser closed the DevTools connection"))

    def _on_event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            description = details.get("exception", {}).get("description") or details.get("text")
            self.errors.append(f"exception: {description}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            args = [str(arg.get("value", arg.get("description", ""))) for arg in params["args"]]
            self.errors.append("console.error: " + " ".join(args))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
        for future in self._waiters.pop(method, []):
            if not future.done():
                future.set_result(params)

    def _expect(self, method: str) -> asyncio.Future[dict[str, Any]]:
        """A future for the next `method` event; create it before causing the event."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(method, []).append(future)
        return future

    async def send(
        self, method: str, params: dict[str, Any] | None = None, *, page: bool = True
    ) -> dict[str, Any]:
        """Run one DevTools command (on the page unless `page=False`) and return its result."""
        self._next_id += 1
        command: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if page and self._session_id:
            command["sessionId"] = self._session_id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        await self._socket.send_str(json.dumps(command))
        return await asyncio.wait_for(future, 30.0)

    async def navigate(self, url: str, timeout: float = 15.0) -> None:
        """Open `url` and wait for its load event."""
        loaded = self._expect("Page.loadEventFired")
        result = await self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise CdpError(f"navigating to {url} failed: {result['errorText']}")
        await asyncio.wait_for(loaded, timeout)

    async def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page (promises are awaited)."""
        result = await self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise CdpError(f"JavaScript failed: {text}")
        return result.get("result", {}).get("value")

    async def wait_until(self, expression: str, timeout: float = 10.0) -> Any:
        """Poll a JavaScript expression until it is truthy; return its value. While the
        page navigates, the document may be gone for a moment: that is not yet an error."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                value = await self.evaluate(expression)
            except CdpError:  # the page is between two documents (a form was sent)
                value = None
                if loop.time() > deadline:
                    raise
            if value:
                return value
            if loop.time() > deadline:
                raise TimeoutError(f"still false after {timeout} s: {expression}")
            await asyncio.sleep(0.05)

    async def wait_for(self, selector: str, timeout: float = 10.0) -> None:
        """Wait until an element matches the CSS `selector`."""
        await self.wait_until(f"!!document.querySelector({json.dumps(selector)})", timeout)

    async def click(self, selector: str) -> None:
        """Click the element's centre with real mouse events, as a user would."""
        box = await self.evaluate(
            f"""(() => {{
                const el = document.querySelector({json.dumps(selector)});
                if (!el) return null;
                el.scrollIntoView({{block: "center"}});
                const r = el.getBoundingClientRect();
                return {{x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width}};
            }})()"""
        )
        if not box or not box["w"]:
            raise CdpError(f"nothing visible to click at {selector}")
        point = {"x": box["x"], "y": box["y"]}
        await self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", **point})
        for kind in ("mousePressed", "mouseReleased"):
            await self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "button": "left", "clickCount": 1, **point},
            )

    async def type_text(self, selector: str, text: str) -> None:
        """Focus the field by clicking it and type `text` into it."""
        await self.click(selector)
        await self.send("Input.insertText", {"text": text})

    async def screenshot(self, path: str | Path) -> Path:
        """Save a PNG of the viewport."""
        shot = await self.send("Page.captureScreenshot", {"format": "png"})
        target = Path(path)
        await asyncio.to_thread(target.write_bytes, base64.b64decode(shot["data"]))
        return target

    async def close(self) -> None:
        """Stop the browser and remove its profile."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.send("Browser.close", page=False), 5.0)
        with contextlib.suppress(Exception):
            await self._socket.close()
        await self._http.close()
        try:
            await asyncio.wait_for(self._process.wait(), 5.0)
        except asyncio.TimeoutError:
            self._process.kill()
            await self._process.wait()
        for task in (self._reader, self._drain):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await asyncio.to_thread(shutil.rmtree, self._profile, True)

    async def __aenter__(self) -> Chromium:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


async def _read_stderr(
    process: asyncio.subprocess.Process, tail: list[str], found: asyncio.Future[str]
) -> None:
    """Find the DevTools URL in Chromium's stderr and keep draining it (a full pipe blocks)."""
    assert process.stderr is not None
    async for line in process.stderr:
        match = _DEVTOOLS_LINE.search(line)
        if match and not found.done():
            found.set_result(match.group(1).decode())
        tail.append(line.decode(errors="replace").rstrip())
        del tail[:-50]
    if not found.done():
        found.set_exception(CdpError("chromium exited"))


@contextlib.asynccontextmanager
async def launch_chromium(**options: Any) -> AsyncIterator[Chromium]:
    """`async with launch_chromium() as browser:`; options as for `Chromium.launch`."""
    browser = await Chromium.launch(**options)
    try:
        yield browser
    finally:
        await browser.close()


# --- the web chat's page ---------------------------------------------------------------------

BOT_BUBBLES = "document.querySelectorAll('.van-bot').length"


def texts(selector: str) -> str:
    """JavaScript: the text of every element matching `selector`."""
    return f"[...document.querySelectorAll({json.dumps(selector)})].map(e => e.textContent)"


async def click_button(
    browser: Chromium, data: str, timeout: float = 20.0, *, title: str | None = None
) -> int:
    """Click, with real mouse events, the newest enabled bot button that sends `data` (or,
    with `title`, shows that title); returns how many bot messages there were before."""
    field, wanted = ("textContent", title) if title is not None else ("dataset.data", data)
    found = f"""[...document.querySelectorAll('.van-bot button.knop')]
        .filter(b => b.{field} === {json.dumps(wanted)} && !b.disabled)"""
    await browser.wait_until(f"{found}.length > 0", timeout=timeout)
    before = await browser.evaluate(BOT_BUBBLES)
    await browser.evaluate(
        f"""(() => {{
            for (const old of document.querySelectorAll('[data-test-doel]')) {{
                old.removeAttribute('data-test-doel');
            }}
            const buttons = {found};
            buttons[buttons.length - 1].setAttribute('data-test-doel', '');
        }})()"""
    )
    await browser.click("[data-test-doel]")
    return int(before)


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


async def axe_violations(browser: Chromium) -> list[dict[str, Any]]:
    """axe-core (npm, `make node-deps`) run on the page as it is now: each violation's rule
    id, impact and the first offending elements. Injected through the DevTools protocol, so
    a page's own Content-Security-Policy does not stop it."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run `make node-deps` (npm ci)")
    await browser.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    found = await browser.evaluate(
        """axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
            id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))
        })))"""
    )
    return list(found or [])
