"""A policy's expression read by PostgreSQL's parser (pglast): what it calls per row, and its rewrite.

PostgreSQL prints a policy's USING and WITH CHECK expressions with pg_get_expr; pglast parses that text
into a tree, so nothing here matches text:
- `per_row_calls`: auth.uid(), auth.jwt(), auth.role(), auth.email() and current_setting() called directly
  in the expression: PostgreSQL evaluates them for every row it filters. A call inside a sub-select
  (`(select auth.uid())`) is evaluated once per statement (an InitPlan) and does not count.
- `reads_user_metadata`: `auth.jwt() -> 'user_metadata'` (or the same read of request.jwt.claims):
  user_metadata is editable by the signed-in user, so it must never decide access.
- `always_true`: `true` or `1 = 1`.
- `compared_columns`: columns of the row compared with `=` to a value computed from the JWT
  (`user_id = auth.uid()`): an index on that column lets the filter use it.
- `rewrite`: the expression with each per-row call wrapped in a sub-select, as the largest piece around
  it that reads nothing of the row (`auth.jwt() ->> 'role' = 'admin'` becomes one sub-select).

An expression whose tree does not print back to the same tree is reported as such and never rewritten.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pglast import ast, enums, parse_sql
from pglast.parser import ParseError
from pglast.stream import RawStream

AUTH_SCHEMA = "auth"
AUTH_FUNCTIONS = ("uid", "jwt", "role", "email")
SETTING_FUNCTION = "current_setting"
CLAIMS_SETTINGS = ("request.jwt.claims", "request.jwt.claim")
JSON_READS = ("->", "->>", "#>", "#>>")
PREFIX = "SELECT 1 WHERE "


def deparse(node: ast.Node) -> str:
    """SQL text for a node, printed by pglast (names quoted where PostgreSQL needs it)."""
    return RawStream()(node)


@dataclass(frozen=True)
class Expression:
    text: str | None  # as pg_get_expr printed it; None when the policy has no such clause
    tree: ast.Node | None = None
    problem: str | None = None  # why it could not be read or printed back

    @property
    def readable(self) -> bool:
        return self.tree is not None


def parse_expression(text: str | None) -> Expression:
    """The expression's tree, or a problem saying why there is none (None text: no clause)."""
    if text is None:
        return Expression(None)
    try:
        statements = parse_sql(PREFIX + text)
    except ParseError as exc:
        return Expression(text, problem=f"pgpulse's SQL parser cannot read it ({exc})")
    stmt = statements[0].stmt if len(statements) == 1 else None
    if not isinstance(stmt, ast.SelectStmt) or stmt.whereClause is None or stmt.fromClause \
            or stmt.groupClause or stmt.havingClause or stmt.sortClause or len(stmt.targetList or ()) != 1:
        return Expression(text, problem="it is not a single expression")
    tree = stmt.whereClause
    printed = deparse(tree)
    try:
        again = parse_sql(PREFIX + printed)[0].stmt.whereClause
    except ParseError:
        again = None
    if again != tree:
        return Expression(text, problem="pgpulse's SQL printer does not print it back to the same expression")
    return Expression(text, tree)


def _children(node) -> Iterator[tuple[str, object]]:
    for name in node:
        value = getattr(node, name)
        if isinstance(value, ast.Node) or isinstance(value, tuple | list):
            yield name, value


def _walk(node, inside_select: bool = False) -> Iterator[tuple[ast.Node, bool]]:
    """Every node with whether it sits inside a sub-select."""
    if isinstance(node, tuple | list):
        for item in node:
            yield from _walk(item, inside_select)
        return
    if not isinstance(node, ast.Node):
        return
    yield node, inside_select
    below = inside_select or isinstance(node, ast.SubLink)
    for _, value in _children(node):
        yield from _walk(value, below)


def function_name(call: ast.FuncCall) -> tuple[str | None, str]:
    parts = [p.sval for p in call.funcname]
    return (parts[0] if len(parts) > 1 else None), parts[-1]


def is_session_call(node) -> bool:
    """auth.uid()/jwt()/role()/email(), or current_setting(...), as PostgreSQL printed them."""
    if not isinstance(node, ast.FuncCall):
        return False
    schema, name = function_name(node)
    if name in AUTH_FUNCTIONS and schema in (AUTH_SCHEMA, None) and not node.args:
        return True
    return name == SETTING_FUNCTION and schema in ("pg_catalog", None)


def call_text(call: ast.FuncCall) -> str:
    schema, name = function_name(call)
    return f"{schema}.{name}()" if schema else f"{name}()"


def per_row_calls(expr: Expression) -> list[str]:
    """The session calls evaluated once per row (not inside a sub-select), e.g. ['auth.uid()']."""
    if not expr.readable:
        return []
    return list(dict.fromkeys(call_text(n) for n, inside in _walk(expr.tree) if not inside and is_session_call(n)))


def _reads_claims(node) -> bool:
    """auth.jwt() or current_setting('request.jwt.claims'...) somewhere below `node`."""
    for n, _ in _walk(node):
        if isinstance(n, ast.FuncCall) and is_session_call(n):
            schema, name = function_name(n)
            if name == "jwt":
                return True
            if name == SETTING_FUNCTION and n.args and any(
                    isinstance(c, ast.A_Const) and isinstance(c.val, ast.String) and c.val.sval in CLAIMS_SETTINGS
                    for c, _ in _walk(n.args[0])):
                return True
    return False


def _mentions(node, word: str) -> bool:
    return any(isinstance(n, ast.String) and word in n.sval for n, _ in _walk(node))


def reads_user_metadata(expr: Expression) -> bool:
    """A JSON read of 'user_metadata' out of the JWT's claims."""
    if not expr.readable:
        return False
    for n, _ in _walk(expr.tree):
        if isinstance(n, ast.A_Expr) and n.kind == enums.A_Expr_Kind.AEXPR_OP and n.name \
                and n.name[-1].sval in JSON_READS and _mentions(n.rexpr, "user_metadata") and _reads_claims(n.lexpr):
            return True
    return False


def _strip(node):
    while isinstance(node, ast.TypeCast):
        node = node.arg
    return node


def _is_true(node) -> bool:
    node = _strip(node)
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.Boolean):
        return bool(node.val.boolval)
    if isinstance(node, ast.A_Expr) and node.kind == enums.A_Expr_Kind.AEXPR_OP and node.name \
            and node.name[-1].sval == "=":
        left, right = _strip(node.lexpr), _strip(node.rexpr)
        return isinstance(left, ast.A_Const) and left == right and not left.isnull
    return False


def always_true(expr: Expression) -> bool:
    """`true` or `1 = 1` (as PostgreSQL prints them, casts aside)."""
    return expr.readable and _is_true(expr.tree)


def _column(node) -> str | None:
    node = _strip(node)
    if isinstance(node, ast.ColumnRef) and node.fields and isinstance(node.fields[-1], ast.String):
        return node.fields[-1].sval
    return None


def compared_columns(expr: Expression) -> list[str]:
    """Columns of the row compared with `=` to the signed-in user's id or a JWT value."""
    if not expr.readable:
        return []
    found = []
    for n, inside in _walk(expr.tree):
        if inside or not isinstance(n, ast.A_Expr) or n.kind != enums.A_Expr_Kind.AEXPR_OP \
                or not n.name or n.name[-1].sval != "=":
            continue
        for column_side, value_side in ((n.lexpr, n.rexpr), (n.rexpr, n.lexpr)):
            column = _column(column_side)
            if column and not _has_columns(value_side) and \
                    any(isinstance(c, ast.FuncCall) and is_session_call(c) for c, _ in _walk(value_side)):
                found.append(column)
    return list(dict.fromkeys(found))


def _has_columns(node) -> bool:
    return any(isinstance(n, ast.ColumnRef) for n, _ in _walk(node))


# What may sit in a piece of expression that is wrapped in a sub-select: it must read nothing of the row
# and call nothing but the session functions (so it is evaluated once with the same result).
PURE = (ast.A_Const, ast.TypeCast, ast.TypeName, ast.String, ast.Integer, ast.Float, ast.Boolean,
        ast.A_Expr, ast.CoalesceExpr, ast.NullTest, ast.BoolExpr, ast.A_ArrayExpr, ast.ResTarget)


def _pure(node) -> bool:
    for n, _ in _walk(node):
        if isinstance(n, ast.FuncCall):
            if not is_session_call(n):
                return False
        elif not isinstance(n, PURE):
            return False
    return True


def _sub_select(node) -> ast.SubLink:
    select = ast.SelectStmt(targetList=(ast.ResTarget(val=node),), limitOption=enums.LimitOption.LIMIT_OPTION_DEFAULT,
                            op=enums.SetOperation.SETOP_NONE)
    return ast.SubLink(subLinkType=enums.SubLinkType.EXPR_SUBLINK, subselect=select)


def _wrap(node):
    """`node` with every per-row session call wrapped, as the largest pure piece containing it."""
    if isinstance(node, tuple | list):
        return type(node)(_wrap(item) for item in node)
    if not isinstance(node, ast.Node) or isinstance(node, ast.SubLink):
        return node  # a sub-select runs once already (or is correlated: left as written)
    if _pure(node) and any(isinstance(n, ast.FuncCall) and is_session_call(n) for n, _ in _walk(node)):
        return _sub_select(node)
    for name, value in _children(node):
        setattr(node, name, _wrap(value))
    return node


@dataclass(frozen=True)
class Rewrite:
    using: str | None  # the new USING text (None: the policy has none)
    check: str | None
    changed: bool
    problem: str | None = None  # why no rewrite is offered


def rewrite_text(expr: Expression) -> str | None:
    """The expression printed with its per-row session calls wrapped (the original text if none)."""
    if expr.text is None:
        return None
    if not per_row_calls(expr):
        return expr.text
    fresh = parse_sql(PREFIX + deparse(expr.tree))[0].stmt.whereClause  # a copy: the parsed tree stays as read
    return deparse(_wrap(fresh))


def rewrite(using: Expression, check: Expression) -> Rewrite:
    """Both clauses rewritten; refused when either cannot be read or printed back."""
    for label, expr in (("USING", using), ("WITH CHECK", check)):
        if expr.text is not None and not expr.readable:
            return Rewrite(None, None, False, f"its {label} expression cannot be rewritten: {expr.problem}")
    if not per_row_calls(using) and not per_row_calls(check):
        return Rewrite(using.text, check.text, False, "it calls no session function per row")
    new_using, new_check = rewrite_text(using), rewrite_text(check)
    for label, text in (("USING", new_using), ("WITH CHECK", new_check)):
        if text is not None and (not parse_expression(text).readable or per_row_calls(parse_expression(text))):
            return Rewrite(None, None, False, f"the rewritten {label} expression did not check out")
    return Rewrite(new_using, new_check, True)
