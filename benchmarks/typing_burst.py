"""Keys typed the instant the update box opens: how many messages arrive whole?

Usage: python benchmarks/typing_burst.py [--times 60] [--pause 0] [--ahead] [--json]

A defect found by ``benchmarks/many_processes.py``, now fixed: the
real ``statuscat`` dashboard runs on a pseudo-terminal (``tests/support/terminal.py``)
with one incident open; ``--times`` times it presses ``u``, and as soon as
"Post update" shows (after ``--pause`` seconds) selects the box's text (f7),
deletes it and writes a 40-character message in one burst, then reads the box
back from the screen and cancels with escape. Before the fix (measured on
2026-12-05 with a test run beside it): 6 of 60 boxes lost characters with no
pause, 0 of 60 with ``--pause 0.5``. Cause: Textual ran the box's bound keys
(f7, backspace) only after they bubbled up to the app, behind the message's
characters; ``statuscat_tui/ui/fields.py`` runs them as they arrive. Fixed
means: 0 lost with no pause, also with the machine loaded.

``--ahead`` types ahead instead: ``u``, f7, backspace and the message go out in
one write, before the box is on screen. Before ``statuscat_tui/ui/typeahead.py``
every one of them opened with the template and no message (20 of 20).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.net import free_port
from tests.support.terminal import KEYS, Terminal

STATUSCAT = str(Path(sys.executable).with_name("statuscat"))
CONFIG = """\
settings: {{timezone: UTC, me: ada, listen: "127.0.0.1:{port}"}}
monitors:
  - {{id: local, url: "http://127.0.0.1:9/", interval: 60s}}
people:
  - {{id: ada, name: Ada, notify: ["json://127.0.0.1:9/hook"]}}
"""


def run(times: int, pause: float, ahead: bool = False) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg, db = Path(tmp) / "burst.yml", str(Path(tmp) / "burst.db")
        cfg.write_text(CONFIG.format(port=free_port()))
        common = ["-c", str(cfg), "--db", db]
        subprocess.run(
            [STATUSCAT, "incident", *common, "open", "--title", "Down", "--severity", "SEV2"],
            check=True,
            capture_output=True,
        )
        term = Terminal([STATUSCAT, *common], cols=120, rows=36)
        lost: list[str] = []
        try:
            term.wait_for("Down", 30)
            term.press("2")
            for i in range(times):
                message = f"a{i:08x} the database failover finished"
                if ahead:
                    term.send("u" + KEYS["f7"] + KEYS["backspace"] + message)
                else:
                    term.press("u")
                    term.wait_for("Post update", 10)
                    time.sleep(pause)
                    term.press("f7", "backspace")
                    term.send(message)
                try:
                    term.wait_for(message, 5)
                except AssertionError:
                    # The box's text lines: its left edge, not its top or bottom border.
                    box = [
                        line.split("▊", 1)[1].split("▎", 1)[0].strip()
                        for line in term.lines()
                        if "▊" in line and "▔" not in line and "▁" not in line
                    ]
                    lost.append(" ".join(part for part in box if part) or "(box empty)")
                term.press("escape")
                term.wait_for(lambda shown: "Post update" not in shown, 10)
            term.press("q")
        finally:
            term.close()
    return {
        "times": times,
        "pause_s": pause,
        "ahead": ahead,
        "lost": len(lost),
        "examples": lost[:5],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--times", type=int, default=60)
    ap.add_argument("--pause", type=float, default=0.0, help="seconds after the box opens")
    ap.add_argument("--ahead", action="store_true", help="u and the message in one write")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    fig = run(args.times, args.pause, args.ahead)
    if args.json:
        print(json.dumps(fig))
    else:
        print(f"typing burst: {fig['lost']} of {fig['times']} messages lost characters")
        for example in fig["examples"]:  # type: ignore[attr-defined]
            print(f"  {example}")


if __name__ == "__main__":
    main()
