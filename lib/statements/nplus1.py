"""N+1 detection: a lookup statement run once per row of a list statement, read off pg_stat_statements.

pg_stat_statements has no order of events, so this is a heuristic over totals (`heuristic()` says it
in words for the page). A *lookup* is a SELECT of one table, called at least `nplus1_min_calls` times,
returning at most `nplus1_max_rows_per_call` rows per call, filtered by equality of a `$n` parameter
with a single-column primary/unique key or foreign key. Its *list* is a SELECT on a related table:
the table the foreign key points to, a table whose foreign key points to the key, or the same table;
it returns the column whose values the lookup receives, runs at least `nplus1_call_ratio` times less
often, and returns more rows per call. A foreign-key relation makes the pair "likely", the same table
only "possible" (then the fix is to select those columns in the list itself). The joined query and the batched
lookup are built with pglast from the two statements' own trees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pglast import ast, enums
from pglast.stream import IndentedStream

from lib.sqltext.classify import param_equalities
from lib.sqltext.names import column_fields, is_param, table_of
from lib.sqltext.parse import parse_whole
from lib.statements import explorer, table_keys
from lib.statements.explorer import StatementText
from lib.statements.table_keys import Catalog, Relation
from lib.statements.targets import select_tree


def heuristic(t) -> str:
    return (
        "pg_stat_statements keeps totals, not the order of statements, so N+1 is inferred. A **lookup** is "
        f"a SELECT on one table, run at least {t.nplus1_min_calls:,} times, returning at most "
        f"{t.nplus1_max_rows_per_call:g} rows per call, filtered by `column = $n` on a one-column primary "
        "key, unique key or foreign key. Its **list** is a SELECT on a related table (the table that foreign "
        "key points to, a table whose foreign key points to that key, or the same table) that returns the "
        f"values the lookup receives, runs at least {t.nplus1_call_ratio:g}× less often and returns more "
        "rows per call. A foreign-key relation makes the pair *likely*, the same table only *possible*. Fix "
        "it by fetching the related rows in one query: a JOIN, or the lookup with `= ANY($1)` and every "
        "listed key at once."
    )


@dataclass(frozen=True)
class Lookup:
    statement: StatementText
    relation: Relation
    column: str


@dataclass(frozen=True)
class Link:
    """How a list statement's table leads to the lookup: which listed column feeds `column = $n`."""

    table: str  # the list's table
    listed_column: str  # column of the list's rows that the lookup receives
    likely: bool
    words: str


@dataclass(frozen=True)
class NPlusOne:
    lookup: StatementText
    listing: StatementText
    table: str  # the lookup's table
    column: str  # the lookup's `column = $n`
    likely: bool
    relation: str  # how the two tables relate, in words
    batched_sql: str
    joined_sql: str | None

    @property
    def calls_per_list_call(self) -> float:
        return self.lookup.calls / max(self.listing.calls, 1)

    def describe(self) -> str:
        return (f"{self.lookup.calls:,} calls of a lookup on {self.table} by {self.column} "
                f"({self.lookup.rows_per_call:.1f} rows per call), about {self.calls_per_list_call:,.0f} per call "
                f"of a list statement returning {self.listing.rows_per_call:,.1f} rows per call ({self.relation})")


def _from_tables(node: ast.SelectStmt) -> list[ast.RangeVar]:
    """The plain tables of a FROM list, through joins (subqueries are not followed)."""
    out: list[ast.RangeVar] = []

    def visit(item):
        if isinstance(item, ast.RangeVar):
            out.append(item)
        elif isinstance(item, ast.JoinExpr):
            visit(item.larg)
            visit(item.rarg)

    for item in node.fromClause or ():
        visit(item)
    return out


def as_lookup(stmt: StatementText, catalog: Catalog, t) -> Lookup | None:
    if stmt.query is None or stmt.calls < t.nplus1_min_calls or stmt.rows_per_call > t.nplus1_max_rows_per_call:
        return None
    node = select_tree(stmt.query)
    if node is None:
        return None
    tables = _from_tables(node)
    if len(tables) != 1 or len(node.fromClause or ()) != 1:
        return None
    relation = catalog.find(table_of(tables[0]).display)
    if relation is None:
        return None
    for table, column in param_equalities(stmt.query):
        if table is not None and catalog.find(table) is not relation:
            continue
        if relation.is_key(column) or relation.foreign_key_on(column):
            return Lookup(stmt, relation, column)
    return None


def links(lookup: Lookup, catalog: Catalog) -> list[Link]:
    """Tables a list statement could read for this lookup to run once per listed row."""
    rel, col = lookup.relation, lookup.column
    found: list[Link] = []
    fk = rel.foreign_key_on(col)
    if fk is not None:
        found.append(Link(fk.ref_table, fk.ref_columns[0], True,
                          f"{rel.name}.{col} references {fk.ref_table}.{fk.ref_columns[0]}"))
    if rel.is_key(col):
        for other, ofk in catalog.referencing(rel):
            if ofk.ref_columns == (col,) and len(ofk.columns) == 1:
                found.append(Link(other.display, ofk.columns[0], True,
                                  f"{other.name}.{ofk.columns[0]} references {rel.display}.{col}"))
        found.append(Link(rel.display, col, False, f"same table {rel.display}"))
    return found


def _returned_as(node: ast.SelectStmt, table: str, column: str, catalog: Catalog) -> str | None:
    """The output name under which a SELECT returns `table.column` from its own FROM, or None.

    A list statement feeds a per-row lookup only with values it returns. An unqualified column
    counts only when the FROM has a single table (otherwise its table is unknown, not guessed).
    """
    tables = _from_tables(node)
    refs = {}
    for rv in tables:
        found = catalog.find(table_of(rv).display)
        refs[rv.alias.aliasname if rv.alias else rv.relname] = found.display if found else None
    for target in node.targetList or ():
        if not isinstance(target.val, ast.ColumnRef):
            continue
        parts = target.val.fields
        qualifier = parts[-2].sval if len(parts) >= 2 and isinstance(parts[-2], ast.String) else None
        star = isinstance(parts[-1], ast.A_Star)
        if not star and parts[-1].sval != column:
            continue
        if qualifier is not None:
            source = refs.get(qualifier)
        else:
            source = next(iter(refs.values())) if len(refs) == 1 else None
        if source == table:
            return column if star else (target.name or column)
    return None


def _string(value: str) -> ast.String:
    return ast.String(sval=value)


def _equality(expr) -> tuple[ast.ColumnRef, ast.Node] | None:
    if isinstance(expr, ast.A_Expr) and expr.kind == enums.A_Expr_Kind.AEXPR_OP and \
            [n.sval for n in expr.name] == ["="]:
        for col, val in ((expr.lexpr, expr.rexpr), (expr.rexpr, expr.lexpr)):
            if isinstance(col, ast.ColumnRef) and is_param(val):
                return col, val
    return None


def _fresh(text: str) -> ast.SelectStmt:
    """A tree of our own to change (the cached trees are shared)."""
    return parse_whole(text)[0].node


def batched_sql(lookup: Lookup) -> str:
    """The lookup fetching every listed key at once: `column = ANY($n)` with an array parameter."""
    node = _fresh(lookup.statement.query)

    def rewrite(expr):
        pair = _equality(expr)
        if pair and (column_fields(pair[0]) or ("",))[-1] == lookup.column:
            return ast.A_Expr(kind=enums.A_Expr_Kind.AEXPR_OP_ANY, name=expr.name, lexpr=pair[0], rexpr=pair[1])
        if isinstance(expr, ast.BoolExpr) and expr.boolop == enums.BoolExprType.AND_EXPR:
            return ast.BoolExpr(boolop=expr.boolop, args=tuple(rewrite(a) for a in expr.args))
        return expr

    node.whereClause = rewrite(node.whereClause)
    return IndentedStream(comma_at_eoln=True)(node)


def joined_sql(lookup: Lookup, listing: StatementText, returned: str) -> str | None:
    """The list statement as a subquery, LEFT JOINed to the lookup's table on the listed column.

    `returned` is the list's output column the lookup receives. Only when the lookup's WHERE is the
    equality alone and it selects plain columns; otherwise None (the batched form still applies).
    """
    look = _fresh(lookup.statement.query)
    if _equality(look.whereClause) is None:
        return None
    rv = look.fromClause[0]
    qualifier = rv.alias.aliasname if rv.alias else rv.relname
    targets = [ast.ResTarget(val=ast.ColumnRef(fields=(_string("listed"), ast.A_Star())))]
    for target in look.targetList or ():
        fields = column_fields(target.val) if isinstance(target.val, ast.ColumnRef) else ()
        if not isinstance(target.val, ast.ColumnRef):
            return None
        tail = (ast.A_Star(),) if fields is None else (_string(fields[-1]),)
        targets.append(ast.ResTarget(name=target.name, val=ast.ColumnRef(fields=(_string(qualifier), *tail))))
    listed = _fresh(listing.query)
    quals = ast.A_Expr(kind=enums.A_Expr_Kind.AEXPR_OP, name=(_string("="),),
                       lexpr=ast.ColumnRef(fields=(_string(qualifier), _string(lookup.column))),
                       rexpr=ast.ColumnRef(fields=(_string("listed"), _string(returned))))
    join = ast.JoinExpr(jointype=enums.JoinType.JOIN_LEFT, isNatural=False, quals=quals, rarg=rv,
                        larg=ast.RangeSubselect(lateral=False, subquery=listed, alias=ast.Alias(aliasname="listed")))
    stmt = ast.SelectStmt(targetList=tuple(targets), fromClause=(join,), op=enums.SetOperation.SETOP_NONE,
                          limitOption=enums.LimitOption.LIMIT_OPTION_DEFAULT)
    return IndentedStream(comma_at_eoln=True)(stmt)


def detect(busy: list[StatementText], catalog: Catalog, t) -> list[NPlusOne]:
    found = []
    for stmt in busy:
        lookup = as_lookup(stmt, catalog, t)
        if lookup is None:
            continue
        best = None
        for link in links(lookup, catalog):
            for other in busy:
                if other is stmt or other.calls * t.nplus1_call_ratio > stmt.calls:
                    continue
                listed = select_tree(other.query or "") if other.rows_per_call > stmt.rows_per_call else None
                returned = _returned_as(listed, link.table, link.listed_column, catalog) if listed else None
                if returned is None:
                    continue
                # each listed row is one lookup: the list's total rows should be near the lookup's calls
                distance = abs(math.log(max(other.rows, 1) / stmt.calls))
                score = (link.likely, -distance, other.calls)
                if best is None or score > best[0]:
                    best = (score, other, link, returned)
        if best is None:
            continue
        _, listing, link, returned = best
        found.append(NPlusOne(stmt, listing, lookup.relation.display, lookup.column, link.likely, link.words,
                              batched_sql(lookup), joined_sql(lookup, listing, returned) if link.likely else None))
    found.sort(key=lambda n: (not n.likely, -n.lookup.total_exec_ms))
    return found


def collect(db, busy: list[StatementText] | None = None, catalog: Catalog | None = None) -> list[NPlusOne]:
    busy = explorer.busiest(db) if busy is None else busy
    catalog = table_keys.for_statements(db, busy) if catalog is None else catalog
    return detect(busy, catalog, db.thresholds)
