"""Colour themes: YAML files validated into Textual ``Theme`` objects.

Themes ship in ``themes/`` at the repository root; a wheel carries the same
files inside the package (``statuscat_tui/themes``). Users may add their own in
``~/.config/statuscat/themes``. The app registers every loaded theme with
``App.register_theme`` and selects one with ``resolve_theme``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from pathlib import Path

import yaml
from platformdirs import user_config_dir
from textual.color import Color, ColorParseError, rgb_to_lab
from textual.theme import Theme

__all__ = [
    "DEFAULT_THEME",
    "ThemeError",
    "load_theme_file",
    "load_themes",
    "resolve_theme",
    "theme_dirs",
]

DEFAULT_THEME = "statuscat-dark"
COLOUR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
KEYS = ("name", "dark", *COLOUR_KEYS, "variables")
# The colours that tell monitor states apart: DOWN, DEGRADED/PENDING, UP, MAINTENANCE.
STATUS_KEYS = ("error", "warning", "success", "primary")
# CIE76 distance below which two status colours are easy to confuse at a glance.
MIN_STATUS_DISTANCE = 20.0
MAX_THEME_BYTES = 64 * 1024  # a theme is a dozen lines; refuse a mistaken huge file

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"


class ThemeError(Exception):
    """A theme file that cannot be used, or a theme name that does not exist."""


def theme_dirs(origin: Path | None = None) -> list[Path]:
    """The existing theme directories, lowest precedence first.

    A later directory's theme replaces an earlier one of the same name, so a
    user's theme can override a shipped one. ``origin`` is this module's file;
    tests pass another to imitate an installed layout.
    """
    here = (origin or Path(__file__)).resolve()
    package_root = here.parents[1]  # statuscat_tui/
    checkout = here.parents[2]
    candidates = [package_root / "themes"]
    # Only a source checkout has pyproject.toml next to themes/; in an installed
    # wheel parents[2] is site-packages, whose themes/ would be someone else's.
    if (checkout / "pyproject.toml").is_file():
        candidates.append(checkout / "themes")
    candidates.append(Path(user_config_dir("statuscat", appauthor=False)) / "themes")
    return [d for d in candidates if d.is_dir()]


def load_themes(dirs: Sequence[Path] | None = None) -> dict[str, Theme]:
    """Every ``*.yaml`` theme in ``dirs`` (default: ``theme_dirs()``), by theme name."""
    themes: dict[str, Theme] = {}
    for directory in theme_dirs() if dirs is None else dirs:
        seen: dict[str, Path] = {}
        paths = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
        for path in paths:
            theme = load_theme_file(path)
            if theme.name in seen:
                raise ThemeError(
                    f"{path}: name: '{theme.name}' is already the name of {seen[theme.name]}"
                )
            seen[theme.name] = path
            themes[theme.name] = theme
    return themes


def resolve_theme(name: str, themes: Mapping[str, Theme]) -> Theme:
    """The theme called ``name``; ThemeError listing the available ones if none is."""
    try:
        return themes[name]
    except KeyError:
        available = ", ".join(sorted(themes)) or "none"
        raise ThemeError(f"unknown theme '{name}' (available: {available})") from None


def load_theme_file(path: Path) -> Theme:
    """Read and validate one theme file; errors name the file, line and key."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_THEME_BYTES + 1)
    except OSError as exc:
        raise ThemeError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_THEME_BYTES:
        raise ThemeError(f"{path}: too large for a theme file ({MAX_THEME_BYTES} bytes at most)")
    try:
        root = yaml.compose(data.decode("utf-8"), Loader=yaml.SafeLoader)
    except UnicodeDecodeError:
        raise ThemeError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ThemeError(f"{path}{line}: not valid YAML: {problem}") from None
    return _ThemeReader(path).read(root)


class _ThemeReader:
    """Walks the composed YAML so every error can say where it is."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: dict[str, int] = {}

    def fail(self, line: int, key: str, message: str) -> ThemeError:
        return ThemeError(f"{self.path}:{line}: {key}: {message}")

    def read(self, root: yaml.Node | None) -> Theme:
        if not isinstance(root, yaml.MappingNode):
            line = root.start_mark.line + 1 if root is not None else 1
            raise ThemeError(
                f"{self.path}:{line}: a theme is a mapping of keys ({', '.join(KEYS)})"
            )
        values: dict[str, object] = {}
        for key_node, value_node in root.value:
            line = key_node.start_mark.line + 1
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str) or key not in KEYS:
                shown = key if isinstance(key, str) else "(key)"
                raise self.fail(line, shown, f"unknown key (known: {', '.join(KEYS)})")
            if key in values:
                raise self.fail(line, key, "given twice")
            self.lines[key] = line
            values[key] = self._value(key, value_node, line)
        start = root.start_mark.line + 1
        for required in ("name", "primary"):
            if required not in values:
                raise self.fail(start, required, "missing (every theme needs one)")
        text = {k: v for k, v in values.items() if isinstance(v, str)}
        variables = values.get("variables")
        theme = Theme(
            name=text["name"],
            primary=text["primary"],
            secondary=text.get("secondary"),
            accent=text.get("accent"),
            warning=text.get("warning"),
            error=text.get("error"),
            success=text.get("success"),
            foreground=text.get("foreground"),
            background=text.get("background"),
            surface=text.get("surface"),
            panel=text.get("panel"),
            boost=text.get("boost"),
            dark=values.get("dark") is not False,
            variables=dict(variables) if isinstance(variables, dict) else {},
        )
        self._check_generates(theme)
        self._check_distinct(theme)
        return theme

    def _value(self, key: str, node: yaml.Node, line: int) -> object:
        if key == "variables":
            return self._variables(node, line)
        if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL:
            hint = ' (quote colours: "#ff0000"; an unquoted # starts a comment)'
            raise self.fail(line, key, "missing value" + (hint if key in COLOUR_KEYS else ""))
        if key == "dark":
            if node.tag != _BOOL:
                raise self.fail(line, key, f"{node.value!r} is not true or false")
            return node.value.lower() in ("true", "yes", "on")
        if node.tag != _STR or not node.value.strip():
            raise self.fail(line, key, f"{node.value!r} is not text")
        if key in COLOUR_KEYS:
            self._colour(key, node.value, line)
        return node.value

    def _colour(self, key: str, text: str, line: int) -> None:
        try:
            Color.parse(text)
        except ColorParseError as exc:
            hint = f"; did you mean '{exc.suggested_color}'?" if exc.suggested_color else ""
            raise self.fail(line, key, f"'{text}' is not a colour{hint}") from None

    def _variables(self, node: yaml.Node, line: int) -> dict[str, str]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(line, "variables", "expected a mapping of variable: value")
        out: dict[str, str] = {}
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            where = f"variables.{name}" if isinstance(name, str) else "variables"
            at = key_node.start_mark.line + 1
            if not isinstance(name, str) or not name:
                raise self.fail(at, where, "variable names are text")
            # Values are CSS text: colours, "auto 85%", or styles such as "bold".
            if not isinstance(value_node, yaml.ScalarNode) or value_node.tag == _NULL:
                raise self.fail(at, where, "missing value")
            out[name] = value_node.value
        return out

    def _check_generates(self, theme: Theme) -> None:
        # Textual derives ~200 variables from the colours; a bad override surfaces here.
        try:
            theme.to_color_system().generate()
        except Exception as exc:
            raise ThemeError(f"{self.path}: Textual cannot use this theme: {exc}") from None

    def _check_distinct(self, theme: Theme) -> None:
        generated = theme.to_color_system().generate()  # fills in Textual's defaults
        # Name colours as the file wrote them, Textual's default where it wrote none.
        colours = {k: getattr(theme, k) or generated[k] for k in STATUS_KEYS}
        for a, b in combinations(STATUS_KEYS, 2):
            if _distance(colours[a], colours[b]) < MIN_STATUS_DISTANCE:
                key, other = (b, a) if b in self.lines else (a, b)
                raise self.fail(
                    self.lines.get(key, 1),
                    key,
                    f"{colours[key]} is too close to {other} ({colours[other]}); the colours for"
                    " DOWN, DEGRADED, UP and MAINTENANCE (error, warning, success, primary)"
                    " must be easy to tell apart",
                )


def _distance(a: str, b: str) -> float:
    """CIE76 colour difference: ~2 is barely visible, 20+ is clearly different."""
    la, lb = rgb_to_lab(Color.parse(a)), rgb_to_lab(Color.parse(b))
    return float(((la.L - lb.L) ** 2 + (la.a - lb.a) ** 2 + (la.b - lb.b) ** 2) ** 0.5)
