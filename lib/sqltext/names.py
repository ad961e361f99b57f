"""Names and constants read off pglast nodes, spelled the way PostgreSQL prints them.

The parser has already folded unquoted identifiers to lower case and kept quoted ones as
written, so `Clients` and `clients` are one table and `"Clients"` another. We print names with
pglast's quoting rule (as quote_ident would), which keeps `public."My.Table"` unambiguous.
"""

from __future__ import annotations

from typing import NamedTuple

from pglast import ast
from pglast.stream import RawStream, maybe_double_quote_name


class TableRef(NamedTuple):
    schema: str | None
    name: str

    @property
    def display(self) -> str:
        parts = [self.schema, self.name] if self.schema else [self.name]
        return ".".join(maybe_double_quote_name(p) for p in parts)

    def range_var(self) -> ast.RangeVar:
        """A RangeVar for building statements that pglast then prints with safe quoting."""
        return ast.RangeVar(schemaname=self.schema, relname=self.name, inh=True, relpersistence="p")


def quote(name: str) -> str:
    return maybe_double_quote_name(name)


def table_of(rv: ast.RangeVar) -> TableRef:
    return TableRef(rv.schemaname, rv.relname)


def func_name(call: ast.FuncCall) -> tuple[str | None, str]:
    """(schema or None, function name) of a call; `pg_catalog.nextval` -> ('pg_catalog', 'nextval')."""
    parts = [p.sval for p in call.funcname if isinstance(p, ast.String)]
    if not parts:
        return None, ""
    return (parts[-2] if len(parts) > 1 else None), parts[-1]


def func_display(call: ast.FuncCall) -> str:
    schema, name = func_name(call)
    return ".".join(quote(p) for p in (schema, name) if p)


def column_fields(ref: ast.ColumnRef) -> tuple[str, ...] | None:
    """('c', 'email') for c.email; None for `*` or `t.*`."""
    out = []
    for f in ref.fields:
        if not isinstance(f, ast.String):
            return None
        out.append(f.sval)
    return tuple(out)


def const_value(node: ast.Node | None) -> object:
    """The Python value of a literal (through casts such as '1'::int), else the NOT_CONST marker."""
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if not isinstance(node, ast.A_Const):
        return NOT_CONST
    if node.isnull:
        return None
    val = node.val
    for attr in ("ival", "fval", "boolval", "sval", "bsval"):
        if hasattr(val, attr):
            v = getattr(val, attr)
            return float(v) if attr == "fval" else v
    return NOT_CONST


class _NotConst:
    def __repr__(self) -> str:
        return "NOT_CONST"


NOT_CONST = _NotConst()


def strip_casts(node: ast.Node | None) -> ast.Node | None:
    while isinstance(node, ast.TypeCast):
        node = node.arg
    return node


def is_param(node: ast.Node | None) -> bool:
    """A `$n` placeholder, possibly cast (`$1::uuid`)."""
    return isinstance(strip_casts(node), ast.ParamRef)


def deparse(node: ast.Node) -> str:
    """SQL text for a node, printed by pglast (names quoted where PostgreSQL needs it)."""
    return RawStream()(node)
