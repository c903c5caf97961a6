"""Masking secret values in text a person or a log may see (pure string work).

Used wherever outside or configured text is kept or shown: a probe masks the
values it sent (headers, URL credentials), the engine every ``${VAR}`` value
of the config, a notification channel the pieces of its URL.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ELLIPSIS", "MASK", "MIN_PIECE", "redact"]

MASK = "***"
ELLIPSIS = "…"
MIN_PIECE = 4  # the start of a secret this long, before an ellipsis, is masked too


def redact(text: str, secrets: Iterable[str], mask: str = MASK) -> str:
    """``text`` with every secret replaced by ``mask`` (longest first).

    Text cut short to fit ("…") may end inside a secret: a piece before an
    ellipsis that is the start of a secret (:data:`MIN_PIECE` characters or
    more) is masked too, so a truncated reason gives nothing away.
    """
    ordered = sorted({s for s in secrets if s}, key=len, reverse=True)
    for secret in ordered:
        if secret in text:
            text = text.replace(secret, mask)
    if ELLIPSIS not in text or not ordered:
        return text
    pieces = text.split(ELLIPSIS)
    for i, piece in enumerate(pieces[:-1]):  # each is followed by an ellipsis
        cut = max((_start_of(piece, s) for s in ordered), default=0)
        if cut:
            pieces[i] = piece[:-cut] + mask
    return ELLIPSIS.join(pieces)


def _start_of(text: str, secret: str) -> int:
    """How many characters at the end of ``text`` are the start of ``secret`` (0: none)."""
    for n in range(min(len(secret) - 1, len(text)), MIN_PIECE - 1, -1):
        if text.endswith(secret[:n]):
            return n
    return 0
