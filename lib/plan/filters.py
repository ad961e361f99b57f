"""Which columns a node's Filter tests, read with PostgreSQL's own parser (pglast).

EXPLAIN prints a Filter as an SQL expression; parsing `SELECT 1 WHERE <filter>` gives its
tree, from which we keep the columns compared with a constant (what an index could serve)
and the function calls wrapped around a column (what only an expression index serves).
The tree is read as pglast's JSON, several times faster than its Python objects.
"""

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from pglast.parser import ParseError, parse_sql_json

from lib.plan.parens import scan

MAX_INDEX_COLUMNS = 3  # a wider suggestion is rarely the right first index
PREFIX = "SELECT 1 WHERE "
EQUALITY_KINDS = {("AEXPR_OP", "="), ("AEXPR_OP_ANY", "="), ("AEXPR_IN", "=")}
RANGE_OPS = {"<", ">", "<=", ">=", "~~"}  # ~~ is LIKE: a btree serves 'prefix%' patterns
# EXPLAIN's references to other plans are not SQL: turn them into a placeholder constant
PLAN_REF_RE = re.compile(r"\((?:alternatives: [^)]*|(?:hashed )?(?:InitPlan|SubPlan) [^)]*)\)(?:\.col\d+)?")
IDENT_RE = re.compile(r"^[a-z_][a-z0-9_$]*$")
NAME = r'(?:"(?:[^"]|"")*"|[\w$]+)'
COLUMN_REF_RE = re.compile(rf"{NAME}(?:\s*\.\s*{NAME})*")


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


def quote_ident(name: str) -> str:
    return name if IDENT_RE.match(name) else '"' + name.replace('"', '""') + '"'


@lru_cache(maxsize=4096)
def filter_terms(text: str) -> FilterTerms | None:
    """The indexable parts of a Filter, or None when it cannot be parsed."""
    sql = PREFIX + PLAN_REF_RE.sub("NULL", text)
    try:
        where = json.loads(parse_sql_json(sql))["stmts"][0]["stmt"]["SelectStmt"]["whereClause"]
    except (ParseError, KeyError, IndexError):
        return None
    terms = FilterTerms()
    _walk(where, terms, sql)
    return terms


def _kind(node) -> tuple[str, dict]:
    (kind, body), = node.items()  # fmt: skip
    return kind, body


def _walk(node: dict, terms: FilterTerms, sql: str) -> None:
    kind, body = _kind(node)
    if kind == "BoolExpr":
        if body["boolop"] != "NOT_EXPR":  # NOT x is rarely indexable
            for arg in body["args"]:
                _walk(arg, terms, sql)
    elif kind == "A_Expr":
        _comparison(body, terms, sql)
    elif kind == "NullTest" and body.get("nulltesttype") == "IS_NULL":
        _add(terms, body["arg"], terms.equality, sql)
    elif kind in ("ColumnRef", "TypeCast"):  # WHERE active
        _add(terms, node, terms.equality, sql)


def _comparison(body: dict, terms: FilterTerms, sql: str) -> None:
    op = _kind(body["name"][-1])[1].get("sval", "") if body.get("name") else ""
    kind = body.get("kind")
    if kind == "AEXPR_BETWEEN" or (kind in ("AEXPR_OP", "AEXPR_LIKE") and op in RANGE_OPS):
        bucket = terms.ranges
    elif (kind, op) in EQUALITY_KINDS:
        bucket = terms.equality
    else:
        return
    left, right = body.get("lexpr"), body.get("rexpr")
    for mine, other in ((left, right), (right, left)):
        if mine is not None and other is not None and _outer_only(other, mine):
            _add(terms, mine, bucket, sql)
            return


def _qualifier(ref: dict) -> str | None:
    fields = _kind(ref)[1]["fields"]
    return _kind(fields[-2])[1].get("sval") if len(fields) >= 2 else None


def _outer_only(other: dict, mine: dict) -> bool:
    """`other` is a constant for this scan: no columns, or only another table's (`c.id` in a SubPlan's or a
    Nested Loop inner side's Filter, a value per loop: an index on `mine` serves it like a constant)."""
    refs = _column_refs(other)
    if not refs:
        return True
    own = {_qualifier(r) for r in _column_refs(mine)}
    return all(_qualifier(r) is not None and _qualifier(r) not in own for r in refs)


def _add(terms: FilterTerms, node: dict, bucket: list[str], sql: str) -> None:
    column = _column(node)
    if column is not None:
        if column not in bucket:
            bucket.append(column)
        return
    text = _expression(node, sql)
    if text is not None and text not in terms.expressions:
        terms.expressions.append(text)


def _strip_casts(node: dict) -> tuple[str, dict]:
    kind, body = _kind(node)
    while kind == "TypeCast":
        kind, body = _kind(body["arg"])
    return kind, body


def _column(node: dict) -> str | None:
    kind, body = _strip_casts(node)
    if kind == "ColumnRef":
        last_kind, last = _kind(body["fields"][-1])
        return last["sval"] if last_kind == "String" else None
    return None


def _expression(node: dict, sql: str) -> str | None:
    """'lower(t.email)' -> 'lower(email)': a function over exactly one column, as written."""
    kind, body = _strip_casts(node)
    if kind != "FuncCall" or "location" not in body:
        return None
    refs = _column_refs(node)
    names = {_column(r) for r in refs}
    if len(names) != 1 or None in names:
        return None
    start = body["location"]
    end = _call_end(sql, start)
    if end is None:
        return None
    text = sql[start:end]
    # drop the table alias: an index expression names the bare column
    for ref in sorted(refs, key=lambda r: -_kind(r)[1].get("location", 0)):
        loc = _kind(ref)[1].get("location", 0) - start
        m = COLUMN_REF_RE.match(text, loc)
        if m:
            text = text[:loc] + quote_ident(_column(ref)) + text[m.end() :]
    return text


def _call_end(sql: str, start: int) -> int | None:
    """Index just past the ")" closing the call that starts at `start`."""
    opening = sql.index("(", start)
    end = scan(sql[opening:], stop_at_zero=True)[2]
    return None if end is None else opening + end


def _column_refs(node) -> list[dict]:
    found, stack = [], [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            if "ColumnRef" in cur:
                found.append(cur)
            else:
                stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)
    return found
