"""Keep URL secrets out of anything a person or a log may see.

A target URL can hold credentials anywhere: the password, a token in the host
(``tgram://BOTTOKEN/…``) or the path (``slack://T…/B…/TOKEN``), an API key in
the query. Labels come from Apprise's privacy-mode URL; free text (errors
Apprise logged) is scrubbed of every piece of the URL that is not part of the
public label.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote

from statuscat_tui.core.redact import ELLIPSIS, MASK, MIN_PIECE, redact

__all__ = [
    "ELLIPSIS",
    "MASK",
    "MAX_DETAIL",
    "MIN_PIECE",
    "clip",
    "host_of",
    "label_from_url",
    "redact",
    "scheme_of",
    "secrets_of",
]

MAX_DETAIL = 200  # characters in a Delivery.detail
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_PIECES = re.compile(r"[/:@?&=#;,\s]+")
_MIN_TOKEN = 3  # shorter pieces (``no``, ``1``, ``v2``) are settings, not secrets


def scheme_of(target: str) -> str | None:
    """``json`` for ``json://…``; None when ``target`` is not URL-shaped."""
    match = _SCHEME.match(target)
    return match.group(1).lower() if match else None


def label_from_url(url: str) -> str:
    """``scheme://[user@]host[:port][/…]`` from a (privacy-mode) URL.

    The password, path and query are dropped: privacy mode masks the secrets
    Apprise knows about, but a webhook path or query can still carry a token.
    """
    scheme = scheme_of(url)
    if scheme is None:
        return "invalid target"
    rest = url[len(scheme) + 3 :]
    netloc, sep, tail = _split_netloc(rest)
    userinfo, at, hostport = netloc.rpartition("@")
    user = userinfo.partition(":")[0] if at else ""
    if not hostport:
        return f"{scheme}://…"
    label = f"{scheme}://{user + '@' if user else ''}{hostport}"
    return label + "/…" if sep and tail.strip("/?#") else label


def host_of(label: str) -> str:
    """``host[:port]`` from a label made by :func:`label_from_url`."""
    rest = label.partition("://")[2]
    return rest.split("/", 1)[0].rpartition("@")[2]


def secrets_of(target: str, public: str) -> list[str]:
    """Every piece of ``target`` that may be secret, longest first.

    That is the password, and any other piece of the URL (user, host, path
    segment, query value) that does not appear in ``public`` (the label shown
    to people anyway), in its raw and percent-decoded forms. Pieces shorter than
    three characters are left alone: masking every "p" would garble the text.
    """
    scheme = scheme_of(target)
    rest = target[len(scheme) + 3 :] if scheme else target
    netloc, sep, tail = _split_netloc(rest)
    userinfo, at, _hostport = netloc.rpartition("@")
    found: set[str] = set()
    password = userinfo.partition(":")[2] if at else ""
    if password:  # even where it looks public, e.g. a password equal to the host
        found |= {p for p in (password, unquote(password)) if len(p) >= _MIN_TOKEN}
    public_pieces = set(_PIECES.split(public))
    query = tail if sep == "?" else tail.partition("?")[2]
    pieces = _PIECES.split(rest) + [value for _key, value in parse_qsl(query)]
    for piece in pieces:
        for form in (piece, unquote(piece)):
            if len(form) >= _MIN_TOKEN and form not in public_pieces:
                found.add(form)
    # Query *names* are vocabulary (``token=``, ``from=``), not secrets.
    found -= {key for key, _value in parse_qsl(query)}
    return sorted((s for s in found if s), key=len, reverse=True)


def _split_netloc(rest: str) -> tuple[str, str, str]:
    """Split what follows ``scheme://`` into (netloc, separator, remainder)."""
    end = min((i for c in "/?#" if (i := rest.find(c)) >= 0), default=len(rest))
    return rest[:end], rest[end : end + 1], rest[end + 1 :]


def clip(text: str) -> str:
    """``text`` on one line, at most :data:`MAX_DETAIL` characters."""
    text = " ".join(text.split())
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"
