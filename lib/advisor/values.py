"""Representative values for a statement's `$n`, from the planner's own statistics (pg_stats).

An equality gets the column's most common value (or the middle of its histogram); `>`/`>=` a value
near the top of the histogram and `<`/`<=` one near the bottom (a selective range, as dashboards ask
for "the last days"); `= ANY($n)` a one-element array; LIMIT 50 and OFFSET 0. A `$n` whose column
has no statistics gets no value: the statement is then not planned with values (None).
"""

from __future__ import annotations

from lib.advisor.candidates import Table
from lib.advisor.predicates import Param, Reading
from lib.sqltext.names import TableRef

LIMIT_VALUE, OFFSET_VALUE = "50", "0"


def value_for(param: Param, table: Table | None) -> str | None:
    if param.op == "limit":
        return LIMIT_VALUE
    if param.op == "offset":
        return OFFSET_VALUE
    column = table.columns.get(param.column) if table and param.column else None
    if column is None:
        return None
    hist = column.histogram or []
    if param.op in ("=", "any"):
        value = (column.mcv or [None])[0] or (hist[len(hist) // 2] if hist else None)
        return None if value is None else (_array(value) if param.op == "any" else value)
    if not hist:
        return (column.mcv or [None])[0]
    if param.op in (">", ">="):
        return hist[int(0.9 * (len(hist) - 1))]
    return hist[int(0.1 * (len(hist) - 1))]


def _array(value: str) -> str:
    return '{"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"}'


def values_for(reading: Reading, placeholders: tuple[int, ...], tables: dict[TableRef, Table]) -> tuple | None:
    """One value per $1..$max, or None when one of them has no representative value."""
    wanted = max(placeholders, default=0)
    out = []
    for n in range(1, wanted + 1):
        param = reading.params.get(n)
        if param is None:
            return None
        value = value_for(param, tables.get(param.table) if param.table else None)
        if value is None:
            return None
        out.append(value)
    return tuple(out)
