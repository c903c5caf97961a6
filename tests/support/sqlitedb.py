"""Read a test's SQLite file directly, as another process would."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def db_row(db: Path, sql: str, *args: object) -> tuple[Any, ...]:
    """The first row of ``sql`` (the test asserts one exists)."""
    con = sqlite3.connect(db)
    try:
        row = con.execute(sql, args).fetchone()
    finally:
        con.close()
    assert row is not None, sql
    return tuple(row)


def db_rows(db: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Every row of ``sql``."""
    con = sqlite3.connect(db)
    try:
        return [tuple(r) for r in con.execute(sql, args)]
    finally:
        con.close()
