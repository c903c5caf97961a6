"""One entry of a person's ``notify`` list: deliver to it, label it, check it."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterable
from functools import lru_cache

from statuscat_tui.core.outbound import OutboundPolicy
from statuscat_tui.notify import apprise_channel, desktop
from statuscat_tui.notify.message import Delivery, Message
from statuscat_tui.notify.outbound import Resolver
from statuscat_tui.notify.redact import clip, redact, scheme_of, secrets_of

DESKTOP = "desktop"
log = logging.getLogger(__name__)


def is_desktop(target: str) -> bool:
    return target.strip().lower() == DESKTOP


async def deliver(
    target: str,
    message: Message,
    *,
    timeout: float = 30.0,  # noqa: ASYNC109  # the engine's contract; enforced below
    allow: Iterable[str] = (),
    resolver: Resolver | None = None,
) -> Delivery:
    """Deliver ``message`` to one target within ``timeout`` seconds.

    Never raises, except :class:`asyncio.CancelledError`: every failure is a
    :class:`Delivery` with ``ok=False`` and a redacted ``detail``. Each call is
    independent, so concurrent deliveries never wait for one another.

    Link-local and cloud metadata destinations are refused (not retryable)
    unless ``allow`` (``settings.notify_allow``) lists them; ``resolver``
    answers DNS lookups instead of the system's ``socket.getaddrinfo``.
    """
    target = target.strip()
    limit = timeout if math.isfinite(timeout) else None
    try:
        async with asyncio.timeout(limit):
            if is_desktop(target):
                return await desktop.deliver(message)
            return await apprise_channel.deliver(
                target, message, timeout, policy=_policy(tuple(allow)), resolver=resolver
            )
    except TimeoutError:
        return Delivery(False, f"timed out after {timeout:g}s")
    except Exception as exc:  # a bug in a channel must not take the outbox down
        secrets = secrets_of(target, public="")  # even the host may be a token
        reason = clip(redact(f"{type(exc).__name__}: {exc}", secrets))
        # No traceback: its text could quote the URL, secrets and all.
        log.error("notification channel failed unexpectedly: %s", reason)
        return Delivery(False, f"internal error: {reason}")


def describe_target(target: str) -> str:
    """A label safe for logs and the timeline, e.g. ``mailto://ops@example.com/…``."""
    target = target.strip()
    if is_desktop(target):
        return DESKTOP
    try:
        return apprise_channel.describe(target)
    except Exception:  # a label must always be available; the host could be a token
        scheme = scheme_of(target)
        return f"{scheme}://…" if scheme else "invalid target"


def validate_target(target: str, allow: Iterable[str] = ()) -> str | None:
    """None when the target is usable (an Apprise URL or ``desktop``), else why not.

    A URL whose host is a link-local or cloud metadata address (or host name)
    not listed in ``allow`` is not usable either.
    """
    target = target.strip()
    if not target:
        return "empty target"
    if is_desktop(target):
        return None
    try:
        problem = apprise_channel.validate(target)
    except Exception as exc:
        return f"cannot check this target ({type(exc).__name__})"
    if problem is None and (refusal := _policy(tuple(allow)).check_url(target)):
        return refusal.message(describe_target(target))
    return problem


@lru_cache(maxsize=16)
def _policy(allow: tuple[str, ...]) -> OutboundPolicy:
    return OutboundPolicy(allow)
