"""The static status page in a real browser: headless Chromium via tests/support/browser.py.

The page is rendered with ``write_site`` from a model built here, then opened as
``file://`` pages: escaping (with the Content-Security-Policy on and off), layout
on a phone and a desktop, JavaScript off, dark mode and the incident pages.
Screenshots land in ``tests/artifacts/`` (ignored by git).
"""

from __future__ import annotations

import itertools
import struct
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from statuscat_tui.core.statuspage import (
    DAY,
    ComponentStatus,
    DayUptime,
    Impact,
    PublicComponent,
    PublicIncident,
    PublicMaintenance,
    PublicUpdate,
    StatusPageModel,
)
from statuscat_tui.publish import write_site

if TYPE_CHECKING:  # the module is a pytest plugin: pytest imports it, to rewrite its asserts
    from tests.support.browser import ColorScheme, Loader, PageReport, StatusBrowser

pytest_plugins = ["tests.support.browser"]

ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = (390, 844)
DESKTOP = (1280, 800)

# The page's structure, as far as these tests rely on it.
COMPONENT_ITEMS = ".components > li"  # one per component, in a list
UPTIME_BARS = ".bars > *"  # inside a component item: one per day
UPDATE_ITEMS = ".updates > li"  # inside an incident: one per public update

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC).timestamp()
TODAY = NOW // DAY * DAY
ACTIVE_ID = "42"
RESOLVED_ID = "41"


# -- the model ------------------------------------------------------------------


def _days(
    seed: int, *, no_data_before: int = 0, outage_today: float | None = None
) -> tuple[DayUptime, ...]:
    """90 days, oldest first: mostly full uptime, a few dips and a few days without data."""
    out: list[DayUptime] = []
    for i in range(90):
        day = TODAY - (89 - i) * DAY
        if i < no_data_before or (i * 7 + seed) % 23 == 0:
            out.append(DayUptime(day, None))
        elif i == 89 and outage_today is not None:
            out.append(DayUptime(day, outage_today, (100 - outage_today) / 100 * 43200))
        elif (i * 5 + seed) % 17 == 0:
            uptime = 99.2 if i % 2 else 96.5
            out.append(DayUptime(day, uptime, (100 - uptime) / 100 * DAY))
        else:
            out.append(DayUptime(day, 100.0))
    return tuple(out)


def _uptime(days: tuple[DayUptime, ...]) -> float | None:
    known = [d.uptime for d in days if d.uptime is not None]
    return sum(known) / len(known) if known else None


def _component(
    cid: str, name: str, description: str, position: int, status: ComponentStatus, **kw: Any
) -> PublicComponent:
    days = _days(position, **kw)
    return PublicComponent(
        id=cid,
        name=name,
        description=description,
        position=position,
        status=status,
        updated_at=NOW - 3600,
        days=days,
        uptime_90d=_uptime(days),
        uptime_30d=_uptime(days[-30:]),
    )


def make_model(**overrides: Any) -> StatusPageModel:
    """A realistic page: an outage, a slow component, a healthy one, two incidents, maintenance."""
    components = (
        _component(
            "api",
            "Public API",
            "REST and GraphQL endpoints at api.example.com",
            1,
            ComponentStatus.MAJOR_OUTAGE,
            outage_today=62.5,
        ),
        _component(
            "web",
            "Web dashboard",
            "The customer dashboard and sign-in",
            2,
            ComponentStatus.DEGRADED_PERFORMANCE,
        ),
        _component(
            "db",
            "Managed databases",
            "PostgreSQL clusters in eu-west",
            3,
            ComponentStatus.OPERATIONAL,
            no_data_before=20,
        ),
    )
    t0 = NOW - 45 * 60
    active = PublicIncident(
        id=ACTIVE_ID,
        name="API returns 502 errors",
        impact=Impact.CRITICAL,
        status="identified",
        created_at=t0,
        updated_at=NOW - 10 * 60,
        monitoring_at=None,
        resolved_at=None,
        components=("api", "web"),
        updates=(
            PublicUpdate(
                f"{ACTIVE_ID}-9",
                "identified",
                "A failed **load balancer** node drops connections; we are replacing it.",
                NOW - 10 * 60,
                ("api", "web"),
            ),
            PublicUpdate(
                f"{ACTIVE_ID}-5",
                "investigating",
                "Error rates are above 30%. The dashboard is slow as it retries.",
                NOW - 30 * 60,
                ("api", "web"),
            ),
            PublicUpdate(
                f"{ACTIVE_ID}-2",
                "investigating",
                "We are investigating elevated error rates on the public API.",
                t0,
                ("api",),
            ),
        ),
    )
    r0 = NOW - 3 * DAY
    resolved = PublicIncident(
        id=RESOLVED_ID,
        name="Delayed e-mail notifications",
        impact=Impact.MINOR,
        status="resolved",
        created_at=r0,
        updated_at=r0 + 5400,
        monitoring_at=r0 + 3600,
        resolved_at=r0 + 5400,
        components=("web",),
        updates=(
            PublicUpdate(
                f"{RESOLVED_ID}-7",
                "resolved",
                "The queue is empty and notifications arrive on time again.",
                r0 + 5400,
                ("web",),
            ),
            PublicUpdate(
                f"{RESOLVED_ID}-4",
                "monitoring",
                "A fix is deployed; we are watching the queue drain.",
                r0 + 3600,
                ("web",),
            ),
            PublicUpdate(
                f"{RESOLVED_ID}-1",
                "investigating",
                "Notification e-mails are delayed by up to 20 minutes.",
                r0,
                ("web",),
            ),
        ),
        postmortem=(
            "## What happened\n\nA mail relay ran out of disk space.\n\n"
            "## What we changed\n\n- alerts on relay disk usage\n- a second relay"
        ),
    )
    maintenance = PublicMaintenance(
        id="db-upgrade-1",
        name="PostgreSQL 17 upgrade",
        status="scheduled",
        starts=NOW + 2 * DAY,
        ends=NOW + 2 * DAY + 7200,
        components=("db",),
    )
    model = StatusPageModel(
        page_id="0123456789ab",
        title="Example Corp status",
        url="https://status.example.com/",
        time_zone="Europe/Berlin",
        updated_at=NOW,
        indicator=Impact.CRITICAL,
        description="Critical Service Outage",
        components=components,
        incidents=(active, resolved),
        maintenances=(maintenance,),
    )
    return replace(model, **overrides)


def inject(model: StatusPageModel, text: str) -> StatusPageModel:
    """Every free text the page shows becomes ``<tag> <text>``; the tag names the field."""
    return replace(
        model,
        title=f"TITLE {text}",
        components=tuple(
            replace(c, name=f"CNAME{c.position} {text}", description=f"CDESC{c.position} {text}")
            for c in model.components
        ),
        incidents=tuple(
            replace(
                i,
                name=f"INAME{i.id} {text}",
                updates=tuple(replace(u, body=f"UBODY{u.id} {text}") for u in i.updates),
                postmortem=None if i.postmortem is None else f"PM{i.id} {text}",
            )
            for i in model.incidents
        ),
        maintenances=tuple(replace(m, name=f"MNAME {text}") for m in model.maintenances),
    )


def incident(model: StatusPageModel, iid: str) -> PublicIncident:
    return next(i for i in model.incidents if i.id == iid)


# -- page inspection --------------------------------------------------------------

# Markup that a payload could have smuggled in, found however the policy treats it.
_DOM_CHECK = """
() => {
  const describe = (el) => el.outerHTML.slice(0, 160);
  const onAttributes = [];
  const scriptUrls = [];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) onAttributes.push(`${el.tagName.toLowerCase()}[${a.name}]`);
      const v = a.value.replace(/[\\u0000-\\u0020]/g, "").toLowerCase();
      if (/^(javascript|vbscript):/.test(v) || v.startsWith("data:text/html")) {
        scriptUrls.push(`${el.tagName.toLowerCase()}[${a.name}="${a.value}"]`);
      }
    }
  }
  const bad = "script, iframe, frame, frameset, object, embed, applet, base, svg script, "
    + "body style, body link, body meta, meta[http-equiv='refresh' i]";
  return {
    scripts: document.querySelectorAll("script").length,
    on_attributes: onAttributes,
    script_urls: scriptUrls,
    javascript_links: [...document.querySelectorAll('a[href^="javascript:" i]')].map(describe),
    forbidden: [...document.querySelectorAll(bad)].map(describe),
  };
}
"""

_TAG_COUNTS = """
() => {
  const counts = {};
  for (const el of document.querySelectorAll("*")) {
    const t = el.tagName.toLowerCase();
    counts[t] = (counts[t] || 0) + 1;
  }
  return counts;
}
"""

# Fire the events an injected handler would wait for (CSP off: it would run).
_PROVOKE = """
() => {
  for (const el of document.querySelectorAll("*")) {
    for (const type of ["mouseover", "mouseenter", "focus", "load", "error", "animationstart"]) {
      el.dispatchEvent(new Event(type));
    }
  }
}
"""

_BODY_VISIBLE = """
() => {
  const s = getComputedStyle(document.body);
  const r = document.body.getBoundingClientRect();
  return {display: s.display, visibility: s.visibility, opacity: s.opacity,
          width: r.width, height: r.height};
}
"""

_HEADINGS = """
() => [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map(
  (h) => [Number(h.tagName[1]), h.innerText.trim()])
"""

_COMPONENTS = """
(sel) => [...document.querySelectorAll(sel.items)].map((li) => ({
  text: li.innerText,
  bars: li.querySelectorAll(sel.bars).length,
  visible: li.getBoundingClientRect().height > 0,
}))
"""

_UPDATES = """
(sel) => [...document.querySelectorAll(sel)].map((li) => li.innerText)
"""

# The WCAG contrast ratio of an element's text against the first opaque background behind it.
_CONTRAST = """
(sel) => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] === 1) return c;
    }
    return rgb(getComputedStyle(document.documentElement).backgroundColor);
  };
  return [...document.querySelectorAll(sel)].map((el) => {
    const a = lum(rgb(getComputedStyle(el).color));
    const b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    return [el.innerText.trim().slice(0, 40), Math.round(ratio * 100) / 100];
  });
}
"""


def dom_findings(report: PageReport) -> dict[str, Any]:
    found: dict[str, Any] = report.evaluate(_DOM_CHECK)
    return found


def tag_counts(report: PageReport) -> Counter[str]:
    return Counter({str(k): int(v) for k, v in report.evaluate(_TAG_COUNTS).items()})


def components_on(report: PageReport) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = report.evaluate(
        _COMPONENTS, {"items": COMPONENT_ITEMS, "bars": UPTIME_BARS}
    )
    return items


def missing_texts(report: PageReport, expected: list[str]) -> list[str]:
    shown = report.text()
    return [t for t in expected if t not in shown]


def assert_clean(report: PageReport) -> None:
    """No console errors or warnings, exceptions, dialogs, requests or CSP violations."""
    assert report.problems() == [], f"{report.url}:\n" + "\n".join(report.problems())


def assert_fits(report: PageReport) -> None:
    layout = report.layout()
    assert not layout.overflows, (
        f"{report.url} scrolls sideways at {layout.viewport_width} px: "
        f"scrollWidth {layout.scroll_width} > clientWidth {layout.client_width}; "
        f"too wide: {list(layout.too_wide)}"
    )


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


# -- fixtures ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Site:
    root: Path
    model: StatusPageModel

    @property
    def index(self) -> Path:
        return self.root / "index.html"

    def incident(self, iid: str) -> Path:
        return self.root / "incidents" / f"{iid}.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    model = make_model()
    root = tmp_path_factory.mktemp("statuspage") / "site"
    write_site(model, root)
    return Site(root, model)


@pytest.fixture(scope="module")
def baseline_tags(
    browser: StatusBrowser, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Counter[str]]:
    """Element counts of each page when every text is harmless: a payload must not add any."""
    root = tmp_path_factory.mktemp("baseline") / "site"
    write_site(inject(make_model(), "plain text"), root)
    pages = {
        "index": root / "index.html",
        ACTIVE_ID: root / "incidents" / f"{ACTIVE_ID}.html",
        RESOLVED_ID: root / "incidents" / f"{RESOLVED_ID}.html",
    }
    return {k: tag_counts(browser.load(p, *PHONE)) for k, p in pages.items()}


# -- 1. escaping ------------------------------------------------------------------

PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    '"><svg onload=window.__pwned=1>',
    "' onmouseover='window.__pwned=1",
    "[click](javascript:window.__pwned=1)",
    "[x](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "</title><script>alert(1)</script>",
    '<iframe src="javascript:alert(1)">',
    "<style>body{display:none}</style>",
]


def _shown_texts(model: StatusPageModel, page: str) -> list[str]:
    """The free texts (tag and payload) a reader must see, literally, on ``page``."""
    if page == "index":
        texts = [model.title]
        texts += [t for c in model.components for t in (c.name, c.description)]
        texts += [i.name for i in model.incidents]
        texts += [i.updates[0].body for i in model.incidents]  # at least the latest
        texts += [m.name for m in model.maintenances]
        return texts
    inc = incident(model, page)
    texts = [model.title, inc.name, *(u.body for u in inc.updates)]
    if inc.postmortem:
        texts.append(inc.postmortem)
    return texts


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_shown_as_text(
    payload: str, load: Loader, tmp_path: Path, baseline_tags: dict[str, Counter[str]]
) -> None:
    model = inject(make_model(), payload)
    root = tmp_path / "site"
    write_site(model, root)
    pages = {
        "index": root / "index.html",
        ACTIVE_ID: root / "incidents" / f"{ACTIVE_ID}.html",
        RESOLVED_ID: root / "incidents" / f"{RESOLVED_ID}.html",
    }
    for name, path in pages.items():
        # As published: the policy had nothing to block, so nothing was injected.
        shipped = load(path, *PHONE)
        assert_clean(shipped)

        # Without the policy, so that only the markup itself stands between the
        # payload and the reader: nothing runs even when provoked.
        report = load(path, *PHONE, bypass_csp=True)
        report.evaluate(_PROVOKE)
        report.settle()
        where = f"{payload!r} on {name}"
        assert report.evaluate("typeof window.__pwned") == "undefined", where
        assert report.dialogs == [], where
        assert report.page_errors == [], where
        assert report.console_errors == [], where
        assert report.requests == [], where  # an injected <img src=x> would fetch x

        dom = dom_findings(report)
        assert dom["scripts"] == 0, (where, dom)
        assert dom["on_attributes"] == [], where
        assert dom["script_urls"] == [], where
        assert dom["javascript_links"] == [], where
        assert dom["forbidden"] == [], where
        extra = tag_counts(report) - baseline_tags[name]
        assert not extra, f"{where}: elements the payload added: {dict(extra)}"

        assert missing_texts(report, _shown_texts(model, name)) == [], where
        title = str(report.evaluate("document.title"))
        assert model.title in title, (where, title)

        # Nothing broke the layout: the body shows, nothing scrolls sideways.
        body = report.evaluate(_BODY_VISIBLE)
        assert body["display"] != "none" and body["visibility"] == "visible", (where, body)
        assert float(body["opacity"]) == 1 and body["height"] > 200, (where, body)
        assert_fits(report)
        if name == "index":
            assert len(components_on(report)) == 3, where


# -- 2. rendering ------------------------------------------------------------------

STATUS_TEXT = {
    "api": "Major outage",
    "web": "Degraded performance",
    "db": "Operational",
}


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_index_renders(size: tuple[int, int], load: Loader, site: Site) -> None:
    report = load(site.index, *size)
    assert_clean(report)
    assert report.external_requests == []
    assert_fits(report)

    headings: list[list[Any]] = report.evaluate(_HEADINGS)
    h1 = [text for level, text in headings if level == 1]
    assert h1 == [site.model.title], headings
    h2 = " | ".join(text for level, text in headings if level == 2).lower()
    for section in ("component", "incident", "maintenance"):
        assert section in h2, (section, headings)
    levels = [level for level, _ in headings]
    jumps = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert jumps == [], f"heading levels skip: {headings}"

    items = components_on(report)
    assert len(items) == 3, items
    for comp, item in zip(site.model.components, items, strict=True):
        assert comp.name in item["text"], item
        assert STATUS_TEXT[comp.id] == comp.status.label
        assert comp.status.label in item["text"], f"{comp.id}: status not written out: {item}"
        assert item["bars"] == 90, f"{comp.id}: {item['bars']} uptime bars"
        assert item["visible"]

    text = report.text()
    for inc in site.model.incidents:
        assert inc.name in text
    assert site.model.maintenances[0].name in text
    assert site.model.description in text


def test_index_without_javascript(load: Loader, site: Site) -> None:
    report = load(site.index, *PHONE, javascript=False)
    assert report.problems() == []
    assert_fits(report)
    items = components_on(report)
    assert [c.name in i["text"] for c, i in zip(site.model.components, items, strict=True)] == [
        True
    ] * 3
    for comp, item in zip(site.model.components, items, strict=True):
        assert comp.status.label in item["text"]
        assert item["bars"] == 90
    active = incident(site.model, ACTIVE_ID)
    expected = [
        site.model.title,
        active.name,
        "We are investigating elevated error rates on the public API.",
        incident(site.model, RESOLVED_ID).name,
        site.model.maintenances[0].name,
    ]
    assert missing_texts(report, expected) == []

    page = load(site.incident(ACTIVE_ID), *PHONE, javascript=False)
    assert page.problems() == []
    assert page.count(UPDATE_ITEMS) == 3


LONG_WORD = "x" * 120
LONG_URL = "https://example.com/" + "a/" * 80 + "status?" + "&".join(f"k{i}=v" for i in range(30))


def test_empty_and_long_texts(load: Loader, tmp_path: Path) -> None:
    """A quiet page (nothing open, nothing planned) and texts that do not break lines."""
    quiet = make_model(incidents=(), maintenances=(), indicator=Impact.NONE)
    quiet = replace(
        quiet,
        description="All Systems Operational",
        components=tuple(
            replace(c, status=ComponentStatus.OPERATIONAL, description="") for c in quiet.components
        ),
    )
    write_site(quiet, tmp_path / "quiet")
    report = load(tmp_path / "quiet" / "index.html", *PHONE)
    assert_clean(report)
    assert_fits(report)
    assert len(components_on(report)) == 3
    assert "All Systems Operational" in report.text()

    long = make_model()
    active = incident(long, ACTIVE_ID)
    body = f"See <{LONG_URL}> and [the log]({LONG_URL}).\n\n```\n{LONG_WORD} {LONG_WORD}\n```"
    long = replace(
        long,
        title=f"Status {LONG_WORD}",
        components=(replace(long.components[0], name=LONG_WORD), *long.components[1:]),
        incidents=(
            replace(
                active,
                name=f"Outage {LONG_WORD}",
                updates=(replace(active.updates[0], body=body), *active.updates[1:]),
            ),
            *long.incidents[1:],
        ),
    )
    write_site(long, tmp_path / "long")
    for page in ("index.html", f"incidents/{ACTIVE_ID}.html"):
        report = load(tmp_path / "long" / page, *PHONE)
        assert_clean(report)
        assert_fits(report)
        assert LONG_WORD in report.text().replace("\n", "")


def test_links_resolve(load: Loader, site: Site) -> None:
    """Every link from the index to the page's own files leads to a file that exists."""
    for path in (site.index, site.incident(ACTIVE_ID), site.incident(RESOLVED_ID)):
        report = load(path, *DESKTOP)
        hrefs: list[str] = report.evaluate(
            "[...document.querySelectorAll('a[href], link[href]')].map((a) => a.href)"
        )
        local = [h.split("#")[0] for h in hrefs if h.startswith("file:")]
        assert local, path
        missing = [h for h in local if not Path(h.removeprefix("file://")).is_file()]
        assert missing == [], f"{path}: links to missing files: {missing}"
    index_links = load(site.index, *DESKTOP).evaluate(
        "[...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href'))"
    )
    for iid in (ACTIVE_ID, RESOLVED_ID):
        assert f"incidents/{iid}.html" in index_links


# -- 3. screenshots ------------------------------------------------------------------


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_screenshots(size: tuple[int, int], load: Loader, site: Site) -> None:
    width, height = size
    shots: list[tuple[str, Path, ColorScheme]] = [
        (f"statuspage-{width}.png", site.index, "light"),
        (f"statuspage-{width}-dark.png", site.index, "dark"),
        (f"statuspage-incident-{width}.png", site.incident(ACTIVE_ID), "light"),
    ]
    for name, page, scheme in shots:
        path = ARTIFACTS / name
        path.unlink(missing_ok=True)
        load(page, *size, color_scheme=scheme).screenshot(path)
        assert path.is_file()
        assert path.stat().st_size > 15_000, f"{path}: {path.stat().st_size} bytes"
        w, h = png_size(path)
        assert w == width, (path, w)
        assert h >= min(height, 600), (path, h)  # full page: at least the viewport's worth


# -- 4. dark mode ------------------------------------------------------------------

_BODY_COLOURS = (
    "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"
)


def test_dark_mode(load: Loader, site: Site) -> None:
    light = load(site.index, *PHONE, color_scheme="light")
    dark = load(site.index, *PHONE, color_scheme="dark")
    assert_clean(dark)
    light_bg, light_fg = light.evaluate(_BODY_COLOURS)
    dark_bg, dark_fg = dark.evaluate(_BODY_COLOURS)
    assert light_bg != dark_bg, "the page ignores prefers-color-scheme: dark"
    assert light_fg != dark_fg


TEXT = "body, h1, h2, h3, p, li, time, .banner, .status, .update-status, .impact, .bar-legend"
BANNERS = [
    (Impact.NONE, "All Systems Operational"),
    (Impact.NONE, "Service Under Maintenance"),
    (Impact.MINOR, "Minor Service Disruption"),
    (Impact.MAJOR, "Major Service Outage"),
    (Impact.CRITICAL, "Critical Service Outage"),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast(scheme: ColorScheme, load: Loader, site: Site, tmp_path: Path) -> None:
    """Text reaches WCAG AA (4.5:1) against what is behind it, in both colour schemes."""
    low: list[tuple[str, str, float]] = []
    pages = [("index", site.index), ("incident", site.incident(ACTIVE_ID))]
    for indicator, description in BANNERS:  # every banner colour
        root = tmp_path / f"{indicator.value}-{len(description)}"
        write_site(make_model(indicator=indicator, description=description), root)
        pages.append((f"banner {description!r}", root / "index.html"))
    for name, path in pages:
        report = load(path, *PHONE, color_scheme=scheme)
        selector = TEXT if name in ("index", "incident") else ".banner"
        ratios = report.evaluate(_CONTRAST, selector)
        low += [(name, text, ratio) for text, ratio in ratios if ratio < 4.5]
    assert low == [], f"{scheme}: text below 4.5:1 contrast:\n" + "\n".join(map(str, low))


# -- 5. incident pages ------------------------------------------------------------------


@pytest.mark.parametrize("iid", [ACTIVE_ID, RESOLVED_ID])
def test_incident_page_shows_every_update(iid: str, load: Loader, site: Site) -> None:
    inc = incident(site.model, iid)
    report = load(site.incident(iid), *PHONE)
    assert_clean(report)
    assert_fits(report)
    assert inc.name in str(report.evaluate("document.title"))

    updates: list[str] = report.evaluate(_UPDATES, UPDATE_ITEMS)
    assert len(updates) == len(inc.updates) == 3, updates
    # Newest first, each with its body and its state written out.
    labels = {"investigating": "Investigating", "identified": "Identified"}
    labels |= {"monitoring": "Monitoring", "resolved": "Resolved"}
    for shown, update in zip(updates, inc.updates, strict=True):
        body = update.body.replace("**", "")  # Markdown emphasis renders as <strong>
        assert body in shown, (body, shown)
        assert labels[update.status] in shown, (update.status, shown)
    strong = report.evaluate(
        "[...document.querySelectorAll('.updates strong')].map(e => e.innerText)"
    )
    if iid == ACTIVE_ID:
        assert strong == ["load balancer"]
    else:
        assert inc.postmortem is not None
        text = report.text()
        for line in ("What happened", "A mail relay ran out of disk space.", "a second relay"):
            assert line in text
        assert report.count(".postmortem li") == 2
