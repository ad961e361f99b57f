"""A walk over a pglast tree that knows, at every node, which FROM items are in scope.

Lint messages and the N+1 detector want to say "clients.email", not "email": that needs the
aliases of the query level the column sits in, and of the levels around it for correlated
subqueries. Without the catalog an unqualified column is only resolved when exactly one FROM
item is visible at its level; otherwise its table stays unknown (None), never guessed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pglast import ast

from lib.sqltext.names import TableRef, column_fields, table_of

STATEMENTS = (ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)


@dataclass(frozen=True)
class Source:
    """One FROM item: the name columns use for it, and the table behind it (None if derived)."""

    ref: str
    table: TableRef | None


@dataclass
class Scope:
    stmt: ast.Node
    sources: list[Source] = field(default_factory=list)
    parent: Scope | None = None


@dataclass(frozen=True)
class Column:
    """A resolved column reference: `source` is None when the table cannot be known."""

    source: Source | None
    name: str
    outer: bool = False  # it belongs to an enclosing query level (correlation)

    @property
    def table(self) -> TableRef | None:
        return self.source.table if self.source else None


@dataclass(frozen=True)
class Visit:
    node: ast.Node
    scope: Scope | None
    path: tuple[tuple[ast.Node, str], ...]  # (ancestor, member it was reached through), root first


def cte_names(root: ast.Node) -> set[str]:
    return {v.node.ctename for v in _walk(root, None, (), set()) if isinstance(v.node, ast.CommonTableExpr)}


def _from_sources(items, ctes: set[str]) -> list[Source]:
    out: list[Source] = []
    for item in items or ():
        if isinstance(item, ast.RangeVar):
            table = None if (item.schemaname is None and item.relname in ctes) else table_of(item)
            out.append(Source(item.alias.aliasname if item.alias else item.relname, table))
        elif isinstance(item, ast.JoinExpr):
            out.extend(_from_sources((item.larg, item.rarg), ctes))
        elif isinstance(item, ast.RangeSubselect | ast.RangeFunction | ast.RangeTableFunc):
            out.append(Source(item.alias.aliasname if item.alias else "", None))
    return out


def statement_sources(node: ast.Node, ctes: set[str]) -> list[Source]:
    """The FROM items a statement's own expressions can name."""
    if isinstance(node, ast.SelectStmt):
        return _from_sources(node.fromClause, ctes)
    if isinstance(node, ast.UpdateStmt):
        return _from_sources((node.relation, *(node.fromClause or ())), ctes)
    if isinstance(node, ast.DeleteStmt):
        return _from_sources((node.relation, *(node.usingClause or ())), ctes)
    if isinstance(node, ast.InsertStmt):
        return _from_sources((node.relation,), ctes)
    if isinstance(node, ast.MergeStmt):
        return _from_sources((node.relation, node.sourceRelation), ctes)
    return []


def _children(node: ast.Node) -> Iterator[tuple[str, ast.Node]]:
    for member in node:
        value = getattr(node, member)
        if isinstance(value, ast.Node):
            yield member, value
        elif isinstance(value, tuple):
            stack = [value]
            while stack:  # valuesLists and friends nest tuples
                for item in stack.pop():
                    if isinstance(item, ast.Node):
                        yield member, item
                    elif isinstance(item, tuple):
                        stack.append(item)


# Members of a statement that do not see the statement's own FROM items.
_OUTSIDE = {"withClause", "selectStmt"}


def _walk(node, scope, path, ctes) -> Iterator[Visit]:
    own = scope
    if isinstance(node, STATEMENTS):
        own = Scope(node, statement_sources(node, ctes), scope)
    elif isinstance(node, ast.RangeSubselect | ast.RangeFunction) and not node.lateral and scope:
        # a plain (non-LATERAL) FROM item cannot see its sibling FROM items
        own = scope.parent
    yield Visit(node, own, path)
    for member, child in _children(node):
        child_scope = scope if isinstance(node, STATEMENTS) and member in _OUTSIDE else own
        yield from _walk(child, child_scope, (*path, (node, member)), ctes)


def walk(root: ast.Node, scope: Scope | None = None) -> Iterator[Visit]:
    """Every node under `root` (root included), with its scope and ancestry.

    `scope` is the scope `root` sits in, when walking a piece of a larger statement.
    """
    yield from _walk(root, scope, (), cte_names(root))


def resolve(ref: ast.ColumnRef, scope: Scope | None) -> Column | None:
    """Which FROM item a column reference names; None for `*` or unsupported shapes."""
    fields = column_fields(ref)
    if not fields or scope is None:
        return None
    if len(fields) == 1:
        sources = scope.sources
        return Column(sources[0] if len(sources) == 1 else None, fields[0])
    if len(fields) > 3:
        return None
    qualifier, name = fields[:-1], fields[-1]
    level, depth = scope, 0
    while level is not None:
        for src in level.sources:
            if _names(src, qualifier):
                return Column(src, name, outer=depth > 0)
        level, depth = level.parent, depth + 1
    return Column(None, name)


def _names(src: Source, qualifier: tuple[str, ...]) -> bool:
    if len(qualifier) == 1:
        return src.ref == qualifier[0]
    return src.table is not None and src.ref == src.table.name and src.table == TableRef(*qualifier)


def enclosing(visit: Visit) -> tuple[ast.Node | None, str | None]:
    """The nearest enclosing statement and the member (clause) the node sits under."""
    for ancestor, member in reversed(visit.path):
        if isinstance(ancestor, STATEMENTS):
            return ancestor, member
    return None, None


def under_clause(visit: Visit) -> str | None:
    """'whereClause', 'targetList', 'join' (a JOIN ... ON condition), ... of the nearest statement."""
    for ancestor, member in reversed(visit.path):
        if isinstance(ancestor, ast.JoinExpr) and member == "quals":
            return "join"
        if isinstance(ancestor, STATEMENTS):
            return member
        if isinstance(ancestor, ast.SubLink) and member == "subselect":
            return None
    return None
