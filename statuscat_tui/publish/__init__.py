"""The public status page: HTML, Statuspage-shaped JSON, an Atom feed and badges.

``statuscat_tui.core.statuspage`` decides what is public; this package only
renders it. Every value is escaped; update text is Markdown with raw HTML off.
"""

from statuscat_tui.publish.site import render_site, write_site

__all__ = ["render_site", "write_site"]
