"""Type-ahead: keys typed while a screen opens go to that screen, in the order typed.

Textual hands each key to the focused widget as soon as it arrives; a key bound
on the app (``u``: post an update) acts only once it has bubbled back up to the
app, behind the keys typed after it, which by then were handed to the old screen
and are lost. A new screen also gets its focus a moment after it is shown, and a
key arriving in between goes nowhere. So ``u`` and a message sent together (a
fast typist, a slow SSH link, a loaded machine) opened an empty box.

:class:`TypeAhead` keeps such keys and delivers them to the new screen once it has
its focus, oldest first:

- a key that reaches the app unhandled from a screen that is still open but no
  longer on top was typed for the screen opened since (:meth:`TypeAhead.bubbled`);
- a key arriving while the screen on top has not focused anything yet, the first
  key arriving on a screen other than the last key's, and any key arriving while
  keys are kept, waits (:meth:`TypeAhead.arrived`).

Kept keys go out once the new screen's focus has stayed put for one tick
(:data:`POLL`): a screen may focus its first field by itself and then, a moment
later, the one it meant. Nothing waits longer than :data:`MAX_WAIT`; a screen that
does not focus anything within it is remembered and its keys are not kept again.
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

__all__ = ["MAX_WAIT", "TypeAhead"]

MAX_WAIT = 0.25  # seconds a kept key may wait for the new screen's focus
POLL = 0.005


class TypeAhead:
    """Keeps keys typed ahead of a screen change; the app calls it for every key."""

    def __init__(self, app: App[Any], dispatch: Callable[[events.Key], Awaitable[None]]) -> None:
        self._app = app
        self._dispatch = dispatch  # the app's own handling of a key that just arrived
        self._origin: weakref.WeakKeyDictionary[events.Key, Screen[Any]] = (
            weakref.WeakKeyDictionary()
        )
        self._kept: list[events.Key] = []
        self._since = 0.0
        self._scheduled = False
        self._last_screen: weakref.ref[Screen[Any]] | None = None  # where the last key went
        self._seen_focus: Widget | None = None  # the focus at the last tick while keeping
        self._unfocused: weakref.WeakSet[Screen[Any]] = weakref.WeakSet()

    def arrived(self, event: events.Key) -> bool:
        """A key just arrived: ``True`` if it is kept (the app must not handle it now)."""
        screen = self._app.screen
        # The first key on a screen waits for its focus to settle (see the module doc).
        new_screen = self._last_screen is None or self._last_screen() is not screen
        self._last_screen = weakref.ref(screen)
        if self._kept or new_screen or self._focus_pending():
            self._keep(event)
            return True
        self._origin[event] = screen
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

    def _focus_pending(self) -> bool:
        screen = self._app.screen
        return (
            screen.focused is None
            and screen not in self._unfocused
            # Not on screen yet, or on screen with something to focus but nothing focused.
            and (not screen.is_mounted or any(True for _ in screen.focus_chain))
        )

    def _keep(self, event: events.Key, at: float | None = None) -> None:
        if at is not None:
            event.time = at  # keys go out in the order they were typed
        if not self._kept:
            self._since = time.monotonic()
        self._kept.append(event)
        if not self._scheduled:
            self._schedule()

    def _schedule(self) -> None:
        # A timer's callback runs in the timer's own task: it only queues the delivery
        # on the app, behind the keys already queued there, so they are kept first.
        self._scheduled = True
        self._app.set_timer(POLL, lambda: self._app.call_later(self._deliver), name="type-ahead")

    async def _deliver(self) -> None:
        self._scheduled = False
        screen = self._app.screen
        # Deliver once the focus has stayed put for a tick: a new screen often focuses
        # its first field by itself, then the one it meant (``focus()`` is deferred).
        focused = screen.focused
        if self._focus_pending() or focused is not self._seen_focus:
            self._seen_focus = focused
            if time.monotonic() - self._since < MAX_WAIT:
                self._schedule()
                return
            if focused is None:
                self._unfocused.add(screen)  # it focuses nothing by itself
        self._seen_focus = None
        kept, self._kept = sorted(self._kept, key=lambda key: key.time), []
        for event in kept:
            self._origin[event] = self._app.screen
            await self._dispatch(event)
