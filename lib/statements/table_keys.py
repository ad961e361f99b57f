"""What the catalog says about the tables statements read: key columns, foreign keys, kind, size.

The query classifier and the N+1 detector name tables the way a query spells them (`clients`,
`public.clients`, `"Sales Data"`): `Catalog.find` resolves such a name like PostgreSQL would for
this role's search path, and otherwise accepts a bare name only when one schema has it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from lib.sqltext.classify import relation_refs
from lib.sqltext.names import TableRef, quote


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    ref_table: str  # schema-qualified display name of the referenced table
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Relation:
    schema: str
    name: str
    kind: str  # pg_class.relkind: r table, p partitioned, m materialized view, v view, f foreign
    estimated_rows: int | None  # live rows from the statistics (or the planner's estimate); None if unknown
    visible: bool  # on this role's search path
    keys: tuple[frozenset[str], ...]  # primary key, unique constraints, unique indexes
    foreign_keys: tuple[ForeignKey, ...]

    @property
    def display(self) -> str:
        return f"{quote(self.schema)}.{quote(self.name)}"

    def is_key(self, column: str) -> bool:
        """One column that is by itself a primary or unique key: equality on it finds one row."""
        return frozenset([column]) in self.keys

    def foreign_key_on(self, column: str) -> ForeignKey | None:
        """The foreign key made of exactly this column, if any."""
        return next((fk for fk in self.foreign_keys if fk.columns == (column,)), None)


class Catalog:
    def __init__(self, relations: list[Relation]):
        self.relations = relations
        self._qualified = {r.display: r for r in relations}
        self._bare: dict[str, list[Relation]] = {}
        for r in relations:
            self._bare.setdefault(quote(r.name), []).append(r)

    def find(self, display: str | None) -> Relation | None:
        """The relation a query means by `display` (TableRef.display spelling)."""
        if display is None:
            return None
        if display in self._qualified:
            return self._qualified[display]
        candidates = self._bare.get(display, [])
        visible = [r for r in candidates if r.visible]
        if len(visible) == 1:
            return visible[0]
        return candidates[0] if len(candidates) == 1 else None

    def keys(self, display: str) -> list[frozenset[str]] | None:
        """For lib.sqltext.classify's `keys=`: a table's key column sets (None when unknown)."""
        found = self.find(display)
        return list(found.keys) if found else None

    def referencing(self, relation: Relation) -> list[tuple[Relation, ForeignKey]]:
        """Tables with a foreign key to `relation`."""
        return [(r, fk) for r in self.relations for fk in r.foreign_keys if fk.ref_table == relation.display]


def from_rows(rows: list[dict]) -> Catalog:
    relations = []
    for row in rows:
        fks = tuple(ForeignKey(tuple(fk["columns"] or ()), f"{quote(fk['ref_schema'])}.{quote(fk['ref_table'])}",
                               tuple(fk["ref_columns"] or ())) for fk in row["foreign_keys"] or ())
        relations.append(Relation(
            schema=row["schema"], name=row["name"], kind=row["kind"], estimated_rows=row["estimated_rows"],
            visible=bool(row["visible"]), keys=tuple(frozenset(k) for k in row["keys"] or () if k),
            foreign_keys=fks,
        ))
    return Catalog(relations)


def collect(db, refs: Iterable[TableRef] | None = None) -> Catalog:
    """Every table, or only what `find` needs to resolve `refs` as the whole catalog would: a qualified
    name's table; for a bare name the table the search path finds, or when none is on it every table
    of that name (find then answers only if there is one)."""
    bare = qualified = None
    if refs is not None:
        refs = sorted(set(refs), key=lambda r: (r.schema or "", r.name))
        bare = [r.name for r in refs if r.schema is None]
        qualified = [r for r in refs if r.schema is not None]
    return from_rows(db.rows("table_catalog", {
        "names": bare, "qualified_schemas": None if qualified is None else [r.schema for r in qualified],
        "qualified_names": None if qualified is None else [r.name for r in qualified]}))


def for_statements(db, busy) -> Catalog:
    """The catalog of the tables these statements name: all that classifying them or pairing them
    (N+1) can look up, since a pair's tables are named by its own statements."""
    return collect(db, set().union(*(_refs_in(s.query) for s in busy if s.query)))


@lru_cache(maxsize=4096)
def _refs_in(text: str) -> frozenset[TableRef]:
    return frozenset(relation_refs(text))
