from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from statuscat_tui.engine.lock import EngineLock, EngineLocked


def test_second_holder_is_refused_and_named(tmp_path: Path) -> None:
    db = tmp_path / "sc.db"
    first = EngineLock(db)
    first.acquire()
    # flock is per open file description, so a second process is the honest test.
    code = (
        "import sys; from pathlib import Path\n"
        "from statuscat_tui.engine.lock import EngineLock, EngineLocked\n"
        "try:\n    EngineLock(Path(sys.argv[1])).acquire()\n"
        "except EngineLocked as e:\n    print(e); sys.exit(3)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True)
    assert out.returncode == 3
    assert "another StatusCat engine is running" in out.stdout and "pid " in out.stdout
    first.release()
    out = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


def test_lock_released_when_process_dies(tmp_path: Path) -> None:
    db = tmp_path / "sc.db"
    code = (
        "import os, sys; from pathlib import Path\n"
        "from statuscat_tui.engine.lock import EngineLock\n"
        "EngineLock(Path(sys.argv[1])).acquire(); os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(db)], check=True)
    lock = EngineLock(db)
    lock.acquire()
    assert lock.held
    with pytest.raises(EngineLocked):
        # Same process, new open file: flock conflicts here too.
        EngineLock(db).acquire()
    lock.release()
