"""One detector per lint rule. Each looks at one visited node and yields Hits.

A detector only speaks when the parse tree proves the pattern; anything that would need the
catalog (column types, which index exists) is left to the wording of the advice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pglast import ast, enums

from lib.sqltext.names import NOT_CONST, TableRef, const_value, deparse, func_name, quote, strip_casts
from lib.sqltext.walk import Column, Scope, Visit, resolve, statement_sources, under_clause, walk

EXT = enums.A_Expr_Kind
SUBLINK = enums.SubLinkType
DEEP_OFFSET = 1000  # rows skipped before OFFSET pagination is worth a warning
OR_CHAIN_MIN = 3


@dataclass(frozen=True)
class Hit:
    message: str
    node: ast.Node | None = None  # for its location
    suggestion: str | None = None  # statement-specific SQL fix
    severity: str | None = None  # overrides the rule's default


Detector = Callable[[Visit], Iterator[Hit]]
DETECTORS: dict[str, Detector] = {}


def detector(rule_id: str):
    def register(fn: Detector) -> Detector:
        DETECTORS[rule_id] = fn
        return fn

    return register


# ---- small helpers -----------------------------------------------------------------------


def _op(expr: ast.A_Expr) -> str:
    return expr.name[-1].sval if expr.name else ""


def _tables_text(sources) -> str:
    names = [s.table.display for s in sources if s.table]
    return ", ".join(dict.fromkeys(names)) or "its FROM items"


def _on_tables(select: ast.Node) -> str:
    """' on leads, invoices' naming a subquery's tables, or '' when it reads none."""
    names = [s.table.display for s in statement_sources(select, set()) if s.table]
    return f" on {', '.join(dict.fromkeys(names))}" if names else ""


def _columns(node: ast.Node, scope: Scope | None) -> list[Column]:
    """Column references of an expression at its own level (not inside nested subqueries)."""
    out = []
    for v in walk(node, scope):
        if isinstance(v.node, ast.ColumnRef) and not any(isinstance(a, ast.SubLink) for a, _ in v.path):
            col = resolve(v.node, v.scope)
            if col is not None:
                out.append(col)
    return out


def _col_text(col: Column) -> str:
    return f"{col.table.display}.{quote(col.name)}" if col.table else quote(col.name)


def _unqualified(node: ast.Node) -> ast.Node:
    """A copy of an expression with column qualifiers removed, as an index definition needs."""

    def strip(d):
        if isinstance(d, dict):
            if d.get("@") == "ColumnRef":
                d = dict(d, fields=d["fields"][-1:])
            return {k: strip(v) for k, v in d.items()}
        if isinstance(d, list | tuple):
            return type(d)(strip(x) for x in d)
        return d

    return type(node)(strip(node(depth=None, skip_none=True)))


def _index_sql(table: TableRef, expr: ast.Node | None = None, column: str | None = None, gin=False) -> str:
    """CREATE INDEX CONCURRENTLY built as a tree and printed by pglast, so names are quoted right."""
    elem = ast.IndexElem(
        expr=expr,
        name=column,
        opclass=(ast.String(sval="gin_trgm_ops"),) if gin else None,
        ordering=enums.SortByDir.SORTBY_DEFAULT,
        nulls_ordering=enums.SortByNulls.SORTBY_NULLS_DEFAULT,
    )
    stmt = ast.IndexStmt(
        relation=table.range_var(),
        accessMethod="gin" if gin else "btree",
        indexParams=(elem,),
        concurrent=True,
    )
    return deparse(stmt)


def _int_const(node) -> int | None:
    v = const_value(node)
    return v if isinstance(v, int) and not isinstance(v, bool) else None


# ---- detectors ---------------------------------------------------------------------------


@detector("select_star")
def select_star(v: Visit) -> Iterator[Hit]:
    node = v.node
    if not isinstance(node, ast.SelectStmt) or not node.targetList:
        return
    if v.path and isinstance(v.path[-1][0], ast.SubLink) and v.path[-1][0].subLinkType == SUBLINK.EXISTS_SUBLINK:
        return  # EXISTS (SELECT * ...) reads no columns: the idiom is fine
    for target in node.targetList:
        ref = target.val
        if not (isinstance(ref, ast.ColumnRef) and isinstance(ref.fields[-1], ast.A_Star)):
            continue
        sources = v.scope.sources if v.scope else []
        if len(ref.fields) > 1:
            qual = [f.sval for f in ref.fields[:-1]]
            sources = [s for s in sources if s.ref == qual[-1]]
        if sources and all(s.table is None for s in sources):
            continue  # star over a CTE or subquery that already chose its columns
        shown = "*" if len(ref.fields) == 1 else deparse(ref)
        yield Hit(f"SELECT {shown} reads every column of {_tables_text(sources)}", ref)


@detector("unbounded_order_by")
def unbounded_order_by(v: Visit) -> Iterator[Hit]:
    node = v.node
    if v.path or not isinstance(node, ast.SelectStmt) or not node.sortClause:
        return  # only the statement's own result reaches the caller
    limit = node.limitCount
    if limit is not None and not (isinstance(limit, ast.A_Const) and limit.isnull):
        return
    tables = [w.node for w in walk(node) if isinstance(w.node, ast.RangeVar)]
    if not tables:
        return
    keys = ", ".join(deparse(s) for s in node.sortClause)
    what = _tables_text(v.scope.sources if v.scope else [])
    yield Hit(f"all rows of {what} are sorted by {keys} and returned: there is no LIMIT", node.sortClause[0])


_COMPARE_KINDS = {EXT.AEXPR_OP, EXT.AEXPR_OP_ANY, EXT.AEXPR_OP_ALL, EXT.AEXPR_IN, EXT.AEXPR_LIKE, EXT.AEXPR_ILIKE}
_COMPARE_KINDS |= {EXT.AEXPR_BETWEEN, EXT.AEXPR_NOT_BETWEEN, EXT.AEXPR_DISTINCT, EXT.AEXPR_NOT_DISTINCT}
_BETWEEN = {EXT.AEXPR_BETWEEN, EXT.AEXPR_NOT_BETWEEN, EXT.AEXPR_BETWEEN_SYM, EXT.AEXPR_NOT_BETWEEN_SYM}
_COMPARE_KINDS |= _BETWEEN
_COMPARE_OPS = {"=", "<", ">", "<=", ">=", "<>", "~~", "~~*", "!~~", "!~~*"}


@detector("function_on_column")
def function_on_column(v: Visit) -> Iterator[Hit]:
    node = v.node
    if not (isinstance(node, ast.A_Expr) and node.kind in _COMPARE_KINDS):
        return
    if node.kind not in _BETWEEN and _op(node) not in _COMPARE_OPS:
        return
    where = under_clause(v)
    if where not in ("whereClause", "join"):
        return
    if _op(node) in ("~~", "~~*") and _leading_wildcard(node.rexpr) is not None:
        return  # no B-tree index serves it either way: leading_wildcard_like says what does
    for side in (node.lexpr, node.rexpr):
        if not isinstance(side, ast.FuncCall | ast.TypeCast):
            continue
        cols = _columns(side, v.scope)
        if not cols:
            continue  # now(), $1::date ... : nothing of the table is hidden
        cast = isinstance(side, ast.TypeCast)
        what = "cast" if cast else f"function {func_name(side)[1]}()"
        unless = " (unless the column already has that type)" if cast else ""
        place = "a JOIN condition" if where == "join" else "WHERE"
        text = deparse(side)
        sources = {id(c.source): c for c in cols}
        suggestion = None
        if len(sources) == 1 and cols[0].table is not None:
            suggestion = _index_sql(cols[0].table, expr=_unqualified(side))
        names = ", ".join(dict.fromkeys(_col_text(c) for c in cols))
        yield Hit(
            f"{text} in {place}: the {what} hides {names} from a plain index{unless}",
            side,
            suggestion,
        )


_EXISTENCE = {(">", 0), (">=", 1), ("=", 0), ("<>", 0), ("<", 1), ("<=", 0)}
_FLIP = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "=": "=", "<>": "<>"}


def _is_count(node: ast.Node) -> bool:
    return isinstance(node, ast.FuncCall) and func_name(node) in {(None, "count"), ("pg_catalog", "count")}


def _count_target(node, v: Visit) -> tuple[bool, ast.Node | None]:
    """Is `node` a count: a count(...) sublink, or a bare count(...) in an ungrouped select list?"""
    if isinstance(node, ast.SubLink) and node.subLinkType == SUBLINK.EXPR_SUBLINK:
        sub = node.subselect
        if isinstance(sub, ast.SelectStmt) and sub.targetList and len(sub.targetList) == 1:
            if _is_count(sub.targetList[0].val) and not sub.groupClause:
                return True, sub
    if _is_count(node) and under_clause(v) == "targetList":
        stmt = next((a for a, _ in reversed(v.path) if isinstance(a, ast.SelectStmt)), None)
        if stmt is not None and not stmt.groupClause:
            return True, stmt
    return False, None


@detector("count_for_existence")
def count_for_existence(v: Visit) -> Iterator[Hit]:
    node = v.node
    if not (isinstance(node, ast.A_Expr) and node.kind == EXT.AEXPR_OP and _op(node) in _FLIP):
        return
    for count_side, other, op in ((node.lexpr, node.rexpr, _op(node)), (node.rexpr, node.lexpr, _FLIP[_op(node)])):
        is_count, select = _count_target(count_side, v)
        value = _int_const(other)
        shown = "(SELECT count(...) ...)" if isinstance(count_side, ast.SubLink) else deparse(count_side)
        if is_count and (op, value) in _EXISTENCE:
            yield Hit(
                f"{shown} {op} {value} counts every matching row{_on_tables(select)} only to test whether one exists",
                node,
            )
            return
        if is_count and isinstance(strip_casts(other), ast.ParamRef):
            # pg_stat_statements shows the constant 0 of `count(*) > 0` as a parameter
            yield Hit(
                f"{shown} {op} {deparse(other)}: when the value is 0 or 1 (pg_stat_statements shows constants as "
                f"$n), this counts every matching row{_on_tables(select)} only to test whether one exists",
                node, severity="info",
            )
            return


def _flatten_or(node: ast.Node) -> list[ast.Node]:
    if isinstance(node, ast.BoolExpr) and node.boolop == enums.BoolExprType.OR_EXPR:
        return [leaf for arg in node.args for leaf in _flatten_or(arg)]
    return [node]


def _column_equality(expr: ast.Node) -> tuple[tuple, ast.ColumnRef, ast.Node] | None:
    if not (isinstance(expr, ast.A_Expr) and expr.kind == EXT.AEXPR_OP and _op(expr) == "="):
        return None
    for col, val in ((expr.lexpr, expr.rexpr), (expr.rexpr, expr.lexpr)):
        if isinstance(col, ast.ColumnRef) and (const_value(val) is not NOT_CONST or isinstance(strip_casts(val), ast.ParamRef)):
            return tuple(getattr(f, "sval", "*") for f in col.fields), col, val
    return None


@detector("or_chain")
def or_chain(v: Visit) -> Iterator[Hit]:
    node = v.node
    if not (isinstance(node, ast.BoolExpr) and node.boolop == enums.BoolExprType.OR_EXPR):
        return
    parent = v.path[-1][0] if v.path else None
    if isinstance(parent, ast.BoolExpr) and parent.boolop == enums.BoolExprType.OR_EXPR:
        return  # reported once, from the outermost OR
    groups: dict[tuple, list] = {}
    for leaf in _flatten_or(node):
        eq = _column_equality(leaf)
        if eq:
            groups.setdefault(eq[0], []).append(eq)
    for eqs in groups.values():
        if len(eqs) < OR_CHAIN_MIN:
            continue
        col = eqs[0][1]
        rewrite = ast.A_Expr(
            kind=EXT.AEXPR_IN, name=(ast.String(sval="="),), lexpr=col, rexpr=tuple(e[2] for e in eqs)
        )
        yield Hit(
            f"{deparse(col)} is compared with {len(eqs)} values joined by OR",
            node,
            deparse(rewrite),
        )


@detector("correlated_subquery")
def correlated_subquery(v: Visit) -> Iterator[Hit]:
    node = v.node
    if not (isinstance(node, ast.SubLink) and node.subLinkType in (SUBLINK.EXPR_SUBLINK, SUBLINK.ARRAY_SUBLINK)):
        return
    if under_clause(v) != "targetList" or v.scope is None:
        return
    visible = []
    level = v.scope
    while level is not None:
        visible.extend(level.sources)
        level = level.parent
    refs = []
    for w in walk(node.subselect, v.scope):
        if isinstance(w.node, ast.ColumnRef):
            col = resolve(w.node, w.scope)
            if col and col.outer and any(col.source is s for s in visible):
                refs.append(deparse(w.node))
    if not refs:
        return
    on = _on_tables(node.subselect)
    outer = _tables_text(v.scope.sources)
    yield Hit(
        f"the subquery{on} in the select list runs once per row of {outer} "
        f"(it refers to {', '.join(dict.fromkeys(refs))})",
        node,
    )


@detector("select_distinct")
def select_distinct(v: Visit) -> Iterator[Hit]:
    node = v.node
    if not (isinstance(node, ast.SelectStmt) and node.distinctClause == (None,)):
        return  # DISTINCT ON (...) picks one row per group: a different tool
    cols = ", ".join(deparse(t.val) for t in node.targetList or ())
    yield Hit(f"SELECT DISTINCT {cols}: consider GROUP BY {cols} (or a join that does not duplicate rows)", node)


@detector("deep_offset")
def deep_offset(v: Visit) -> Iterator[Hit]:
    node = v.node
    if not (isinstance(node, ast.SelectStmt) and node.limitOffset is not None):
        return
    offset = node.limitOffset
    value = _int_const(offset)
    if value is not None:
        if value >= DEEP_OFFSET:
            yield Hit(f"OFFSET {value} reads and discards {value} rows before returning any", offset)
        return
    if isinstance(strip_casts(offset), ast.ParamRef):
        msg = f"OFFSET {deparse(offset)}: the value is a parameter; deep pages read and discard every skipped row"
    else:
        msg = f"OFFSET {deparse(offset)}: computed offsets grow with the page number"
    yield Hit(msg, offset, severity="info")


@detector("not_in_subquery")
def not_in_subquery(v: Visit) -> Iterator[Hit]:
    node = v.node
    if not (isinstance(node, ast.BoolExpr) and node.boolop == enums.BoolExprType.NOT_EXPR):
        return
    arg = node.args[0]
    if not (isinstance(arg, ast.SubLink) and arg.subLinkType == SUBLINK.ANY_SUBLINK):
        return
    if arg.operName and [n.sval for n in arg.operName] != ["="]:
        return
    yield Hit(f"{deparse(arg.testexpr)} NOT IN (SELECT ...): use NOT EXISTS", node)


def _leading_wildcard(pattern: ast.Node) -> str | None:
    node = strip_casts(pattern)
    while isinstance(node, ast.A_Expr) and _op(node) == "||":
        node = strip_casts(node.lexpr)  # '%' || $1 || '%'
    value = const_value(node)
    if isinstance(value, str) and value[:1] == "%" and value.strip("%"):
        return value
    if isinstance(value, str) and value[:1] == "%" and pattern is not node:
        return value  # '%' || $1: the wildcard leads whatever the parameter is
    return None


@detector("leading_wildcard_like")
def leading_wildcard_like(v: Visit) -> Iterator[Hit]:
    node = v.node
    if not (isinstance(node, ast.A_Expr) and _op(node) in ("~~", "~~*")):
        return
    if _leading_wildcard(node.rexpr) is None:
        return
    word = "ILIKE" if _op(node) == "~~*" else "LIKE"
    suggestion = None
    target = node.lexpr
    cols = _columns(target, v.scope)
    if cols and len({id(c.source) for c in cols}) == 1 and cols[0].table is not None:
        if isinstance(target, ast.ColumnRef):
            index = _index_sql(cols[0].table, column=cols[0].name, gin=True)
        else:  # lower(name) LIKE '%x': index the same expression
            index = _index_sql(cols[0].table, expr=_unqualified(target), gin=True)
        suggestion = "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n" + index
    yield Hit(
        f"{deparse(target)} {word} {deparse(node.rexpr)} starts with a wildcard: no B-tree index can serve it",
        node,
        suggestion,
    )
