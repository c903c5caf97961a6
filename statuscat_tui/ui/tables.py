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
    table: DataTable[Cell],
    rows: Sequence[Row],
    cache: dict[str, Sequence[Cell]],
    *,
    max_new: int | None = None,
) -> bool:
    """Make ``table`` show ``rows`` in order, touching only what changed.

    ``cache`` remembers the cells last shown per key; a caller that passes the
    very same cells object again (an unchanged row) costs nothing. With the same keys in
    the same order (the common case: a refresh where nothing changed state)
    only changed cells are updated; the same rows in a new order are updated
    and then sorted in place; new rows are appended (and the whole sorted in
    place once none is missing). Only when rows must go is the table refilled.
    The cursor stays on the same row key.

    ``max_new`` caps how many rows are added in this call (adding a row is the
    expensive part: 10,000 take over a second); returns False while rows are
    still missing, and the caller calls again (with fresh rows) to add more.
    """
    keys = [k for k, _ in rows]
    current = [str(row.key.value) for row in table.ordered_rows]  # as shown, after sorts
    cursor_key = current[table.cursor_row] if 0 <= table.cursor_row < len(current) else None
    if keys == current:
        _update_cells(table, rows, cache)
        return True
    if len(keys) == len(current) and set(keys) == set(current):
        # The same rows in a new order (a monitor changed state): update the
        # cells, then re-order in place, which costs a sort, not a refill.
        _update_cells(table, rows, cache)
        if _reorder(table, keys):
            _keep_cursor(table, cursor_key)
            return True
    shown = set(current)
    if keys[: len(current)] != current and not shown <= set(keys):
        # Rows to drop (a reload removed monitors): start again.
        table.clear()
        cache.clear()
        shown = set()
    _update_cells(table, [r for r in rows if r[0] in shown], cache)
    missing = [r for r in rows if r[0] not in shown]
    batch = missing if max_new is None else missing[:max_new]
    for key, cells in batch:
        table.add_row(*cells, key=key)
        cache[key] = cells
    done = len(batch) == len(missing)
    # Rows added while the order changed under them (monitors changing state while
    # a large table fills) are sorted once, in place, when all are there.
    in_order = not done or [str(row.key.value) for row in table.ordered_rows] == keys
    if not in_order and not _reorder(table, keys):
        table.clear()
        cache.clear()
        return sync_table(table, rows, cache, max_new=max_new)
    _keep_cursor(table, cursor_key)
    return done


def _keep_cursor(table: DataTable[Cell], key: str | None) -> None:
    if key is not None and key in table.rows:
        table.move_cursor(row=table.get_row_index(key), animate=False)


def _update_cells(
    table: DataTable[Cell], rows: Sequence[Row], cache: dict[str, Sequence[Cell]]
) -> None:
    columns = list(table.columns)
    for key, cells in rows:
        old = cache.get(key)
        if old is cells:
            continue  # the caller reused the row: nothing in it changed
        for i, cell in enumerate(cells):
            if old is None or not _same(old[i], cell):
                table.update_cell(key, columns[i], cell)
        cache[key] = cells


def _reorder(table: DataTable[Cell], keys: Sequence[str]) -> bool:
    """Put the rows in ``keys`` order with ``DataTable.sort``; False if it cannot.

    ``sort`` hands the key function cell values, not row keys, so the rows are
    told apart by the identity of their cell objects in a column where no two
    rows share one (each row builds its own cells).
    """
    position = {k: i for i, k in enumerate(keys)}
    stored = {k: table.get_row(k) for k in keys}
    for index, column in enumerate(table.columns):
        order = {id(cells[index]): position[k] for k, cells in stored.items()}
        if len(order) == len(keys):
            table.sort(column, key=lambda cell: order[id(cell)])
            return True
    return False


def selected_key(table: DataTable[Cell]) -> str | None:
    """The row key under the cursor, if any."""
    if not table.row_count or not 0 <= table.cursor_row < table.row_count:
        return None
    row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
    return str(row_key.value)
