"""Type-ahead: keys typed while a screen opens go to that screen, in the order typed.

Textual hands each key to the focused widget as soon as it arrives; a key bound
on the app (``u``: post an update) acts only once it has bubbled back up to the
app, behind the keys typed after it, which by then were handed to the old screen
and are lost. A new screen also gets its focus a moment after it is shown (often
its first field by itself, then, a moment later, the one it meant: ``focus()`` is
deferred), and keys arriving in between go to the wrong place or nowhere. So
``u`` and a message sent together (a fast typist, a slow SSH link, a loaded
machine) opened an empty box.

:class:`TypeAhead` keeps such keys and delivers them to the new screen once its
focus has settled, oldest first:

- when the screen changes, keys are kept until the new screen has focused
  something and the focus stays put while the app runs what it had queued (a
  deferred ``focus()``), at most :data:`MAX_WAIT` once it is mounted (and
  :data:`MAX_MOUNT` for that); a screen that has focused nothing by then is
  remembered and its keys are not kept again;
- a key that reaches the app unhandled from a screen that is still open but no
  longer on top was typed for the screen opened since (:meth:`TypeAhead.bubbled`).

Keys typed once a screen has settled are not held at all.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from textual import events
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget

__all__ = ["MAX_MOUNT", "MAX_WAIT", "POLL", "TypeAhead"]

MAX_WAIT = 0.25  # seconds a kept key may wait for a mounted screen's focus
MAX_MOUNT = 2.0  # seconds it may wait for the new screen to be mounted
POLL = 0.005  # seconds between looks at the new screen's focus


class TypeAhead:
    """Keeps keys typed ahead of a screen change; the app calls it for every key."""

    def __init__(self, app: App[Any], dispatch: Callable[[events.Key], Awaitable[None]]) -> None:
        self._app = app
        self._dispatch = dispatch  # the app's own handling of a key that just arrived
        self._origin: weakref.WeakKeyDictionary[events.Key, Screen[Any]] = (
            weakref.WeakKeyDictionary()
        )
        self._kept: list[events.Key] = []
        self._settling = False  # the screen changed and its focus has not settled yet
        self._mounting = False  # ... and it may not be mounted yet
        self._since = 0.0
        self._scheduled = False
        self._seen_focus: Widget | None = None  # the focus at the last tick
        self._unfocused: weakref.WeakSet[Screen[Any]] = weakref.WeakSet()

    def start(self) -> None:
        """Follow screen changes (call once the app is running)."""
        self._app.screen_change_signal.subscribe(self._app, self._screen_changed, immediate=True)

    def arrived(self, event: events.Key) -> bool:
        """A key just arrived: ``True`` if it is kept (the app must not handle it now)."""
        if self._kept or self._settling:
            self._keep(event)
            return True
        self._origin[event] = self._app.screen
        return False

    def bubbled(self, event: events.Key) -> bool:
        """A key reached the app unhandled: ``True`` if it was typed for a newer screen."""
        origin = self._origin.pop(event, None)
        app = self._app
        if origin is None or origin is app.screen or origin not in app.screen_stack:
            return False
        self._keep(events.Key(event.key, event.character), at=event.time)
        return True

    # -- keeping and delivering ---------------------------------------------------------

    def _screen_changed(self, screen: Screen[Any]) -> None:
        if screen in self._unfocused:
            return
        self._settling = True
        self._mounting = True
        self._since = time.monotonic()
        self._seen_focus = None
        if not self._scheduled:
            self._schedule()

    def _keep(self, event: events.Key, at: float | None = None) -> None:
        if at is not None:
            event.time = at  # keys go out in the order they were typed
        if not self._kept and not self._settling:
            self._since = time.monotonic()
        self._kept.append(event)
        if not self._scheduled:
            self._schedule()

    def _schedule(self, *, now: bool = False) -> None:
        """Look again at the focus: after :data:`POLL`, or ``now`` (behind the app's queue).

        A timer's callback runs in the timer's own task: it only queues the look on
        the app, behind the keys already queued there, so that those are kept first.
        """
        self._scheduled = True
        if now:
            self._app.call_later(self._tick)
        else:
            self._app.set_timer(POLL, lambda: self._app.call_later(self._tick), name="type-ahead")

    def _focus_pending(self) -> bool:
        screen = self._app.screen
        return (
            screen.focused is None
            and screen not in self._unfocused
            # Not mounted yet, or something to focus but nothing focused.
            and (not screen.is_mounted or any(True for _ in screen.focus_chain))
        )

    async def _tick(self) -> None:
        self._scheduled = False
        screen = self._app.screen
        if not screen.is_mounted and time.monotonic() - self._since < MAX_MOUNT:
            self._schedule()  # still being built: the focus wait starts once it is up
            return
        if self._mounting:
            self._mounting = False
            self._since = time.monotonic()
        focused = screen.focused
        pending = self._focus_pending()
        if pending or focused is not self._seen_focus:
            self._seen_focus = focused
            if time.monotonic() - self._since < MAX_WAIT:
                # Focused: look again once what the app has queued (a deferred focus()
                # from the screen's on_mount, say) has run; not yet: poll.
                self._schedule(now=not pending)
                return
            if focused is None:
                self._unfocused.add(screen)  # it focuses nothing by itself
        self._settling = False
        self._seen_focus = None
        kept, self._kept = sorted(self._kept, key=lambda key: key.time), []
        for event in kept:
            self._origin[event] = self._app.screen
            await self._dispatch(event)
