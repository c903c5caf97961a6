"""A corpus of broken configs, each refused by ``statuscat check`` at the right place.

Every file in tests/configs/ starts with ``# expect: LINE KEY.PATH: TEXT``: the
first line on stderr must be ``FILE:LINE: KEY.PATH: …`` containing TEXT, the exit
code 2, and no traceback anywhere. Files that cannot carry a comment (empty,
binary, too big, not a file at all) are made in the test from the ``MADE``
table. Every case runs in-process through the real entry point
(``statuscat_tui.cli.main``); the ``SUBPROCESS`` ones also as a separate
``statuscat`` process, with a memory cap and a clock on it.
"""

from __future__ import annotations

import ctypes
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from statuscat_tui.cli import main

CONFIGS = Path(__file__).resolve().parent / "configs"
ROOT = CONFIGS.parent.parent
STATUSCAT = Path(sys.executable).with_name("statuscat")
HEADER = re.compile(r"# expect: (\d+) (.+?): (.+)")
UNSET = "MISSING_TOKEN_FOR_TEST"  # tests/configs/unset_var.yml refers to it
# A child that tried to expand a YAML bomb in memory would die against this.
MEMORY_CAP = 1024 * 1024 * 1024
# Generous for a loaded 2-core machine; a hang or an expanded bomb takes minutes.
HEAVY_SECONDS = 10.0
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2  # <linux/prctl.h>, capability.h


@dataclass(frozen=True)
class Case:
    name: str
    line: int
    path: str
    text: str
    make: Callable[[Path], Path]


def _committed(file: Path) -> Case:
    first = file.read_text(encoding="utf-8").split("\n", 1)[0]
    match = HEADER.fullmatch(first)
    assert match, f"{file.name}: first line must be '# expect: LINE KEY.PATH: TEXT'"
    line, path, text = match.groups()

    def copy(tmp: Path) -> Path:
        # Copied so every case runs under a temp path, like the made ones.
        return Path(shutil.copy(file, tmp / file.name))

    return Case(file.stem, int(line), path, text, copy)


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data)
        return path

    return make


def _ten_megabytes(tmp: Path) -> Path:
    # Valid-looking YAML, so only the size limit stands between it and a long parse.
    entry = b"  - {id: m%07d, url: 'https://example.com/health', interval: 30s}\n"
    path = tmp / "huge.yml"
    with path.open("wb") as out:
        out.write(b"monitors:\n")
        written = 0
        n = 0
        while written < 10 * 1024 * 1024:
            chunk = b"".join(entry % i for i in range(n, n + 10_000))
            out.write(chunk)
            written += len(chunk)
            n += 10_000
    return path


def _directory(tmp: Path) -> Path:
    path = tmp / "conf.d"
    path.mkdir()
    return path


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
WEB = "monitors:\n  - id: web\n    url: https://example.com/\n"
MADE = [
    Case("empty", 1, "(file)", "file is empty", _write("empty.yml", b"")),
    Case("png_image", 3, "(file)", "NUL bytes: this is a binary file", _write("logo.yml", PNG)),
    Case(
        "binary_junk_after_yaml",
        3,
        "(file)",
        "file contains NUL bytes",
        _write("junk.yml", b"monitors:\n  - id: web\n" + bytes(range(256)) * 16),
    ),
    Case(
        "latin1",
        4,
        "(file)",
        "not valid UTF-8 text (byte 0xe9)",
        _write("latin1.yml", (WEB + "    name: Caf\xe9\n").encode("latin-1")),
    ),
    Case(
        "jpeg_bytes_in_a_value",
        4,
        "(file)",
        "not valid UTF-8 text (byte 0xff)",
        _write("jpeg.yml", WEB.encode() + b"    name: \xff\xd8\xff\xe0 JFIF\n"),
    ),
    Case("utf16", 1, "(file)", "UTF-16 encoded", _write("utf16.yml", WEB.encode("utf-16"))),
    Case(
        "terminal_escape",
        4,
        "(file)",
        "character U+001B is not allowed",
        _write("escape.yml", (WEB + "    name: \x1b[31mred\n").encode()),
    ),
    Case("ten_megabytes", 1, "(file)", "larger than 5 MB", _ten_megabytes),
    Case(
        "deep_nesting",
        1,
        "(file)",
        "nested too deeply",
        _write("deep.yml", b"monitors: " + b"[" * 100_000),
    ),
    Case("directory", 1, "(file)", "is a directory", _directory),
    Case("missing", 1, "(file)", "file not found", lambda tmp: tmp / "nope.yml"),
]
COMMITTED = [_committed(f) for f in sorted(CONFIGS.glob("*.yml"))]
CASES = {case.name: case for case in [*COMMITTED, *MADE]}
# Run again as real processes: the unusual inputs, the heavy ones, a few of each kind.
SUBPROCESS = [
    "empty",
    "png_image",
    "latin1",
    "ten_megabytes",
    "deep_nesting",
    "directory",
    "missing",
    "yaml_bomb",
    "alias_amplification",
    "tab_indent",
    "unterminated_string",
    "unset_var",
    "cycle",
    "typo",
    "escape_in_key",
    "lone_surrogate",
    "huge_integer",
]
HEAVY = {"ten_megabytes", "deep_nesting", "yaml_bomb", "alias_amplification"}


def check_output(case: Case, config: Path, code: int, out: str, err: str) -> None:
    """The contract: exit 2, the located issue first, a summary last, no traceback."""
    assert code == 2, (case.name, code, err)
    assert "Traceback" not in out + err, err
    assert out == "", out
    first = err.splitlines()[0]
    match = re.fullmatch(re.escape(str(config)) + r":(\d+): (.+?): (.+)", first)
    assert match, f"{case.name}: not FILE:LINE: key.path: message: {first!r}"
    assert (int(match[1]), match[2]) == (case.line, case.path), first
    assert case.text in match[3], (case.text, first)
    assert err.splitlines()[-1].startswith("statuscat: "), err
    assert err.endswith(f" in {config}\n"), err


def test_the_corpus_has_forty_files_and_unique_names() -> None:
    assert len(COMMITTED) >= 40
    assert len(CASES) == len(COMMITTED) + len(MADE)
    assert set(SUBPROCESS) <= set(CASES)
    assert len(SUBPROCESS) >= 12


@pytest.mark.parametrize("name", sorted(CASES))
def test_check_refuses_in_process(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UNSET, raising=False)
    case = CASES[name]
    config = case.make(tmp_path)
    started = time.monotonic()
    code = main(["check", "-c", str(config)])
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    check_output(case, config, code, captured.out, captured.err)
    if name in HEAVY:
        assert elapsed < HEAVY_SECONDS, elapsed


def _limits(*, drop_root_file_access: bool) -> Callable[[], None]:
    def apply() -> None:  # runs in the child, before exec
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
        if drop_root_file_access:
            # Root ignores file permissions through two capabilities; without them
            # (PR_CAPBSET_DROP before exec) it meets a mode-000 file like anyone else.
            libc = ctypes.CDLL(None, use_errno=True)
            for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
                if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                    raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return apply


def run_check(
    config: Path, *, drop_root_file_access: bool = False
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [str(STATUSCAT), "check", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != UNSET},
        preexec_fn=_limits(drop_root_file_access=drop_root_file_access),
    )
    return done, time.monotonic() - started


@pytest.mark.parametrize("name", SUBPROCESS)
def test_statuscat_check_refuses_as_a_process(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    config = case.make(tmp_path)
    done, elapsed = run_check(config)
    check_output(case, config, done.returncode, done.stdout, done.stderr)
    if name in HEAVY:
        assert elapsed < HEAVY_SECONDS, elapsed


def test_unreadable_file_is_refused_as_a_process(tmp_path: Path) -> None:
    config = tmp_path / "statuscat.yml"
    config.write_text(WEB)
    config.chmod(0)
    done, _ = run_check(config, drop_root_file_access=os.geteuid() == 0)
    case = Case("unreadable", 1, "(file)", "permission denied", lambda tmp: config)
    check_output(case, config, done.returncode, done.stdout, done.stderr)
