"""Finding, reading and parsing a config file into a validated ``Config``.

YAML is only *composed* (node tree with line numbers), never constructed: the
schema walk in ``validate`` decides every type itself and knows every line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import yaml
from platformdirs import user_config_dir, user_data_dir
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from statuscat_tui.config.errors import ConfigError, ConfigIssue
from statuscat_tui.config.reader import child, item
from statuscat_tui.config.validate import build_config
from statuscat_tui.core.model import Config

APP_NAME = "statuscat"
LOCAL_CONFIG = "statuscat.yml"
# Real configs are kilobytes; refusing megabytes keeps a mistaken path (a log,
# a disk image) from eating memory in the YAML parser.
MAX_CONFIG_BYTES = 5 * 1024 * 1024
_FILE = "(file)"
_MAX_PATH = 200


def _fail(source: str, message: str, line: int = 1) -> ConfigError:
    return ConfigError([ConfigIssue(source, line, _FILE, message)])


def load_config(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> Config:
    """Read and validate the config at ``path``; ``env`` (default: os.environ) feeds ``${VAR}``."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise _fail(source, "file not found") from None
    except IsADirectoryError:
        raise _fail(source, "is a directory, not a config file") from None
    except PermissionError:
        raise _fail(source, "permission denied") from None
    except OSError as error:
        raise _fail(source, f"cannot read the file: {error.strerror or error}") from None
    return parse_config(_decode(data, source), source, env)


def _decode(data: bytes, source: str) -> str:
    if len(data) > MAX_CONFIG_BYTES:
        raise _fail(source, f"file is larger than {_size()}; this is not a StatusCat config")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(source, "file is UTF-16 encoded; save it as UTF-8")
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise _fail(source, "file contains NUL bytes: this is a binary file, not YAML", line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise _fail(
            source, f"not valid UTF-8 text (byte 0x{data[error.start]:02x}); save it as UTF-8", line
        ) from None


def _size() -> str:
    return f"{MAX_CONFIG_BYTES // (1024 * 1024)} MB"


def parse_config(text: str, source: str, env: Mapping[str, str] | None = None) -> Config:
    """Validate config ``text``; ``source`` names it in messages. Raises ConfigError."""
    if len(text) > MAX_CONFIG_BYTES:
        raise _fail(source, f"config is larger than {_size()}; this is not a StatusCat config")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise _fail(source, "contains NUL characters: this is binary data, not YAML", line)
    loader: _TrackingLoader | None = None
    try:
        loader = _TrackingLoader(text)  # checks for unprintable characters at once
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        line, message = _syntax_error(error)
        path = loader.path() if loader is not None else _FILE
        raise ConfigError([ConfigIssue(source, line, path, message)]) from None
    except yaml.reader.ReaderError as error:
        position = int(error.position) if isinstance(error.position, int) else 0
        line = text.count("\n", 0, position) + 1
        char = error.character  # a code point (int) for str input, a byte for bytes
        code = f"U+{char:04X}" if isinstance(char, int) else f"U+{ord(str(char)[:1] or '?'):04X}"
        raise _fail(source, f"character {code} is not allowed in YAML text", line) from None
    except yaml.YAMLError as error:
        raise _fail(source, f"YAML syntax error: {error}") from None
    except RecursionError:
        raise _fail(source, "YAML is nested too deeply to be a config") from None
    finally:
        if loader is not None:
            loader.dispose()
    if root is None or (isinstance(root, yaml.ScalarNode) and root.tag.endswith(":null")):
        raise _fail(source, "file is empty: a config needs at least a monitors list")
    resolved_env = os.environ if env is None else env
    return build_config(root, source, resolved_env)


class _TrackingLoader(yaml.SafeLoader):
    """SafeLoader's composer, remembering the node it is in, so a syntax error names a key path."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.trail: list[tuple[Node | None, object]] = []

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        # ``index`` is the item number in a sequence, the key node for a mapping's
        # value, None for a key (the stubs say int; PyYAML passes all three).
        self.trail.append((parent, index))
        node = super().compose_node(parent, index)
        self.trail.pop()  # left in place when an error escapes: that is the point
        return node

    def path(self) -> str:
        """Where composing stopped, as a key path such as ``monitors[2].url``."""
        path = ""
        for parent, index in self.trail:
            if isinstance(parent, SequenceNode) and isinstance(index, int):
                path = item(path, index)
            elif isinstance(parent, MappingNode) and isinstance(index, ScalarNode):
                path = child(path, str(index.value))
            elif isinstance(parent, MappingNode):
                break  # inside a key: the mapping is as close as it gets
        if len(path) > _MAX_PATH:
            path = path[: _MAX_PATH - 1] + "…"
        return path or _FILE


# A construct opened on one line and found broken on a later one is reported
# where it was opened: that is where the missing quote or bracket belongs.
_OPENED = {
    "while scanning a quoted scalar": "is a closing quote missing?",
    "while parsing a flow sequence": "is a ']' missing?",
    "while parsing a flow mapping": "is a '}' missing?",
}
# PyYAML's wording for the mistakes people make most, and what to do about each.
_HINTS = (
    ("found character '\\t' that cannot start any token", "YAML indents with spaces, not tabs"),
    ("mapping values are not allowed here", "quote a value that contains ': '"),
    (
        "expected <block end>",
        "check this line's indentation against the lines above, and that nothing "
        "follows a quoted value (inside '...' write '' for a single quote)",
    ),
    ("found undefined alias", "an alias *name needs an anchor &name earlier in the file"),
    ("expected a single document", "a config is one YAML document: remove the second '---'"),
)


def _syntax_error(error: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The line to report and the message for a YAML syntax error."""
    problem_mark, context_mark = error.problem_mark, error.context_mark
    mark = problem_mark or context_mark
    line = mark.line + 1 if mark is not None else 1
    problem = error.problem or "invalid YAML"
    context = error.context if error.context and error.problem else ""
    hints = [hint for gist, hint in _HINTS if gist in problem or gist in context]
    opened = _OPENED.get(context)
    if opened and problem_mark and context_mark and context_mark.line < problem_mark.line:
        line = context_mark.line + 1
        problem += f" on line {problem_mark.line + 1}"
        context += " that starts on this line"
        hints.insert(0, opened)
    if problem == "second occurrence" and context_mark is not None:  # a duplicate anchor
        anchor = context.removesuffix("; first occurrence").removeprefix("found duplicate ")
        message = f"YAML syntax error: {anchor} is defined twice (first on line "
        message += f"{context_mark.line + 1}); give each anchor its own name"
        return line, message
    if context and problem.startswith("but "):  # "expected X, but found Y", split in two
        message = f"YAML syntax error: {context}, {problem}"
    else:
        message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    if hints:
        message += "; " + "; ".join(hints)
    return line, message


def find_config_path(explicit: str | None) -> Path | None:
    """``-c`` if given (even if missing, so the error names it), else ./statuscat.yml,
    else the user config dir (XDG: ~/.config/statuscat/config.yml); None if none exists."""
    if explicit:
        return Path(explicit).expanduser()
    local = Path(LOCAL_CONFIG)
    if local.is_file():
        return local
    user = Path(user_config_dir(APP_NAME, appauthor=False)) / "config.yml"
    return user if user.is_file() else None


def default_database_path() -> Path:
    """Where the database lives unless --db or settings.database says otherwise."""
    return Path(user_data_dir(APP_NAME, appauthor=False)) / "statuscat.db"
