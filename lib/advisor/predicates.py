"""What a statement asks of each table it reads, read from PostgreSQL's own parse tree (pglast).

For every table a statement names: the columns it compares for equality (constants, `$n`, join keys
and correlated outer columns alike), with IN lists, ranges (<, <=, >, >=, BETWEEN), the ORDER BY /
GROUP BY columns, `lower(col)`-style keys an expression index can serve, and the constant predicates
a partial index can hold (`deleted_at IS NULL`, `status = 'paid'`). Only top-level AND conjuncts of
WHERE and JOIN ... ON count: an OR or a NOT says nothing an index can use as a whole.

Nothing here touches a database: an unqualified column of a statement with several tables is
resolved with `columns_of(TableRef)` (the catalog's columns), and stays unknown otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pglast import ast
from pglast.enums import A_Expr_Kind, BoolExprType, NullTestType

from lib.sqltext.names import NOT_CONST, TableRef, column_fields, const_value, func_name, strip_casts
from lib.sqltext.parse import ParseFailure, parse
from lib.sqltext.walk import Scope, Source, _children, walk

# Functions whose result an expression index can hold (immutable, one column argument).
INDEXABLE_FUNCTIONS = frozenset({"lower", "upper"})
RANGE_OPS = frozenset({"<", "<=", ">", ">="})
FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}


@dataclass(frozen=True)
class Key:
    """One index key: a column, or a function of one column (`lower(email)`)."""

    column: str
    function: str | None = None

    @property
    def label(self) -> str:
        from lib.sqltext.names import quote

        return f"{self.function}({quote(self.column)})" if self.function else quote(self.column)


@dataclass(frozen=True)
class Constant:
    """A constant predicate a partial index can hold: `col IS NULL`, `col IS NOT NULL`, `col = 'x'`, `col`."""

    column: str
    kind: str  # is_null | is_not_null | equals | is_true | is_false
    value: object = None

    @property
    def label(self) -> str:
        from lib.sqltext.names import quote

        words = {"is_null": "IS NULL", "is_not_null": "IS NOT NULL", "is_true": "IS TRUE", "is_false": "IS FALSE"}
        if self.kind == "equals":
            return f"{quote(self.column)} = {self.value!r}"
        return f"{quote(self.column)} {words[self.kind]}"


@dataclass(frozen=True)
class Param:
    """What a `$n` is compared with: a column (op as `col op $n`), or LIMIT / OFFSET."""

    number: int
    table: TableRef | None
    column: str | None
    op: str  # = < <= > >= in limit offset


@dataclass
class Use:
    """What one statement does with one table (as the statement spells it)."""

    table: TableRef
    equal: list[Key] = field(default_factory=list)
    in_list: list[Key] = field(default_factory=list)
    ranges: list[Key] = field(default_factory=list)
    sort: list[Key] = field(default_factory=list)
    constants: list[Constant] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)  # every column of the table the statement names
    star: bool = False  # SELECT * or t.*: every column is read
    limited: bool = False  # the statement level has a LIMIT

    def add(self, bucket: list, key: Key) -> None:
        if key not in bucket:
            bucket.append(key)


@dataclass
class Reading:
    """A statement's uses of its tables, its parameters, and why it could not be read (if so)."""

    uses: dict[TableRef, Use] = field(default_factory=dict)
    params: dict[int, Param] = field(default_factory=dict)
    problem: str | None = None
    kind: str = ""  # select | update | delete | insert | other
    placeholders: tuple[int, ...] = ()  # the $n numbers used


ColumnsOf = Callable[[TableRef], "set[str] | None"]


def read(text: str, columns_of: ColumnsOf | None = None) -> Reading:
    """One statement's reading; several statements or one that does not parse give a problem."""
    parsed = parse(text)
    if not parsed:
        return Reading(problem="no statement")
    if len(parsed) > 1:
        return Reading(problem="several statements: give one at a time")
    stmt = parsed[0]
    if isinstance(stmt, ParseFailure):
        return Reading(problem=stmt.describe())
    reading = Reading(kind=_kind(stmt.node))
    if reading.kind in ("insert", "other"):
        return reading
    resolvers: dict[int, _Resolver] = {}
    numbers: set[int] = set()
    for visit in walk(stmt.node):  # one walk: statement levels, their columns, the $n
        node, scope = visit.node, visit.scope
        if isinstance(node, ast.ParamRef):
            numbers.add(node.number)
        elif scope is None:
            continue
        elif isinstance(node, ast.SelectStmt | ast.UpdateStmt | ast.DeleteStmt) and scope.stmt is node:
            resolvers[id(scope)] = _Resolver(scope, columns_of)
            _statement(node, resolvers[id(scope)], reading)
        elif isinstance(node, ast.ColumnRef) and id(scope) in resolvers:
            _column(node, resolvers[id(scope)], reading)
    reading.placeholders = tuple(sorted(numbers))
    return reading


def _column(ref: ast.ColumnRef, resolver: _Resolver, reading: Reading) -> None:
    """A column named at a statement level: what an index-only scan would need (`*` needs them all)."""
    tables = [s for s in resolver.scope.sources if s.table is not None]
    if column_fields(ref) is None:  # * or t.*
        qualifier = [f.sval for f in ref.fields[:-1] if isinstance(f, ast.String)]
        for source in tables:
            if not qualifier or qualifier[-1] == source.ref:
                reading.uses[source.table].star = True
        return
    found = resolver.column(ref)
    if found and found[0] in reading.uses:
        reading.uses[found[0]].columns.add(found[1])


def _kind(node: ast.Node) -> str:
    return {ast.SelectStmt: "select", ast.UpdateStmt: "update", ast.DeleteStmt: "delete",
            ast.InsertStmt: "insert"}.get(type(node), "other")


def _statement(node, resolver: _Resolver, reading: Reading) -> None:
    tables = [s for s in resolver.scope.sources if s.table is not None]
    if not tables:
        return
    for source in tables:
        reading.uses.setdefault(source.table, Use(source.table))
    for conjunct in _conjuncts(getattr(node, "whereClause", None)):
        _predicate(conjunct, resolver, reading)
    for quals in _join_quals(getattr(node, "fromClause", None)):
        for conjunct in _conjuncts(quals):
            _predicate(conjunct, resolver, reading)
    if isinstance(node, ast.SelectStmt):
        for member, op in (("limitCount", "limit"), ("limitOffset", "offset")):
            param = strip_casts(getattr(node, member))
            if isinstance(param, ast.ParamRef):
                reading.params.setdefault(param.number, Param(param.number, None, None, op))
        order = [s.node for s in node.sortClause or ()] or list(node.groupClause or ())
        keys = [resolver.key(item) for item in order]
        owners = {k[0] for k in keys if k}
        if keys and all(keys) and len(owners) == 1:  # every sort item a column of one table
            use = reading.uses[next(iter(owners))]
            for _table, key in keys:
                use.add(use.sort, key)
        if node.limitCount is not None:
            for source in tables:
                reading.uses[source.table].limited = True


def _conjuncts(expr) -> Iterator[ast.Node]:
    if expr is None:
        return
    if isinstance(expr, ast.BoolExpr) and expr.boolop == BoolExprType.AND_EXPR:
        for arg in expr.args:
            yield from _conjuncts(arg)
    else:
        yield expr


def _join_quals(items) -> Iterator[ast.Node]:
    for item in items or ():
        if isinstance(item, ast.JoinExpr):
            if item.quals is not None:
                yield item.quals
            yield from _join_quals((item.larg, item.rarg))


class _Resolver:
    """Columns of this statement level to (table, column), using the catalog for bare names."""

    def __init__(self, scope: Scope, columns_of: ColumnsOf | None):
        self.scope = scope
        self.columns_of = columns_of

    def column(self, ref: ast.ColumnRef) -> tuple[TableRef, str] | None:
        fields = column_fields(ref)
        if not fields:
            return None
        name = fields[-1]
        if len(fields) == 1:
            candidates = [s for s in self.scope.sources if s.table is not None]
            if len(self.scope.sources) == 1 and candidates:
                return candidates[0].table, name
            if self.columns_of is None:
                return None
            having = [s for s in candidates if name in (self.columns_of(s.table) or ())]
            return (having[0].table, name) if len(having) == 1 else None
        qualifier = fields[:-1]
        for source in self.scope.sources:  # this level only: outer columns are values here
            if _names(source, qualifier) and source.table is not None:
                return source.table, name
        return None

    def key(self, expr) -> tuple[TableRef, Key] | None:
        expr = strip_casts(expr)
        if isinstance(expr, ast.ColumnRef):
            found = self.column(expr)
            return (found[0], Key(found[1])) if found else None
        if isinstance(expr, ast.FuncCall) and len(expr.args or ()) == 1 and not expr.agg_star:
            schema, name = func_name(expr)
            arg = strip_casts(expr.args[0])
            if schema in (None, "pg_catalog") and name in INDEXABLE_FUNCTIONS and isinstance(arg, ast.ColumnRef):
                found = self.column(arg)
                return (found[0], Key(found[1], name)) if found else None
        return None

    def tables_in(self, expr) -> set[TableRef]:
        """Tables of this level an expression reads (an outer column or a $n reads none)."""
        out = set()
        stack = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.ColumnRef):
                found = self.column(node)
                if found:
                    out.add(found[0])
            elif isinstance(node, ast.Node):
                stack.extend(child for _member, child in _children(node))
            elif isinstance(node, tuple):
                stack.extend(node)
        return out


def _names(src: Source, qualifier: tuple[str, ...]) -> bool:
    if len(qualifier) == 1:
        return src.ref == qualifier[0]
    return src.table is not None and src.ref == src.table.name and src.table == TableRef(*qualifier)


def _predicate(expr, resolver: _Resolver, reading: Reading) -> None:
    if isinstance(expr, ast.NullTest):
        found = resolver.key(expr.arg)
        if found and not found[1].function:
            kind = "is_null" if expr.nulltesttype == NullTestType.IS_NULL else "is_not_null"
            reading.uses[found[0]].constants.append(Constant(found[1].column, kind))
        return
    if isinstance(expr, ast.ColumnRef):  # WHERE active
        found = resolver.column(expr)
        if found:
            reading.uses[found[0]].constants.append(Constant(found[1], "is_true"))
        return
    if not isinstance(expr, ast.A_Expr) or not expr.name:
        return
    op = expr.name[-1].sval if isinstance(expr.name[-1], ast.String) else None
    if expr.kind == A_Expr_Kind.AEXPR_OP and op in FLIP:
        for this, other, this_op in ((expr.lexpr, expr.rexpr, op), (expr.rexpr, expr.lexpr, FLIP[op])):
            _compare(this, other, this_op, resolver, reading)
    elif expr.kind == A_Expr_Kind.AEXPR_IN and op == "=":
        found = resolver.key(expr.lexpr)
        values = expr.rexpr if isinstance(expr.rexpr, tuple) else (expr.rexpr,)
        if found and not any(found[0] in resolver.tables_in(v) for v in values):
            use = reading.uses[found[0]]
            use.add(use.in_list, found[1])
            for v in values:
                _note_param(v, found, "=", reading)
    elif expr.kind == A_Expr_Kind.AEXPR_OP_ANY and op == "=":
        found = resolver.key(expr.lexpr)
        if found and found[0] not in resolver.tables_in(expr.rexpr):
            use = reading.uses[found[0]]
            use.add(use.in_list, found[1])
            _note_param(expr.rexpr, found, "any", reading)
    elif expr.kind == A_Expr_Kind.AEXPR_BETWEEN:
        found = resolver.key(expr.lexpr)
        bounds = expr.rexpr if isinstance(expr.rexpr, tuple) else ()
        if found and not any(found[0] in resolver.tables_in(b) for b in bounds):
            use = reading.uses[found[0]]
            use.add(use.ranges, found[1])
            for bound, bound_op in zip(bounds, (">=", "<="), strict=False):
                _note_param(bound, found, bound_op, reading)


def _compare(this, other, op: str, resolver: _Resolver, reading: Reading) -> None:
    found = resolver.key(this)
    if not found or found[0] in resolver.tables_in(other):
        return  # not a column, or compared with its own table's columns (no index lookup)
    table, key = found
    use = reading.uses[table]
    value = const_value(other)
    if op == "=" and value is not NOT_CONST and not key.function and value is not None:
        use.constants.append(Constant(key.column, "equals", value))
    if op == "=":
        use.add(use.equal, key)
    elif op in RANGE_OPS:
        use.add(use.ranges, key)
    _note_param(other, found, op, reading)


def _note_param(expr, found: tuple[TableRef, Key], op: str, reading: Reading) -> None:
    expr = strip_casts(expr)
    if isinstance(expr, ast.FuncCall) and len(expr.args or ()) == 1:  # lower($1)
        expr = strip_casts(expr.args[0])
    if isinstance(expr, ast.ParamRef):
        reading.params.setdefault(expr.number, Param(expr.number, found[0], found[1].column, op))
