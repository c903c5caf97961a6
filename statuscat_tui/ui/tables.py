"""Keep a DataTable in step with fresh rows without rebuilding it every time."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

Cell = str | Text
Row = tuple[str, Sequence[Cell]]  # (row key, cells)


def _same(a: Cell, b: Cell) -> bool:
    if isinstance(a, Text) and isinstance(b, Text):
        return a.plain == b.plain and a.style == b.style
    return a == b


def sync_table(
    table: DataTable[Cell], rows: Sequence[Row], cache: dict[str, Sequence[Cell]]
) -> None:
    """Make ``table`` show ``rows`` in order, touching only what changed.

    ``cache`` remembers the cells last shown per key; a caller that passes the
    very same cells object again (an unchanged row) costs nothing. With the same keys in
    the same order (the common case: a refresh where nothing changed state)
    only changed cells are updated. When rows come, go or change places the
    table is refilled in one go, keeping the cursor on the same row key.
    """
    keys = [k for k, _ in rows]
    current = [str(rk.value) for rk in table.rows]
    if keys == current:
        columns = list(table.columns)
        for key, cells in rows:
            old = cache.get(key)
            if old is cells:
                continue  # the caller reused the row: nothing in it changed
            for i, cell in enumerate(cells):
                if old is None or not _same(old[i], cell):
                    table.update_cell(key, columns[i], cell)
            cache[key] = cells
        return
    cursor_key = current[table.cursor_row] if 0 <= table.cursor_row < len(current) else None
    table.clear()
    cache.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
        cache[key] = cells
    if cursor_key is not None and cursor_key in cache:
        table.move_cursor(row=table.get_row_index(cursor_key), animate=False)


def selected_key(table: DataTable[Cell]) -> str | None:
    """The row key under the cursor, if any."""
    if not table.row_count or not 0 <= table.cursor_row < table.row_count:
        return None
    row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
    return str(row_key.value)
