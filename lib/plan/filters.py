"""Which columns a node's Filter tests, read with PostgreSQL's own parser (pglast).

EXPLAIN prints a Filter as an SQL expression; parsing `SELECT 1 WHERE <filter>` gives its
tree, from which we keep the columns compared with a constant (what an index could serve)
and the function calls wrapped around a column (what only an expression index serves).
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pglast import ast, enums, parse_sql
from pglast.parser import ParseError
from pglast.stream import RawStream

MAX_INDEX_COLUMNS = 3  # a wider suggestion is rarely the right first index
EQUALITY_OPS = {"="}
RANGE_OPS = {"<", ">", "<=", ">=", "~~"}  # ~~ is LIKE: a btree serves 'prefix%' patterns
# EXPLAIN's references to other plans are not SQL: turn them into a placeholder constant
PLAN_REF_RE = re.compile(r"\((?:alternatives: [^)]*|(?:hashed )?(?:InitPlan|SubPlan) [^)]*)\)(?:\.col\d+)?")
IDENT_RE = re.compile(r"^[a-z_][a-z0-9_$]*$")
# the deparser writes casts as CAST(x AS t); EXPLAIN and people write x::t
CAST_RE = re.compile(r"CAST\(('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[\w.$]+) AS ([\w .\"]+?(?:\[\])?)\)")


@dataclass(frozen=True)
class FilterTerms:
    equality: list[str] = field(default_factory=list)  # column = constant, IN, IS NULL
    ranges: list[str] = field(default_factory=list)  # <, >, BETWEEN, LIKE
    expressions: list[str] = field(default_factory=list)  # lower(email) = constant

    @property
    def index_columns(self) -> list[str]:
        """Equality columns first, then ranges: the order a btree uses them best."""
        out: list[str] = []
        for col in self.equality + self.ranges:
            if col not in out:
                out.append(col)
        return out[:MAX_INDEX_COLUMNS]


@lru_cache(maxsize=4096)
def filter_terms(text: str) -> FilterTerms | None:
    """The indexable parts of a Filter, or None when it cannot be parsed."""
    sql = "SELECT 1 WHERE " + PLAN_REF_RE.sub("NULL", text)
    try:
        where = parse_sql(sql)[0].stmt.whereClause
    except (ParseError, IndexError, AttributeError):
        return None
    terms = FilterTerms()
    _walk(where, terms)
    return terms


def _walk(node, terms: FilterTerms) -> None:
    if isinstance(node, ast.BoolExpr):
        if node.boolop != enums.BoolExprType.NOT_EXPR:  # NOT x is rarely indexable
            for arg in node.args:
                _walk(arg, terms)
    elif isinstance(node, ast.A_Expr):
        _comparison(node, terms)
    elif isinstance(node, ast.NullTest) and node.nulltesttype == enums.NullTestType.IS_NULL:
        _add(terms, _column(node.arg), node.arg, terms.equality)
    elif isinstance(node, ast.ColumnRef | ast.TypeCast):  # WHERE active
        _add(terms, _column(node), node, terms.equality)


def _comparison(node: ast.A_Expr, terms: FilterTerms) -> None:
    op = node.name[-1].sval if node.name else ""
    kind = node.kind
    if kind == enums.A_Expr_Kind.AEXPR_BETWEEN:
        bucket = terms.ranges
    elif kind in (enums.A_Expr_Kind.AEXPR_OP_ANY, enums.A_Expr_Kind.AEXPR_IN) and op == "=":
        bucket = terms.equality
    elif kind == enums.A_Expr_Kind.AEXPR_OP and op in EQUALITY_OPS:
        bucket = terms.equality
    elif kind in (enums.A_Expr_Kind.AEXPR_OP, enums.A_Expr_Kind.AEXPR_LIKE) and op in RANGE_OPS:
        bucket = terms.ranges
    else:
        return
    sides = [node.lexpr, node.rexpr]
    for mine, other in (sides, sides[::-1]):
        if _is_constant(other):
            _add(terms, _column(mine), mine, bucket)
            return


def _add(terms: FilterTerms, column: str | None, expr, bucket: list[str]) -> None:
    if column is not None:
        if column not in bucket:
            bucket.append(column)
        return
    text = _expression(expr)
    if text is not None and text not in terms.expressions:
        terms.expressions.append(text)


def _column(node) -> str | None:
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if isinstance(node, ast.ColumnRef) and isinstance(node.fields[-1], ast.String):
        return node.fields[-1].sval
    return None


def _expression(node) -> str | None:
    """'lower(t.email)' -> 'lower(email)': a function over exactly one column."""
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if not isinstance(node, ast.FuncCall):
        return None
    refs = _column_refs(node)
    if len({_column(r) for r in refs}) != 1:
        return None
    text = RawStream()(node)
    for ref in refs:
        qualified = RawStream()(ref)
        text = text.replace(qualified, quote_ident(_column(ref)))
    return CAST_RE.sub(r"\1::\2", text)


def _column_refs(node) -> list[ast.ColumnRef]:
    found: list[ast.ColumnRef] = []
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, ast.ColumnRef):
            found.append(cur)
        elif isinstance(cur, ast.Node):
            stack.extend(v for v in (getattr(cur, a) for a in cur if a) if v is not None)
        elif isinstance(cur, tuple | list):
            stack.extend(cur)
    return found


def _is_constant(node) -> bool:
    """No column inside: a literal, a parameter, an array of those, now()..."""
    if node is None:
        return False
    if isinstance(node, tuple | list):
        return all(_is_constant(n) for n in node)
    return not _column_refs(node)


def quote_ident(name: str) -> str:
    return name if IDENT_RE.match(name) else '"' + name.replace('"', '""') + '"'
