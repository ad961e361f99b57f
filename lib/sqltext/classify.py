"""Sorting a statement into the guide's performance-target classes, and what N+1 needs from it.

The guide sets one target per kind of statement (a primary-key select in 50 ms, a complex join
in 200 ms, a single-row write in 100 ms, a 100-row batch insert in 500 ms, a full scan of a
small table in 1 s); this module decides which target a statement is measured against.

Which columns are a key is catalog knowledge. Callers that have it pass `keys`: a mapping or a
callable from table name (as `TableRef.display` prints it, e.g. `clients` or `public.clients`;
a mapping may also be keyed by the bare name) to the table's primary-key and unique column
sets. Without it we guess, and say so: a table's key is `id`, `<table>_id`, or `<singular>_id`
(`clients` -> `client_id`, `companies` -> `company_id`), and equality on it is one row.
When `keys` is given, a table it does not know has no key: we do not guess behind the catalog.

Class boundaries, where the guide is silent: 'join' is any SELECT with two or more table
references (JOIN, comma, or a subquery in WHERE; a self-join counts twice); a UNION is 'other';
'full_scan' ignores LIMIT (the target is about scanning a small table); INSERT ... SELECT and
COPY ... FROM are 'batch_insert' whatever their row count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from pglast import ast, enums

from lib.sqltext.names import NOT_CONST, TableRef, const_value, strip_casts
from lib.sqltext.parse import ParseFailure, Statement, parse, parse_whole
from lib.sqltext.walk import Scope, cte_names, resolve, statement_sources, walk

KINDS = ("pk_lookup", "join", "write_single", "batch_insert", "full_scan", "other")

KeyInfo = Mapping[str, Iterable] | Callable[[str], Iterable | None] | None


@dataclass(frozen=True)
class Classification:
    kind: str
    tables: tuple[str, ...]
    reason: str


def _key_sets(table: TableRef, keys: KeyInfo) -> list[frozenset[str]]:
    if keys is None:
        name = table.name
        guesses = ["id", f"{name}_id"]
        if name.endswith("ies"):
            guesses.append(f"{name[:-3]}y_id")
        elif name.endswith("s"):
            guesses.append(f"{name[:-1]}_id")
        return [frozenset([g]) for g in guesses]
    if callable(keys):
        found = keys(table.display)
    else:
        found = keys.get(table.display)
        if found is None and table.schema in (None, "public"):
            # `clients` in the query and `public.clients` in the catalog, or the other way round
            other = TableRef("public" if table.schema is None else None, table.name).display
            found = keys.get(other, keys.get(table.name))
    return [frozenset([k]) if isinstance(k, str) else frozenset(k) for k in found or ()]


def _conjuncts(node: ast.Node | None) -> list[ast.Node]:
    if isinstance(node, ast.BoolExpr) and node.boolop == enums.BoolExprType.AND_EXPR:
        return [leaf for arg in node.args for leaf in _conjuncts(arg)]
    return [] if node is None else [node]


def _is_value(node: ast.Node | None) -> bool:
    """A constant or a `$n` placeholder: one value for the whole execution."""
    return const_value(node) is not NOT_CONST or isinstance(strip_casts(node), ast.ParamRef)


def _equality_columns(where: ast.Node | None, scope: Scope) -> list[tuple[ast.Node, ast.Node, object]]:
    """(column side, value side, resolved column) for each `column = value` in a top-level AND."""
    out = []
    for leaf in _conjuncts(where):
        if not (isinstance(leaf, ast.A_Expr) and leaf.kind == enums.A_Expr_Kind.AEXPR_OP):
            continue
        if [n.sval for n in leaf.name] != ["="]:
            continue
        for col, val in ((leaf.lexpr, leaf.rexpr), (leaf.rexpr, leaf.lexpr)):
            if isinstance(col, ast.ColumnRef) and _is_value(val):
                out.append((col, val, resolve(col, scope)))
    return out


def _bound_key(stmt, where, keys: KeyInfo) -> tuple[TableRef, frozenset[str]] | None:
    """The target table and the key its WHERE pins to single values, if any."""
    scope = Scope(stmt, statement_sources(stmt, cte_names(stmt)))
    if len(scope.sources) != 1 or scope.sources[0].table is None:
        return None
    source = scope.sources[0]
    bound = {c.name for _, _, c in _equality_columns(where, scope) if c is not None and c.source is source}
    for key in _key_sets(source.table, keys):
        if key and key <= bound:
            return source.table, key
    return None


def _table_refs(node: ast.Node) -> list[TableRef]:
    """Every table reference (a self-join counts twice), in text order; CTE names are not tables."""
    ctes = cte_names(node)
    found = [
        v.node
        for v in walk(node)
        if isinstance(v.node, ast.RangeVar) and not (v.node.schemaname is None and v.node.relname in ctes)
    ]
    found.sort(key=lambda rv: rv.location if isinstance(rv.location, int) else 0)
    return [TableRef(rv.schemaname, rv.relname) for rv in found]


def _classify_select(stmt: ast.SelectStmt, refs: list[TableRef], keys: KeyInfo) -> tuple[str, str]:
    if stmt.op != enums.SetOperation.SETOP_NONE:
        return "other", "set operation (UNION / INTERSECT / EXCEPT)"
    if stmt.valuesLists or not refs:
        return "other", "reads no table"
    if len(refs) >= 2:
        return "join", f"reads {len(refs)} table references"
    if stmt.whereClause is None:
        return "full_scan", f"reads {refs[0].display} with no WHERE"
    bound = _bound_key(stmt, stmt.whereClause, keys)
    if bound:
        return "pk_lookup", f"equality on key ({', '.join(sorted(bound[1]))}) of {bound[0].display}"
    return "other", "single-table SELECT not pinned to a key"


def _classify_write(node: ast.Node, keys: KeyInfo) -> tuple[str, str]:
    if isinstance(node, ast.InsertStmt):
        sel = node.selectStmt
        if sel is None:
            return "write_single", "INSERT ... DEFAULT VALUES"
        if isinstance(sel, ast.SelectStmt) and sel.valuesLists:
            rows = len(sel.valuesLists)
            return ("write_single", "INSERT of one VALUES row") if rows == 1 else (
                "batch_insert", f"INSERT of {rows} VALUES rows")
        return "batch_insert", "INSERT ... SELECT"
    if isinstance(node, ast.CopyStmt) and node.is_from:
        return "batch_insert", "COPY ... FROM"
    if isinstance(node, ast.UpdateStmt | ast.DeleteStmt):
        verb = "UPDATE" if isinstance(node, ast.UpdateStmt) else "DELETE"
        bound = _bound_key(node, node.whereClause, keys)
        if bound:
            return "write_single", f"{verb} by key ({', '.join(sorted(bound[1]))}) of {bound[0].display}"
        return "other", f"{verb} not pinned to a key"
    return "other", f"{type(node).__name__} has no performance target"


def classify(sql: str, keys: KeyInfo = None) -> Classification:
    """The performance-target class of one statement; anything unclear is 'other'."""
    parsed = parse_whole(sql)
    if isinstance(parsed, ParseFailure):
        return Classification("other", (), parsed.describe())
    if len(parsed) != 1:
        return Classification("other", tuple(tables(sql)), f"{len(parsed)} statements, not one")
    node = parsed[0].node
    refs = _table_refs(node)
    names = tuple(dict.fromkeys(r.display for r in refs))
    if isinstance(node, ast.SelectStmt) and node.intoClause is None:
        kind, reason = _classify_select(node, refs, keys)
    else:
        kind, reason = _classify_write(node, keys)
    if keys is None and kind in ("pk_lookup", "write_single") and "key" in reason:
        reason += " (key guessed from the column name)"
    return Classification(kind, names, reason)


def _statements(sql: str) -> list[Statement]:
    return [s for s in parse(sql) if isinstance(s, Statement)]


def tables(sql: str) -> list[str]:
    """Tables named anywhere in the text (CTE names excluded), in order of first appearance."""
    names = (r.display for s in _statements(sql) for r in _table_refs(s.node))
    return list(dict.fromkeys(names))


def relation_refs(sql: str) -> set[TableRef]:
    """Every relation the text names, as written (schema or not), CTE names included: all a catalog
    lookup for this text can ask about (lib.statements.table_keys reads only those tables)."""
    return {TableRef(v.node.schemaname, v.node.relname) for s in _statements(sql) for v in walk(s.node)
            if isinstance(v.node, ast.RangeVar)}


def param_equalities(sql: str) -> list[tuple[str | None, str]]:
    """(table, column) for every `column = $n`: the lookups an N+1 loop repeats.

    The table is None when the column is unqualified and several FROM items are visible.
    `column IN (...)` and `= ANY($1)` are batched lookups, so they are not listed.
    """
    out: list[tuple[str | None, str]] = []
    for stmt in _statements(sql):
        for v in walk(stmt.node):
            expr = v.node
            if not (isinstance(expr, ast.A_Expr) and expr.kind == enums.A_Expr_Kind.AEXPR_OP):
                continue
            if [n.sval for n in expr.name] != ["="]:
                continue
            for col, val in ((expr.lexpr, expr.rexpr), (expr.rexpr, expr.lexpr)):
                if isinstance(col, ast.ColumnRef) and isinstance(strip_casts(val), ast.ParamRef):
                    resolved = resolve(col, v.scope)
                    if resolved is not None:
                        table = resolved.table.display if resolved.table else None
                        out.append((table, resolved.name))
    return list(dict.fromkeys(out))
