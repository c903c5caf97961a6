"""Headless Chromium for tests of the static status page (Playwright, sync API).

Drives Debian's ``chromium`` (``/usr/bin/chromium``, installed by ``.ci/run``);
Playwright's own browser download is never used. A test module registers the
fixtures with ``pytest_plugins = ["tests.support.browser"]`` and then asks for
``load``::

    def test_page(load: Loader, site: Path) -> None:
        report = load(site / "index.html", 390, 844)
        assert report.problems() == []
        assert not report.layout().overflows

Each :class:`Loader` call navigates a tab kept for its settings (JavaScript on
or off, colour scheme, CSP bypass; one browser context each, as a new context
costs a renderer process), sizes the viewport, records what the page did while
loading and returns a :class:`PageReport`. Inspect a report before the next load
with the same settings: that load takes the tab over.

What a report records, from the start of navigation:

- console messages of type ``error`` and ``warning``;
- uncaught exceptions (``pageerror``);
- dialogs (``alert``/``confirm``/``prompt``/``beforeunload``), dismissed at once;
- every request for something other than the page's own file; requests that are
  not ``file:`` are also aborted, so a test never touches the network;
- Content-Security-Policy violations (``securitypolicyviolation`` events; only
  with JavaScript on, as the listener is an init script).

The Playwright driver is started once per test module, not per session: while
it is alive the sync API leaves its event loop marked as the thread's running
loop between calls, and every later ``asyncio.run`` or pytest-asyncio test in
the session would fail with "Cannot run the event loop while another loop is
running".
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    Playwright,
    Request,
    Route,
    sync_playwright,
)

ColorScheme = Literal["light", "dark", "no-preference"]

CHROMIUM = "chromium"
MISSING = (
    "Debian's chromium is not on PATH: the status page browser tests need it "
    "(apt-get install chromium fonts-dejavu-core; .ci/run does this). "
    "Do not run `playwright install`: the tests drive the system browser."
)
LOAD_TIMEOUT_MS = 10_000

# Records securitypolicyviolation events; runs before any of the page's own code.
_CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`.trim());
});
"""

# Elements wider than the viewport, for messages about horizontal overflow.
_LAYOUT = """
() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const wide = [];
  for (const el of document.body ? document.body.querySelectorAll("*") : []) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > width + 0.5 || r.left < -0.5)) {
      const id = el.id ? `#${el.id}` : "";
      const cls = typeof el.className === "string" && el.className
        ? "." + el.className.trim().split(/\\s+/).join(".") : "";
      const span = `[${Math.round(r.left)}, ${Math.round(r.right)}]`;
      wide.push(`${el.tagName.toLowerCase()}${id}${cls} ${span}`);
    }
  }
  return {
    viewport_width: window.innerWidth,
    viewport_height: window.innerHeight,
    client_width: width,
    scroll_width: root.scrollWidth,
    body_scroll_width: document.body ? document.body.scrollWidth : 0,
    scroll_height: root.scrollHeight,
    too_wide: wide.slice(0, 10),
  };
}
"""


@dataclass(frozen=True, slots=True)
class ConsoleEntry:
    type: str  # "error" or "warning"
    text: str
    location: str  # "url:line:column"

    def __str__(self) -> str:
        return f"console.{self.type} at {self.location}: {self.text}"


@dataclass(frozen=True, slots=True)
class DialogEntry:
    type: str  # alert / confirm / prompt / beforeunload
    message: str

    def __str__(self) -> str:
        return f"{self.type}({self.message!r})"


@dataclass(frozen=True, slots=True)
class Layout:
    viewport_width: int
    viewport_height: int
    client_width: int  # documentElement.clientWidth: the viewport less any scroll bar
    scroll_width: int  # documentElement.scrollWidth
    body_scroll_width: int
    scroll_height: int
    too_wide: tuple[str, ...]  # elements reaching past the viewport's edges (first 10)

    @property
    def overflows(self) -> bool:
        """The page scrolls sideways."""
        return self.scroll_width > self.client_width or self.body_scroll_width > self.client_width


@dataclass
class PageReport:
    """What one page did while it loaded, and a live handle to inspect it further.

    The browser tab is reused by the next :meth:`StatusBrowser.load` with the same
    settings; from then on this report's methods that touch the page raise.
    """

    path: Path
    url: str
    tab: _Tab
    javascript: bool
    console: list[ConsoleEntry] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[DialogEntry] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # anything but the page's own file

    @property
    def page(self) -> Page:
        if self.tab.current is not self:
            raise RuntimeError(
                f"{self.url}: its tab has loaded another page since; inspect a report "
                "before the next load() with the same settings"
            )
        return self.tab.page

    @property
    def console_errors(self) -> list[ConsoleEntry]:
        return [c for c in self.console if c.type == "error"]

    @property
    def console_warnings(self) -> list[ConsoleEntry]:
        return [c for c in self.console if c.type == "warning"]

    @property
    def external_requests(self) -> list[str]:
        """Requests that leave the file system (http, https, ws, ftp, ...)."""
        return [u for u in self.requests if not u.startswith("file:")]

    def csp_violations(self) -> list[str]:
        """Content-Security-Policy violations so far (always empty with JavaScript off)."""
        if not self.javascript:
            return []
        found = self.page.evaluate("window.__cspViolations || []")
        return [str(v) for v in found]

    def problems(self) -> list[str]:
        """Everything a clean page must not do, as readable lines (empty: clean)."""
        out = [str(c) for c in self.console]
        out += [f"uncaught error: {e}" for e in self.page_errors]
        out += [f"dialog: {d}" for d in self.dialogs]
        out += [f"request: {u}" for u in self.requests]
        out += [f"CSP violation: {v}" for v in self.csp_violations()]
        return out

    def evaluate(self, expression: str, arg: Any = None) -> Any:
        """``page.evaluate``; works with JavaScript off too (it runs over the DevTools protocol)."""
        return self.page.evaluate(expression, arg)

    def text(self) -> str:
        """``document.body.innerText``: the text a reader sees."""
        return str(self.page.evaluate("document.body ? document.body.innerText : ''"))

    def count(self, selector: str) -> int:
        return int(self.page.evaluate("(s) => document.querySelectorAll(s).length", selector))

    def layout(self) -> Layout:
        m = self.page.evaluate(_LAYOUT)
        return Layout(
            viewport_width=int(m["viewport_width"]),
            viewport_height=int(m["viewport_height"]),
            client_width=int(m["client_width"]),
            scroll_width=int(m["scroll_width"]),
            body_scroll_width=int(m["body_scroll_width"]),
            scroll_height=int(m["scroll_height"]),
            too_wide=tuple(str(w) for w in m["too_wide"]),
        )

    def screenshot(self, path: Path, *, full_page: bool = True) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        return path

    def settle(self) -> None:
        """Let queued tasks run, so that handlers due after ``load`` have fired."""
        if self.javascript:
            self.page.evaluate("new Promise((r) => setTimeout(r, 0))")


class Loader(Protocol):
    def __call__(
        self,
        page_path: Path,
        width: int,
        height: int,
        *,
        javascript: bool = True,
        color_scheme: ColorScheme = "light",
        bypass_csp: bool = False,
    ) -> PageReport: ...


class _Tab:
    """A browser context with one page, kept for every load with the same settings.

    A new context costs a renderer process (a few hundred milliseconds); loads
    navigate this page instead. Its listeners record into the current report.
    """

    def __init__(self, context: BrowserContext, javascript: bool) -> None:
        self.context = context
        self.page = context.new_page()
        self.current: PageReport | None = None
        if javascript:
            context.add_init_script(_CSP_LISTENER)
        context.route("**/*", _only_files)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", self._on_pageerror)
        self.page.on("dialog", self._on_dialog)
        self.page.on("request", self._on_request)
        self.page.on("websocket", lambda ws: self._record(ws.url))

    def _on_console(self, msg: ConsoleMessage) -> None:
        if self.current is not None and msg.type in ("error", "warning"):
            loc = msg.location
            where = f"{loc.get('url', '')}:{loc.get('lineNumber', 0)}:{loc.get('columnNumber', 0)}"
            self.current.console.append(ConsoleEntry(msg.type, msg.text, where))

    def _on_pageerror(self, error: Exception) -> None:
        if self.current is not None:
            self.current.page_errors.append(str(error))

    def _on_dialog(self, dialog: Dialog) -> None:
        if self.current is not None:
            self.current.dialogs.append(DialogEntry(dialog.type, dialog.message))
        dialog.dismiss()

    def _on_request(self, request: Request) -> None:
        if self.current is not None and request.url != self.current.url:
            self._record(request.url)

    def _record(self, url: str) -> None:
        if self.current is not None:
            self.current.requests.append(url)


def _only_files(route: Route) -> None:
    """Pages may read files; anything else is aborted, so no test touches the network."""
    if route.request.url.startswith("file:"):
        route.continue_()
    else:
        route.abort("blockedbyclient")


class StatusBrowser:
    """One Chromium; :meth:`load` opens pages in a tab per combination of settings."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self._tabs: dict[tuple[bool, ColorScheme, bool], _Tab] = {}

    def load(
        self,
        page_path: Path,
        width: int,
        height: int,
        *,
        javascript: bool = True,
        color_scheme: ColorScheme = "light",
        bypass_csp: bool = False,
    ) -> PageReport:
        """Open ``page_path`` as a ``file://`` URL at ``width`` x ``height`` CSS pixels.

        ``bypass_csp`` turns the page's Content-Security-Policy off, to show that
        the page is safe by its markup alone and not only because the policy
        blocks what slipped through.
        """
        path = page_path.resolve()
        if not path.is_file():
            raise FileNotFoundError(f"no page to load: {path}")
        tab = self._tab(javascript, color_scheme, bypass_csp)
        report = PageReport(path=path, url=path.as_uri(), tab=tab, javascript=javascript)
        # Leave the previous page first, so that nothing it does lands in this report.
        tab.current = None
        tab.page.goto("about:blank")
        tab.page.set_viewport_size({"width": width, "height": height})
        tab.current = report
        tab.page.goto(report.url, wait_until="load")
        report.settle()
        return report

    def _tab(self, javascript: bool, color_scheme: ColorScheme, bypass_csp: bool) -> _Tab:
        key = (javascript, color_scheme, bypass_csp)
        if key not in self._tabs:
            context = self.browser.new_context(
                java_script_enabled=javascript,
                color_scheme=color_scheme,
                bypass_csp=bypass_csp,
                reduced_motion="reduce",
                locale="en-GB",
                timezone_id="UTC",
                service_workers="block",
            )
            context.set_default_timeout(LOAD_TIMEOUT_MS)
            self._tabs[key] = _Tab(context, javascript)
        return self._tabs[key]

    def close(self) -> None:
        while self._tabs:
            self._tabs.popitem()[1].context.close()


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; fails the test with a clear message if it is missing."""
    executable = shutil.which(CHROMIUM)
    if executable is None:
        pytest.fail(MISSING, pytrace=False)
    return playwright.chromium.launch(
        executable_path=executable,
        headless=True,
        # No GPU and no /dev/shm limits in containers; no first-run or crash UI.
        args=["--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[StatusBrowser]:
    """One headless Chromium per test module (the module docstring says why not per session)."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(MISSING, pytrace=False)
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        harness = StatusBrowser(chromium)
        try:
            yield harness
        finally:
            harness.close()
            chromium.close()


@pytest.fixture
def load(browser: StatusBrowser) -> Loader:
    """``load(page_path, width, height, *, javascript=True, ...) -> PageReport``."""
    return browser.load
