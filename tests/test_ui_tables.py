"""sync_table: in-place updates, re-ordering without a refill, the cursor kept on its row."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from statuscat_tui.ui.tables import Cell, Row, sync_table


class One(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


def rows(order: list[str], mark: str = "") -> list[Row]:
    # Each row builds its own cells, as the dashboard does; the state column shares one.
    shared = "✔ UP"
    return [(k, [shared, f"name {k}{mark}", k.upper()]) for k in order]


def shown(table: DataTable[Cell]) -> list[list[object]]:
    return [table.get_row_at(i) for i in range(table.row_count)]


async def test_reorder_is_a_sort_and_the_cursor_follows_its_row() -> None:
    app = One()
    async with app.run_test() as pilot:
        table: DataTable[Cell] = app.query_one(DataTable)
        table.add_columns("state", "name", "id")
        cache: dict[str, object] = {}
        sync_table(table, rows(["a", "b", "c", "d"]), cache)  # type: ignore[arg-type]
        table.move_cursor(row=2)  # on "c"
        cleared: list[bool] = []
        original_clear = table.clear
        table.clear = lambda *a, **k: cleared.append(True) or original_clear(*a, **k)  # type: ignore[method-assign]
        sync_table(table, rows(["c", "a", "d", "b"], mark="!"), cache)  # type: ignore[arg-type]
        await pilot.pause()
        assert cleared == []  # no refill
        assert [r[2] for r in shown(table)] == ["C", "A", "D", "B"]
        assert [r[1] for r in shown(table)] == ["name c!", "name a!", "name d!", "name b!"]
        assert table.get_row_at(table.cursor_row)[2] == "C"
        # Rows that come or go still refill, keeping the cursor on its key.
        sync_table(table, rows(["e", "c"]), cache)  # type: ignore[arg-type]
        await pilot.pause()
        assert cleared == [True]
        assert [r[2] for r in shown(table)] == ["E", "C"]
        assert table.get_row_at(table.cursor_row)[2] == "C"


async def test_a_table_filling_in_chunks_finishes_while_the_order_keeps_changing() -> None:
    """10,000 monitors fill the table a chunk per frame while their first checks land
    and re-order them: a fill that restarted on every new order never finished."""
    app = One()
    async with app.run_test() as pilot:
        table: DataTable[Cell] = app.query_one(DataTable)
        table.add_columns("state", "name", "id")
        cache: dict[str, object] = {}
        cleared: list[bool] = []
        original_clear = table.clear
        table.clear = lambda *a, **k: cleared.append(True) or original_clear(*a, **k)  # type: ignore[method-assign]
        keys = [f"m{i:03d}" for i in range(100)]
        calls = 0
        done = False
        while not done:
            calls += 1
            keys = keys[7:] + keys[:7]  # a new order on every refresh
            done = sync_table(table, rows(keys), cache, max_new=30)  # type: ignore[arg-type]
            await pilot.pause()
            assert calls < 10, f"still filling after {calls} refreshes ({table.row_count} rows)"
        assert calls == 4 and cleared == []
        assert [r[2] for r in shown(table)] == [k.upper() for k in keys]  # sorted once complete
