"""Index candidates from what statements ask of a table, and whether an existing index already serves one.

A candidate's keys follow the guide: equality columns first (the most selective first), then IN
lists, then one range column, then the sort columns when nothing before breaks the order; a soft
delete (`deleted_at IS NULL`) or a status value compared with a constant becomes the index's WHERE
(a partial index); columns the statement also reads can ride along as INCLUDE so an index-only
scan becomes possible. SQL is composed with psycopg.sql: hostile names are quoted exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import parse_sql
from pglast.parser import ParseError
from psycopg import sql

from lib.actions import builders
from lib.advisor.predicates import Constant, Key, Use, read
from lib.core.findings import Action
from lib.core.sqlcompose import qualified, render
from lib.sqltext.names import quote
from lib.storage.indexes import SOFT_DELETE_COLUMNS

DEFAULT_EQ_SEL = 0.005  # PostgreSQL's guess for an equality it has no statistics for
DEFAULT_RANGE_SEL = 1 / 3  # and for an inequality
MAX_INCLUDE = 3  # more columns than this would make the index nearly a copy of the table
PREDICATE_SQL = {"is_null": sql.SQL("{} IS NULL"), "is_not_null": sql.SQL("{} IS NOT NULL"),
                 "is_true": sql.SQL("{}"), "is_false": sql.SQL("NOT {}")}


@dataclass
class Column:
    name: str
    type: str
    avg_width: int | None
    null_frac: float | None
    n_distinct: float | None
    mcv: list[str] | None
    mcf: list[float] | None
    histogram: list[str] | None


@dataclass(frozen=True)
class Existing:
    name: str
    method: str
    valid: bool
    keys: tuple[Key | None, ...]  # None for a key that is neither a column nor lower/upper(column)
    include: tuple[str, ...]
    predicate: Constant | None
    partial: bool  # has a predicate (perhaps one pgpulse does not read: then it serves nothing)


@dataclass
class Table:
    oid: int
    schema: str
    name: str
    kind: str
    reltuples: float
    relpages: int
    writes_per_day: float
    columns: dict[str, Column]
    indexes: list[Existing]

    @property
    def display(self) -> str:
        return f"{quote(self.schema)}.{quote(self.name)}"

    def selectivity(self, key: Key) -> float:
        col = self.columns.get(key.column)
        if col is None or col.n_distinct is None or col.n_distinct == 0:
            return DEFAULT_EQ_SEL
        distinct = col.n_distinct if col.n_distinct > 0 else -col.n_distinct * max(self.reltuples, 1)
        return min(1.0, 1 / max(distinct, 1))

    def distinct(self, column: str) -> float | None:
        col = self.columns.get(column)
        if col is None or col.n_distinct is None:
            return None
        return col.n_distinct if col.n_distinct > 0 else -col.n_distinct * max(self.reltuples, 1)


def table_from_row(row: dict) -> Table:
    columns = {c["name"]: Column(c["name"], c["type"], c.get("avg_width"), c.get("null_frac"), c.get("n_distinct"),
                                 c.get("mcv"), c.get("mcf"), c.get("histogram")) for c in row["columns"] or ()}
    indexes = []
    for ix in row["indexes"] or ():
        predicate = _read_predicate(ix["predicate"]) if ix["predicate"] else None
        indexes.append(Existing(ix["name"], ix["method"], bool(ix["valid"]),
                                tuple(_read_key(k) for k in ix["keys"] or ()), tuple(ix["include"] or ()),
                                predicate, bool(ix["predicate"])))
    return Table(int(row["oid"]), row["schema"], row["name"], row["kind"], float(row["reltuples"] or 0),
                 int(row["relpages"] or 0), float(row["writes_per_day"] or 0), columns, indexes)


def _read_key(text: str) -> Key | None:
    """A key as pg_get_indexdef prints it (`email`, `lower(email)`, `"Odd Col"`), read by the parser."""
    reading = read(f"SELECT 1 FROM t WHERE {text} = $1")
    use = next(iter(reading.uses.values()), None)
    return use.equal[0] if use and len(use.equal) == 1 else None


def _read_predicate(text: str) -> Constant | None:
    try:
        parse_sql(f"SELECT 1 FROM t WHERE {text}")
    except ParseError:
        return None
    use = next(iter(read(f"SELECT 1 FROM t WHERE {text}").uses.values()), None)
    return use.constants[0] if use and len(use.constants) == 1 and not use.equal[1:] else None


@dataclass(frozen=True)
class Candidate:
    schema: str
    table: str
    keys: tuple[Key, ...]
    equal_count: int  # leading keys compared for equality (their order does not matter for serving)
    include: tuple[str, ...] = ()
    where: Constant | None = None

    @property
    def display_table(self) -> str:
        return f"{quote(self.schema)}.{quote(self.table)}"

    @property
    def columns(self) -> list[str]:
        return [k.label for k in self.keys]

    def name(self, taken: set[str] = frozenset()) -> str:
        parts = [f"{k.function}_{k.column}" if k.function else k.column for k in self.keys]
        if self.where is not None:
            parts.append("live" if self.where.kind == "is_null" else self.where.column)
        base = builders.index_name(self.table, parts)
        name, n = base, 1
        while name in taken:
            n += 1
            name = builders.index_name(self.table, [*parts, str(n)])
        return name

    def key_sql(self) -> list[sql.Composable]:
        out: list[sql.Composable] = []
        for k in self.keys:
            if k.function:  # only names from INDEXABLE_FUNCTIONS reach here: a fixed word
                out.append(sql.SQL("{}({})").format(sql.SQL(k.function), sql.Identifier(k.column)))
            else:
                out.append(sql.Identifier(k.column))
        return out

    def where_sql(self) -> sql.Composable | None:
        w = self.where
        if w is None:
            return None
        if w.kind == "equals":
            return sql.SQL("{} = {}").format(sql.Identifier(w.column), sql.Literal(w.value))
        return PREDICATE_SQL[w.kind].format(sql.Identifier(w.column))

    def hypothetical_sql(self) -> str:
        """The definition hypopg takes: no name, no CONCURRENTLY."""
        statement = sql.SQL("CREATE INDEX ON {} ({})").format(
            qualified(self.schema, self.table), sql.SQL(", ").join(self.key_sql()))
        return render(statement + _tail(self))

    def action(self, taken: set[str] = frozenset()) -> Action:
        return builders.create_index_with(self.schema, self.table, self.name(taken), self.key_sql(),
                                          self.include, self.where_sql())


def _tail(c: Candidate) -> sql.Composable:
    tail = sql.SQL("")
    if c.include:
        tail += sql.SQL(" INCLUDE ({})").format(sql.SQL(", ").join(map(sql.Identifier, c.include)))
    where = c.where_sql()
    if where is not None:
        tail += sql.SQL(" WHERE {}").format(where)
    return tail


def partial_predicate(use: Use, table: Table, status_max_distinct: int) -> Constant | None:
    """The constant predicate the guide would put in the index's WHERE: a soft delete, or a status value."""
    for c in use.constants:
        if c.kind == "is_null" and c.column in SOFT_DELETE_COLUMNS:
            return c
    for c in use.constants:
        distinct = table.distinct(c.column)
        if c.kind == "equals" and isinstance(c.value, str) and distinct is not None and distinct <= status_max_distinct:
            return c
    return None


def candidates_for(use: Use, table: Table, status_max_distinct: int = 20) -> list[Candidate]:
    """The index candidates for one statement's use of one (plain) table, best guess first."""
    where = partial_predicate(use, table, status_max_distinct)
    present = set(table.columns)
    equal = [k for k in use.equal if k.column in present and not (where and k.column == where.column)]
    equal.sort(key=lambda k: table.selectivity(k))
    in_list = [k for k in use.in_list if k.column in present and k not in equal]
    ranges = [k for k in use.ranges if k.column in present and k not in equal and k not in in_list]
    keys = [*equal, *in_list, *ranges[:1]]
    if not in_list and not ranges and (keys or use.limited):  # a sort alone helps only with a LIMIT
        keys += [k for k in use.sort if k.column in present and k not in keys]
    if not keys:
        return []
    main = Candidate(table.schema, table.name, tuple(keys), len(equal) + len(in_list), (), where)
    out = [main]
    if not use.star and not any(k.function for k in keys):  # an expression has no statistics until the
        # index exists: the planner's guess of its rows would overstate what INCLUDE saves
        key_columns = {k.column for k in keys if not k.function}
        rest = sorted(c for c in use.columns if c in present and c not in key_columns
                      and not (where and c == where.column))
        if 0 < len(rest) <= MAX_INCLUDE:
            out.append(Candidate(table.schema, table.name, tuple(keys), main.equal_count, tuple(rest), where))
    if equal and (in_list or ranges or use.sort) and len(keys) > len(equal):
        out.append(Candidate(table.schema, table.name, tuple(equal), len(equal), (), where))
    return out


def served_by(candidate: Candidate, table: Table) -> Existing | None:
    """An existing valid btree index that does what the candidate would: the same leading columns (its
    equality columns in any order), the candidate's keys as its prefix, and no predicate or the same one.
    Duplicates and prefixes of existing indexes are never recommended, INCLUDE columns or not."""
    n = len(candidate.keys)
    for ix in table.indexes:
        if not ix.valid or ix.method != "btree" or len(ix.keys) < n:
            continue
        if ix.partial and ix.predicate != candidate.where:
            continue
        eq = candidate.equal_count
        if set(ix.keys[:eq]) != set(candidate.keys[:eq]) or tuple(ix.keys[eq:n]) != candidate.keys[eq:]:
            continue
        return ix  # its INCLUDE columns are no reason for a second index on the same keys
    return None
