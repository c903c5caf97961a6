"""``history.atom``: one entry per public update, newest first, with stable ids."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from statuscat_tui.core.statuspage import STATUS_LABELS, StatusPageModel
from statuscat_tui.publish.markdown import render_markdown
from statuscat_tui.publish.times import iso_utc

NS = "http://www.w3.org/2005/Atom"
ENTRIES = 100

# XML 1.0 forbids most control characters even when escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{NS}}}{tag}", attrs)
    if text is not None:
        el.text = clean(text)
    return el


def atom_feed(model: StatusPageModel) -> bytes:
    base = model.url or ""
    if base and not base.endswith("/"):
        base += "/"
    entries = [(inc, u) for inc in model.incidents for u in inc.updates]
    entries.sort(key=lambda e: e[1].at, reverse=True)
    updated = entries[0][1].at if entries else model.updated_at

    ET.register_namespace("", NS)
    feed = ET.Element(f"{{{NS}}}feed")
    _sub(feed, "id", f"urn:statuscat:{model.page_id}:history")
    _sub(feed, "title", f"{model.title}: incident history")
    _sub(feed, "updated", iso_utc(updated))
    author = _sub(feed, "author")
    _sub(author, "name", model.title)
    _sub(feed, "link", rel="alternate", type="text/html", href=base + "index.html")
    _sub(feed, "link", rel="self", type="application/atom+xml", href=base + "history.atom")
    _sub(feed, "generator", "StatusCat")
    for inc, u in entries[:ENTRIES]:
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"urn:statuscat:{model.page_id}:update:{u.id}")
        _sub(entry, "title", f"{inc.name}: {STATUS_LABELS.get(u.status, u.status)}")
        _sub(entry, "updated", iso_utc(u.at))
        _sub(entry, "published", iso_utc(u.at))
        page = f"{base}incidents/{inc.id}.html"
        _sub(entry, "link", rel="alternate", type="text/html", href=page)
        _sub(entry, "category", term=u.status)
        _sub(entry, "content", str(render_markdown(u.body)), type="html")
    tree = ET.ElementTree(feed)
    ET.indent(tree)
    data: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return data + b"\n"
