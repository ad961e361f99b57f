"""Typical values for a statement's $n placeholders, from the statistics of the columns they meet.

A statement from pg_stat_statements carries `$1`, `$2`... To EXPLAIN ANALYZE it someone must
give values; the most useful ones are values the column really holds. The statement is parsed
with pglast (PostgreSQL's own parser) to find what each placeholder is compared with:
`col = $1`, `$2 < col`, `col IN ($3, $4)`, `col BETWEEN $5 AND $6`, `col LIKE $7`,
`col = ANY ($8)`; the column's table comes from the FROM clause (its alias or name; an
unqualified column is looked up in every table of the statement). pg_stats then gives the
column's most common values (for equality and patterns) and its histogram (for ranges: values
at the 10th, 25th, 50th, 75th and 90th percentiles).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pglast.parser import ParseError, parse_sql_json

from lib.core.db import Database
from lib.plan.filters import quote_ident

MAX_VALUES = 5
PERCENTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
RANGE_OPS = {"<", ">", "<=", ">="}


@dataclass(frozen=True)
class Use:
    """Where a placeholder is used: compared with `column` of one of `relations` (quoted names)."""

    column: str
    relations: tuple[str, ...]
    kind: str  # equality, range, pattern, array


@dataclass
class Suggestion:
    param: int
    column: str  # 'leads.email', for the label
    kind: str
    values: list[str] = field(default_factory=list)

    @property
    def source(self) -> str:
        return "histogram" if self.kind == "range" else "most common values"


def placeholder_uses(sql_text: str) -> dict[int, Use]:
    """{n: the first column $n is compared with}; {} when the statement does not parse."""
    try:
        tree = json.loads(parse_sql_json(sql_text))
    except ParseError:
        return {}
    stmts = tree.get("stmts") or []
    if len(stmts) != 1:
        return {}
    aliases = _relations(stmts[0]["stmt"])
    found: dict[int, Use] = {}
    for expr in sorted(_nodes(stmts[0]["stmt"], "A_Expr"), key=lambda e: e.get("location", 0)):
        for number, column, kind in _comparisons(expr):
            qualifier, name = column
            if qualifier is not None and qualifier in aliases:
                rels = (aliases[qualifier],)
            elif qualifier is None:
                rels = tuple(dict.fromkeys(aliases.values()))
            else:
                continue
            if rels:
                found.setdefault(number, Use(name, rels, kind))
    return found


def _nodes(tree, kind: str):
    stack = [tree]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            if kind in cur:
                yield cur[kind]
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)


def _relations(stmt: dict) -> dict[str, str]:
    """{alias or table name: quoted (schema-qualified when written so) relation} of the statement."""
    out: dict[str, str] = {}
    for rv in sorted(_nodes(stmt, "RangeVar"), key=lambda r: r.get("location", 0)):  # as written
        name = quote_ident(rv["relname"])
        if rv.get("schemaname"):
            name = f"{quote_ident(rv['schemaname'])}.{name}"
        out[rv["relname"]] = name
        alias = (rv.get("alias") or {}).get("aliasname")
        if alias:
            out[alias] = name
    return out


def _param(node) -> int | None:
    while isinstance(node, dict) and "TypeCast" in node:
        node = node["TypeCast"]["arg"]
    return node["ParamRef"].get("number") if isinstance(node, dict) and "ParamRef" in node else None


def _column(node) -> tuple[str | None, str] | None:
    while isinstance(node, dict) and "TypeCast" in node:
        node = node["TypeCast"]["arg"]
    if not isinstance(node, dict) or "ColumnRef" not in node:
        return None
    names = [f["String"]["sval"] for f in node["ColumnRef"]["fields"] if "String" in f]
    if not names or len(names) != len(node["ColumnRef"]["fields"]):
        return None  # t.* and the like
    return (names[-2] if len(names) >= 2 else None), names[-1]


def _comparisons(expr: dict):
    kind = expr.get("kind")
    op = expr["name"][-1].get("String", {}).get("sval", "") if expr.get("name") else ""
    left, right = expr.get("lexpr"), expr.get("rexpr")
    items = right["List"]["items"] if isinstance(right, dict) and "List" in right else None
    column = _column(left)
    if kind in ("AEXPR_IN", "AEXPR_BETWEEN", "AEXPR_NOT_BETWEEN") and column and items:
        what = "equality" if kind == "AEXPR_IN" else "range"
        for item in items:
            if _param(item) is not None:
                yield _param(item), column, what
        return
    if kind == "AEXPR_OP_ANY" and column and _param(right) is not None:
        yield _param(right), column, "array"
        return
    if kind in ("AEXPR_OP", "AEXPR_LIKE", "AEXPR_ILIKE"):
        what = "pattern" if kind != "AEXPR_OP" else "range" if op in RANGE_OPS else "equality"
        for mine, other in ((left, right), (right, left)):
            col, number = _column(mine), _param(other)
            if col and number is not None:
                yield number, col, what
                return


def suggestions(db: Database, sql_text: str) -> dict[int, Suggestion]:
    """{n: typical values for $n} for the placeholders compared with a column that has statistics."""
    uses = placeholder_uses(sql_text)
    params, relations, columns = [], [], []
    for number, use in sorted(uses.items()):
        for rel in use.relations:
            params.append(number)
            relations.append(rel)
            columns.append(use.column)
    if not params:
        return {}
    rows = db.rows("explain_param_stats", {"params": params, "relations": relations, "columns": columns})
    out: dict[int, Suggestion] = {}
    for row in rows:
        number = int(row["param"])
        if number in out:
            continue  # the first table that has the column wins
        use = uses[number]
        values = pick(use.kind, row["common_values"] or [], row["histogram"] or [])
        if values:
            table = row["table_name"]
            out[number] = Suggestion(number, f"{table}.{use.column}", use.kind, values)
    return out


def pick(kind: str, common: list[str], histogram: list[str]) -> list[str]:
    """Up to MAX_VALUES values: percentiles of the histogram for a range, else the most common values
    (most frequent first, as pg_stats lists them), else spread histogram bounds."""
    if kind == "range" and histogram:
        return _spread(histogram)
    if common:
        values = list(dict.fromkeys(v for v in common if v is not None))[:MAX_VALUES]
        return [_array(v) for v in values] if kind == "array" else values
    values = _spread(histogram)
    return [_array(v) for v in values] if kind == "array" else values


def _spread(bounds: list[str]) -> list[str]:
    if not bounds:
        return []
    last = len(bounds) - 1
    return list(dict.fromkeys(bounds[round(p * last)] for p in PERCENTILES if bounds[round(p * last)] is not None))


def _array(value: str) -> str:
    """A one-element array literal for `= ANY ($n)`."""
    return "{" + json.dumps(value) + "}"
