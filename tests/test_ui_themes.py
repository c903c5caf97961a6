"""Theme files: the shipped ones load and apply in Textual; bad ones say file, line and key."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from textual.app import App
from textual.color import Color

from statuscat_tui.ui import themes as themes_module
from statuscat_tui.ui.themes import (
    DEFAULT_THEME,
    ThemeError,
    load_theme_file,
    load_themes,
    resolve_theme,
    theme_dirs,
)

REPO = Path(__file__).resolve().parents[1]
SHIPPED = ("statuscat-dark", "statuscat-light", "statuscat-wallboard")

GOOD = """\
name: {name}
dark: true
primary: "#0178D4"
error: "#ba3c5b"
warning: "#ffa62b"
success: "#4EBF71"
"""


def write(directory: Path, filename: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_themes_are_found_and_valid() -> None:
    themes = load_themes()
    assert set(SHIPPED) <= set(themes)
    assert DEFAULT_THEME == "statuscat-dark"
    assert themes["statuscat-light"].dark is False
    wall = themes["statuscat-wallboard"]
    # High contrast across a room: black background, white text, pure status colours.
    assert Color.parse(wall.background or "").rgb == (0, 0, 0)
    assert Color.parse(wall.foreground or "").rgb == (255, 255, 255)
    for key in ("error", "warning", "success"):
        assert max(Color.parse(getattr(wall, key)).rgb) == 255, key


async def test_every_shipped_theme_registers_and_applies() -> None:
    themes = load_themes()
    app: App[None] = App()
    async with app.run_test() as pilot:
        for theme in themes.values():
            app.register_theme(theme)
        for name in SHIPPED:
            app.theme = resolve_theme(name, themes).name
            await pilot.pause()
            assert app.current_theme.name == name
            variables = app.get_css_variables()
            theme = themes[name]
            for key in ("error", "warning", "success", "primary", "background"):
                # Textual round-trips colours through HSL, which may move a channel by one.
                applied = Color.parse(variables[key]).rgb
                given = Color.parse(getattr(theme, key)).rgb
                assert all(abs(a - b) <= 2 for a, b in zip(applied, given, strict=True)), key


def test_bad_colour_names_file_line_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", GOOD.format(name="x").replace('"#ffa62b"', "nope"))
    with pytest.raises(ThemeError) as err:
        load_themes([tmp_path])
    assert str(err.value) == f"{path}:5: warning: 'nope' is not a colour"


def test_unquoted_hash_colour_explains_the_comment(tmp_path: Path) -> None:
    write(tmp_path, "x.yaml", GOOD.format(name="x").replace('"#ba3c5b"', "#ba3c5b"))
    with pytest.raises(ThemeError, match=r"x\.yaml:4: error: missing value \(quote colours"):
        load_themes([tmp_path])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.format(name="x") + "colour: red\n", r":7: colour: unknown key \(known: name, dark,"),
        (GOOD.format(name="x").replace("dark: true", "dark: maybe"), r":2: dark: 'maybe' is not"),
        (GOOD.format(name="x").replace("name: x\n", ""), r":1: name: missing"),
        (GOOD.format(name="x") + "variables: [a]\n", r":7: variables: expected a mapping"),
        (GOOD.format(name="x") + "name: y\n", r":7: name: given twice"),
        ("- just\n- a list\n", r":1: a theme is a mapping"),
        ("name: [unclosed\n", r":2: not valid YAML"),
        # DOWN and DEGRADED in (almost) the same red cannot be told apart at a glance.
        (
            GOOD.format(name="x").replace("#ffa62b", "#bb3d5c"),
            r":5: warning: #bb3d5c is too close to error \(#ba3c5b\)",
        ),
    ],
)
def test_invalid_theme_files(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ThemeError, match=message) as err:
        load_theme_file(path)
    assert str(err.value).startswith(str(path))


def test_variables_are_passed_through(tmp_path: Path) -> None:
    text = (
        GOOD.format(name="x")
        + 'variables:\n  text-muted: "auto 85%"\n  footer-key-foreground: red\n'
    )
    theme = load_theme_file(write(tmp_path, "x.yaml", text))
    assert theme.variables == {"text-muted": "auto 85%", "footer-key-foreground": "red"}
    assert theme.to_color_system().generate()["text-muted"] == "auto 85%"


def test_unknown_theme_lists_the_available_ones() -> None:
    with pytest.raises(ThemeError) as err:
        resolve_theme("x", load_themes([REPO / "themes"]))
    assert str(err.value) == (
        "unknown theme 'x' (available: statuscat-dark, statuscat-light, statuscat-wallboard)"
    )


def test_same_name_twice_in_one_directory_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD.format(name="same"))
    second = write(tmp_path, "b.yaml", GOOD.format(name="same"))
    with pytest.raises(ThemeError, match=rf"^{second}: name: 'same' is already the name of"):
        load_themes([tmp_path])


def test_a_later_directory_overrides_an_earlier_one(tmp_path: Path) -> None:
    write(tmp_path / "shipped", "t.yaml", GOOD.format(name="t"))
    write(tmp_path / "user", "mine.yaml", GOOD.format(name="t").replace("#0178D4", "#112233"))
    themes = load_themes([tmp_path / "shipped", tmp_path / "user"])
    assert themes["t"].primary == "#112233"


def test_theme_dirs_in_this_checkout() -> None:
    assert REPO / "themes" in theme_dirs()


def test_theme_dirs_in_an_installed_wheel(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    module = site / "statuscat_tui" / "ui" / "themes.py"
    write(site / "statuscat_tui" / "themes", "statuscat-dark.yaml", GOOD.format(name="d"))
    (site / "themes").mkdir()  # another distribution's top-level themes/: not ours
    assert theme_dirs(module) == [site / "statuscat_tui" / "themes"]


def test_theme_dirs_in_a_source_checkout_and_the_user_config(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo, "pyproject.toml", "")
    (repo / "themes").mkdir()
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "statuscat" / "themes"
    user.mkdir(parents=True)
    # Lowest precedence first: the user's own themes win.
    assert theme_dirs(repo / "statuscat_tui" / "ui" / "themes.py") == [repo / "themes", user]


def test_the_wheel_puts_themes_where_theme_dirs_looks() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    force_include = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    package_dir = Path(themes_module.__file__).resolve().parents[1] / "themes"
    assert force_include["themes"] == package_dir.relative_to(REPO).as_posix()
