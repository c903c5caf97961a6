"""Text fields that apply keys in the order they were typed.

Textual's ``Input`` and ``TextArea`` insert a printable key as soon as it reaches
them, but run their bound keys (backspace, delete, the arrows, select-all, …)
only once the key has bubbled up to the app, behind every key already queued
there. When keys arrive together (a fast typist, a paste-like burst over SSH,
a loaded machine), a backspace or a select-all then lands later in the text than
it was typed: "the database" became "the dataase" in our many-process soak
(upstream: Textualize/textual#6605).

:func:`run_own_binding` (used by :class:`TextInput` and :class:`TextBox`) runs
the field's *own* bindings as the key arrives, with the same resolution the app
would use (``App.run_action`` in the field's namespace, ``check_action``
respected). The field is the first namespace the app would try anyway, and
priority bindings were already checked before the key reached it, so what a key
does is unchanged; only when. Keys the field does not bind bubble up
as before (screen and app bindings keep their meaning).
"""

from __future__ import annotations

from textual import events
from textual.widget import Widget
from textual.widgets import Input, TextArea

__all__ = ["TextBox", "TextInput", "run_own_binding"]


async def run_own_binding(field: Widget, event: events.Key) -> None:
    """Run ``field``'s own (non-priority) binding for ``event`` now, if it has one that acts."""
    for binding in field._bindings.key_to_bindings.get(event.key, ()):
        if binding.priority:
            continue  # the app ran priority bindings before the key got here
        if await field.app.run_action(binding.action, field):
            event.stop()
            event.prevent_default()  # keep the widget's own _on_key from seeing it too
            return


class TextInput(Input):
    """A one-line ``Input`` whose editing keys apply in typing order."""

    async def _on_key(self, event: events.Key) -> None:
        await run_own_binding(self, event)


class TextBox(TextArea):
    """A ``TextArea`` whose editing keys apply in typing order."""

    async def _on_key(self, event: events.Key) -> None:
        await run_own_binding(self, event)
