"""Which maintenance action (from the audit log) probably caused a statement's change.

An action counts when it succeeded, happened in the window, and touched a table the statement
reads: the table named in its SQL (CREATE INDEX ... ON t, VACUUM t), or the table of the index
it names (DROP INDEX i, REINDEX INDEX i), as history knows it.
"""

from __future__ import annotations

from functools import lru_cache

from pglast.visitors import referenced_relations

FAILED = {"failed", "refused", "error", "cancelled", "canceled"}


def bare(name: str) -> str:
    """'public.leads' / '"Public"."Leads"' -> the table's own name, for loose matching."""
    return name.rsplit(".", 1)[-1].strip('"').lower()


@lru_cache(maxsize=4096)
def tables_of_sql(text: str) -> frozenset[str]:
    try:
        return frozenset(bare(n) for n in referenced_relations(text))
    except Exception:  # noqa: BLE001 - a text pglast cannot parse simply names no table
        return frozenset()


def action_tables(action: dict, index_tables: dict[str, str]) -> set[str]:
    names = set(tables_of_sql(action.get("sql") or ""))
    if action.get("object"):
        names.add(bare(action["object"]))
    return {index_tables.get(n, n) for n in names}


def cause(query: str | None, actions: list[dict], index_tables: dict[str, str]) -> dict | None:
    """The latest successful action on a table of `query`, or None."""
    tables = tables_of_sql(query or "")
    if not tables:
        return None
    for action in sorted(actions, key=lambda a: a["at"], reverse=True):
        if (action.get("outcome") or "").lower() in FAILED:
            continue
        if action_tables(action, index_tables) & tables:
            return action
    return None


def index_tables(relations: dict[int, dict]) -> dict[str, str]:
    """index name -> its table's name, from history's relations (lib.history.read.all_relations)."""
    by_relid = {r["relid"]: r for r in relations.values()}
    out = {}
    for r in relations.values():
        table = by_relid.get(r["table_relid"]) if r["kind"] == "index" else None
        if table is not None:
            out[r["name"].lower()] = table["name"].lower()
    return out
