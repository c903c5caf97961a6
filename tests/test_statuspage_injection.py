"""Every published field, filled with payloads through the real pipeline, stays inert.

tests/test_statuspage_browser.py puts ten HTML/JS payloads into the free texts
of a model built by hand (title, component names and descriptions, incident
names, update bodies, a postmortem, maintenance names). This module covers
what that leaves out, in one build:

- the path from the config and the database to the page: the payloads go in as
  config values (``status_page.title`` and ``url``, component names and
  descriptions, maintenance names) and through the incident and postmortem
  services (titles, status updates, a resolve message, a published postmortem's
  Summary and its action items), and ``publisher.build`` writes the site;
- Markdown tricks in the Markdown fields (autolinks, entity-encoded and
  reference-style ``javascript:`` links, ``data:`` and ``vbscript:`` links,
  raw HTML with event handlers) and the terminal payloads of
  tests/support/hostile.py (control characters, bidi, a 10,000-character line);
- the other files: every ``badges/*.svg`` opened as a document (an SVG runs
  scripts when opened directly), the Atom feed's entry contents as a feed
  reader would render them, the ``api/v2`` JSON.

Each page is loaded in headless Chromium with its Content-Security-Policy and
without it (so that only the markup stands between the payload and the reader),
its handlers provoked; nothing may run, load, or add an element compared with
the same site built from harmless text.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from statuscat_tui.config import parse_config
from statuscat_tui.core.model import Config
from statuscat_tui.core.statuspage import StatusPageModel
from statuscat_tui.engine.clock import SystemClock
from statuscat_tui.engine.incidents import IncidentService
from statuscat_tui.engine.publisher import build
from statuscat_tui.store.store import Store
from tests.support.hostile import HOSTILE, yaml_quoted
from tests.test_statuspage_browser import (
    _BODY_VISIBLE,
    _PROVOKE,
    PAYLOADS,
    PHONE,
    assert_clean,
    assert_fits,
    dom_findings,
    tag_counts,
)

if TYPE_CHECKING:
    from tests.support.browser import PageReport, StatusBrowser

pytest_plugins = ["tests.support.browser"]

ATOM = "{http://www.w3.org/2005/Atom}"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 cannot hold these

# Markdown's own ways to a link or to HTML, on top of test_statuspage_browser's PAYLOADS.
MARKDOWN_PAYLOADS = [
    "<javascript:alert(1)>",
    "[amp](&#106;avascript:alert(1))",
    "[colon](javascript&colon;alert(1))",
    "[ref][evil]\n\n[evil]: javascript:alert(1)",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[vb](vbscript:msgbox(1))",
    "[space]( javascript:alert(1))",
    "<details open ontoggle=alert(1)>x</details>",
    '<a href="https://evil.example/" onclick="alert(1)">a</a>',
    "`<script>alert(1)</script>`",
    "{{ m.title }} {% if true %}jinja{% endif %}",
]
TERMINAL_PAYLOADS = [h.text[:300] for h in HOSTILE]  # the long line, cut for the one-liners
ALL = [*PAYLOADS, *MARKDOWN_PAYLOADS, *TERMINAL_PAYLOADS]


def one_line(parts: list[str]) -> str:
    """For fields that are a single line of text (titles, names)."""
    return " | ".join(p.replace("\n", " ") for p in parts)


def paragraphs(parts: list[str]) -> str:
    """For Markdown fields: one paragraph per payload."""
    return "\n\n".join(parts)


def harmless(parts: list[str]) -> list[str]:
    """The same shape (paragraphs, code spans) with harmless words: the baseline's text."""

    def word(i: int, p: str) -> str:
        return f"`plain text {i}`" if p.startswith("`") and p.endswith("`") else f"plain text {i}"

    return ["\n\n".join(word(i, p) for _ in p.split("\n\n")) for i, p in enumerate(parts)]


# -- building the site through the real services ------------------------------------------


def site_config(parts: list[str], out: Path) -> Config:
    """Payloads in every config value the page publishes; one component per payload."""
    start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    components = "\n".join(
        f"  - {{name: {yaml_quoted(p.replace(chr(10), ' ')[:40])}, "
        f"description: {yaml_quoted(one_line(parts))}}}"
        for p in parts
    )
    monitors = "\n".join(
        f"  - {{id: m{i}, url: 'http://127.0.0.1:9/', component: "
        f"{yaml_quoted(p.replace(chr(10), ' ')[:40])}}}"
        for i, p in enumerate(parts)
    )
    url = "https://status.example.com/\"><script>alert(1)</script>?q='onmouseover='alert(1)"
    return parse_config(
        f"""
settings: {{timezone: UTC, me: ada, postmortem_required: []}}
people: [{{id: ada, name: Ada}}]
status_page:
  title: {yaml_quoted(one_line(parts))}
  url: {yaml_quoted(url)}
  output: {yaml_quoted(str(out))}
components:
{components}
monitors:
{monitors}
maintenance:
  - name: {yaml_quoted(one_line(parts))}
    monitors: [m0]
    start: "{start:%Y-%m-%dT%H:%M}"
    duration: 1h
""",
        "inject.yml",
        env={},
    )


async def _seed_and_build(config: Config, db: Path, out: Path, parts: list[str]) -> StatusPageModel:
    store = await Store.open(db)
    try:
        clock = SystemClock()
        service = IncidentService(store, config, clock)
        postmortems = service.postmortems
        # An active incident: the title, and every payload as its own update.
        active = await service.open(one_line(parts), "SEV1", None, by="ada")
        await service.update(active.id, "investigating", paragraphs(parts), by="ada")
        for p in parts[:6]:
            await service.update(active.id, "identified", p, by="ada")
        # A resolved one with a resolve message and a published postmortem.
        done = await service.open(one_line(parts[::-1]), "SEV2", None, by="ada")
        await service.update(done.id, "monitoring", paragraphs(parts[::-1]), by="ada")
        await service.resolve(done.id, by="ada", force=True, message=paragraphs(parts))
        record = await postmortems.open(done.id, by="ada")
        body = f"# Postmortem\n\n## Summary\n\n{paragraphs(parts)}\n"
        await postmortems.save(done.id, body, base_version=record.version, by="ada")
        for p in parts:
            await postmortems.add_action(done.id, p.replace("\n", " ") or "x", owner="ada")
        await postmortems.set_status(done.id, "in_review", by="ada")
        await postmortems.set_status(done.id, "published", by="ada")
        return await build(store, service, config, clock.time(), out)
    finally:
        await store.close()


def run_in_thread(coro: Callable[[], Coroutine[Any, Any, StatusPageModel]]) -> StatusPageModel:
    """``asyncio.run`` in a thread of its own: Playwright's sync API holds this thread's loop."""
    result: list[StatusPageModel] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro()))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if errors:
        raise errors[0]
    assert result, "the build did not finish"
    return result[0]


@dataclass(frozen=True)
class Built:
    root: Path
    model: StatusPageModel
    parts: list[str]

    def pages(self) -> dict[str, Path]:
        out = {"index": self.root / "index.html"}
        for inc in self.model.incidents:
            out[f"incident {inc.id}"] = self.root / "incidents" / f"{inc.id}.html"
        return out


def build_site(tmp: Path, parts: list[str]) -> Built:
    out = tmp / "site"
    config = site_config(parts, out)
    model = run_in_thread(lambda: _seed_and_build(config, tmp / "sc.db", out, parts))
    return Built(out, model, parts)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_site(tmp_path_factory.mktemp("hostile"), ALL)


@pytest.fixture(scope="module")
def harmless_site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_site(tmp_path_factory.mktemp("harmless"), harmless(ALL))


# -- checks --------------------------------------------------------------------------------

_LINKS = """
() => [...document.querySelectorAll("[href], [src], [action], [formaction], [xlink\\\\:href]")]
  .map((el) => el.getAttribute("href") || el.getAttribute("src") || el.getAttribute("action")
    || el.getAttribute("formaction") || el.getAttribute("xlink:href") || "")
"""
_SAFE_LINK = re.compile(r"^(https?:|mailto:|#|\.\./|[\w-]+(/[\w.-]+)*\.(html|atom|json|svg)$)")


def as_html_text(text: str) -> str:
    """``text`` as a browser shows it: line ends unified, white space collapsed.

    A NUL is dropped from body text and becomes U+FFFD in the title: both go.
    """
    text = text.replace("\x00", "").replace("\ufffd", "").replace("\r", "\n")
    return " ".join(w for w in re.split(r"[ \t\n\f]+", text) if w)


def where_it_differs(expected: str, shown: str) -> str:
    """The part of ``expected`` from where ``shown`` stops holding it (for failure messages)."""
    n = 0
    while n < len(expected) and expected[: n + 1] in shown:
        n += 1
    return repr(expected[max(0, n - 20) : n + 20])


def assert_inert(report: PageReport, where: str) -> None:
    """Nothing ran, loaded, or became markup; every link is a web, mail or relative one."""
    report.evaluate(_PROVOKE)
    report.settle()
    assert report.evaluate("typeof window.__pwned") == "undefined", where
    assert report.dialogs == [], (where, report.dialogs)
    assert report.page_errors == [], (where, report.page_errors)
    assert report.requests == [], (where, report.requests)
    dom = dom_findings(report)
    assert dom["scripts"] == 0, (where, dom)
    assert dom["on_attributes"] == [], (where, dom)
    assert dom["script_urls"] == [], (where, dom)
    assert dom["javascript_links"] == [], (where, dom)
    assert dom["forbidden"] == [], (where, dom)
    links = [str(u) for u in report.evaluate(_LINKS)]
    unsafe = [u for u in links if not _SAFE_LINK.match(u)]
    assert unsafe == [], (where, unsafe)


def test_pages_with_payloads_in_every_field(
    browser: StatusBrowser, hostile_site: Built, harmless_site: Built
) -> None:
    model = hostile_site.model
    # Every field made it onto the page (so every field was tested).
    assert model.title == one_line(ALL)
    assert len(model.components) == len(ALL)
    assert model.maintenances and model.maintenances[0].name == one_line(ALL)
    active, resolved = sorted(model.incidents, key=lambda i: int(i.id))
    assert active.name == one_line(ALL) and len(active.updates) == 7
    assert resolved.resolved_at is not None and resolved.updates[0].body == paragraphs(ALL)
    assert resolved.postmortem is not None and "Follow-up actions" in resolved.postmortem

    baseline = {
        name: tag_counts(browser.load(path, *PHONE)) for name, path in harmless_site.pages().items()
    }
    for name, path in hostile_site.pages().items():
        assert_clean(browser.load(path, *PHONE))  # as shipped: nothing for the policy to block
        report = browser.load(path, *PHONE, bypass_csp=True)
        assert_inert(report, name)
        extra = tag_counts(report) - baseline[name]
        assert not extra, f"{name}: elements the payloads added: {dict(extra)}"
        # Single-line fields show their text exactly, as HTML reads text.
        shown = as_html_text(report.text())
        for text in (model.title, *(c.name for c in model.components)):
            assert as_html_text(text) in shown, (name, where_it_differs(as_html_text(text), shown))
        title = as_html_text(str(report.evaluate("document.title")))
        assert as_html_text(model.title)[:200] in title, name
        body = report.evaluate(_BODY_VISIBLE)
        assert body["display"] != "none" and body["visibility"] == "visible", (name, body)
        assert_fits(report)  # the 10,000-character line wraps, the page does not scroll sideways


def test_badges_with_payload_names(browser: StatusBrowser, hostile_site: Built) -> None:
    badges = sorted((hostile_site.root / "badges").glob("*.svg"))
    assert len(badges) == len(ALL)
    labels = []
    for badge in badges:
        ET.parse(badge)  # well-formed XML: nothing closed the text early
        report = browser.load(badge, 400, 40, bypass_csp=True)
        assert_inert(report, badge.name)
        assert report.count("svg") == 1 and report.count("text") == 2, badge.name
        labels.append(str(report.evaluate("document.querySelector('text').textContent")))
    # Each label is its component's name as text (XML-cleaned, cut at 40 with "…").
    names = [
        " ".join(_NOT_XML.sub("\ufffd", c.name).split()) for c in hostile_site.model.components
    ]
    for label in labels:
        text = " ".join(label.split()).removesuffix("…")
        assert any(n.startswith(text) for n in names), label


def test_feed_entries_render_inert(
    browser: StatusBrowser, hostile_site: Built, tmp_path: Path
) -> None:
    feed = ET.parse(hostile_site.root / "history.atom").getroot()
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == sum(len(i.updates) for i in hostile_site.model.incidents)
    base = hostile_site.model.url or ""
    for link in feed.iter(f"{ATOM}link"):
        assert link.get("href", "").startswith(base), link.attrib
    for entry in entries:
        title = entry.find(f"{ATOM}title")
        assert title is not None and title.get("type") is None  # plain text, not HTML
        content = entry.find(f"{ATOM}content")
        assert content is not None and content.get("type") == "html"
    # What a feed reader shows: each entry's HTML content, rendered.
    html = "".join(f"<article>{e.findtext(f'{ATOM}content')}</article>" for e in entries)
    page = tmp_path / "feed.html"
    page.write_text(f'<!doctype html><meta charset="utf-8"><body>{html}</body>', encoding="utf-8")
    report = browser.load(page, *PHONE, bypass_csp=True)
    assert_inert(report, "feed entries")


def test_json_api_keeps_the_text_as_data(hostile_site: Built) -> None:
    api = hostile_site.root / "api" / "v2"
    docs = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in api.rglob("*.json")}
    summary = docs["summary.json"]
    model = hostile_site.model
    assert summary["page"]["name"] == model.title
    assert summary["page"]["url"] == model.url
    assert [c["name"] for c in summary["components"]] == [c.name for c in model.components]
    assert {c["description"] for c in summary["components"]} == {one_line(ALL)}
    bodies = Counter(u["body"] for i in summary["incidents"] for u in i["incident_updates"])
    assert bodies[paragraphs(ALL)] == 1
    for name, doc in docs.items():  # every text round-trips: JSON escaped it, nothing else
        assert json.loads(json.dumps(doc)) == doc, name
