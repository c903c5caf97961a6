"""Status update text: Markdown with raw HTML off and unsafe links dropped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

SAFE_SCHEMES = ("http:", "https:", "mailto:")


def _validate_link(url: str) -> bool:
    """Only web and mail links; relative links and anchors stay (no scheme at all)."""
    u = "".join(ch for ch in url if ch > " ").lower()
    scheme, colon, _ = u.partition(":")
    if not colon or "/" in scheme or "?" in scheme or "#" in scheme:
        return True
    return u.startswith(SAFE_SCHEMES)


def _link_open(
    self: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
    return self.renderToken(tokens, idx, options, env)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # Images would load from elsewhere; the page loads nothing from outside.
    md.disable("image")
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.add_render_rule("link_open", _link_open)
    return md


_MD = _parser()


def render_markdown(text: str) -> Markup:
    """HTML for an update body; markup in the text is shown, never interpreted."""
    return Markup(_MD.render(text))


def plain_text(text: str, limit: int = 0) -> str:
    """The text without Markdown syntax, for feeds' summaries and titles."""
    tokens: list[Any] = _MD.parse(text)
    out: list[str] = []
    for t in tokens:
        if t.type == "inline" and t.children:
            out.append("".join(c.content for c in t.children if c.type in ("text", "code_inline")))
    s = " ".join(p for p in out if p).strip()
    if limit and len(s) > limit:
        s = s[: limit - 1].rstrip() + "…"
    return s
