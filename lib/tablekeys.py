"""What the catalog says about the tables statements read: key columns, foreign keys, kind, size.

The query classifier and the N+1 detector name tables the way a query spells them (`clients`,
`public.clients`, `"Sales Data"`): `Catalog.find` resolves such a name like PostgreSQL would for
this role's search path, and otherwise accepts a bare name only when one schema has it.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.sqltext.names import quote


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


def collect(db) -> Catalog:
    return from_rows(db.rows("table_catalog"))
