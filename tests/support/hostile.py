"""Hostile strings: text from outside that a terminal or a browser could act on.

Each :class:`Hostile` is a payload and how the TUI must show it on a single
line (the rule in ``statuscat_tui/ui/format.py``: control characters become
their control pictures, e.g. ``\\x1b`` → ``␛``; C1 controls, bidi overrides and
zero-width characters become ``�``; markup is never interpreted). ``shown`` is
written out here by hand, not computed with the product's function, so a change
to the rule is a test failure and not a silent agreement.

``marker`` is a short piece of ``shown`` that stays on one line, for finding
where the payload landed on a screen.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Hostile:
    name: str
    text: str
    shown: str  # on a single line (a table cell, a title)
    marker: str

    @property
    def multiline_shown(self) -> str:
        """How it shows in multi-line text (an update body, a postmortem): newlines stay."""
        return self.shown.replace("␍␤", "\n").replace("␤", "\n")


LONG = "L" * 10_000  # one very long line without a space

HOSTILE: tuple[Hostile, ...] = (
    # Rich / Textual markup: must show with its brackets, and do nothing.
    Hostile("markup-style", "[bold red]x[/]", "[bold red]x[/]", "[bold red]x[/]"),
    Hostile(
        "markup-link",
        "[link=file:///etc/passwd]passwd[/link]",
        "[link=file:///etc/passwd]passwd[/link]",
        "[link=file:///etc/passwd]",
    ),
    Hostile("markup-unbalanced", "[/] [/bold] [", "[/] [/bold] [", "[/] [/bold]"),
    Hostile("markup-click", "[@click=app.quit]QUIT[/]", "[@click=app.quit]QUIT[/]", "@click="),
    # ANSI CSI sequences: colour, clear screen, cursor home.
    Hostile("csi-colour", "\x1b[31mRED\x1b[0m", "␛[31mRED␛[0m", "[31mRED"),
    Hostile("csi-clear", "CLS\x1b[2J", "CLS␛[2J", "CLS"),
    Hostile("csi-home", "HOME\x1b[H", "HOME␛[H", "HOME"),
    # OSC: window title, hyperlink (OSC 8), clipboard write (OSC 52).
    Hostile("osc-title", "\x1b]0;pwned title\x07", "␛]0;pwned title␇", "pwned title"),
    Hostile(
        "osc-hyperlink",
        "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\",
        "␛]8;;https://evil.example/␛\\click me␛]8;;␛\\",
        "evil.example",
    ),
    Hostile("osc-clipboard", "\x1b]52;c;ZXZpbA==\x07", "␛]52;c;ZXZpbA==␇", "ZXZpbA=="),
    # C0 and C1 control characters, DEL.
    Hostile("c0", "a\rb\bc\x00d\x07e", "a␍b␈c␀d␇e", "d␇e"),
    Hostile("del", "DEL\x7fX", "DEL␡X", "DEL␡X"),
    Hostile("c1", "C1\x9b31m\x9d0;t\x9c", "C1�31m�0;t�", "31m�0;t"),
    # Text that reorders or hides itself.
    Hostile("bidi", "BIDI\u202eevil.exe\u202c", "BIDI�evil.exe�", "evil.exe"),
    Hostile("zero-width", "ZW\u200bJ\u200dN\ufeffT", "ZW�J�N�T", "ZW�J"),
    # Layout: a very long line, wide characters, newlines.
    Hostile("long-line", LONG, LONG, "LLLLLLLLLL"),
    Hostile("wide", "宽字符🐱猫", "宽字符🐱猫", "宽字符"),
    Hostile("newlines", "line1\nline2\r\nline3", "line1␤line2␍␤line3", "line1"),
)

BY_NAME = {h.name: h for h in HOSTILE}

# Code points that must never reach a terminal from data: C0 (every one: even a
# newline inside a table cell or a title breaks the layout), DEL, C1, bidi
# controls and invisible format characters.
FORBIDDEN = frozenset(
    [chr(c) for c in range(0x20)]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + [chr(c) for c in (*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A))]
    + ["\ufeff", "\u2028", "\u2029"]
)


def forbidden_in(text: str) -> list[str]:
    """The forbidden characters in ``text``, as escapes (empty: clean)."""
    return sorted({f"U+{ord(ch):04X}" for ch in text if ch in FORBIDDEN})


def short(h: Hostile, limit: int = 200) -> str:
    """The payload with the long line cut, for fields that hold a few hundred characters."""
    return h.text[:limit] if h.name == "long-line" else h.text


def all_in_one(limit: int = 200) -> str:
    """Every payload in one string, separated by " | " (the long one cut to ``limit``)."""
    return " | ".join(short(h, limit) for h in HOSTILE)


def yaml_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that loads back to exactly ``text``.

    YAML forbids control characters (and a few others) raw in a document, so
    those are written as ``\\uXXXX`` escapes, which YAML expands when loading.
    """
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif code < 0x20 or 0x7F <= code < 0xA0 or code in (0x2028, 0x2029, 0xFEFF):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)
