"""Config problems, each pinned to a file, a line and a key path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigIssue:
    """One thing wrong with a config file, located for a human to fix."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return _printable(f"{self.file}:{self.line}: {self.path}: {self.message}")


def _printable(text: str) -> str:
    """One line with no control characters: file names and keys come from outside and
    must not move the cursor, colour a terminal or split a log line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ConfigError(Exception):
    """A config that cannot be used; carries every issue found, one per line in ``str()``."""

    def __init__(self, issues: Iterable[ConfigIssue]) -> None:
        self.issues: list[ConfigIssue] = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))

    def __str__(self) -> str:
        return "\n".join(str(issue) for issue in self.issues)
