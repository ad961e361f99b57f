"""Read what a snapshot records from the monitored database (never resets anything)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lib.history.model import FLOAT_COUNTERS, RELATION_COUNTERS, RELATION_GAUGES, STATEMENT_COUNTERS, epoch


@dataclass
class Reading:
    database: dict  # history_database: gauges, counters, stats_reset, server_started
    pgss_reset: float | None = None
    pgss_dealloc: int | None = None
    statements: list[dict] = field(default_factory=list)
    relations: list[dict] = field(default_factory=list)
    has_pgss: bool = False


def read(db) -> Reading:
    row = db.one("history_database")
    reading = Reading(database={**row, "stats_reset": epoch(row["stats_reset"]),
                                "server_started": epoch(row["server_started"])})
    if db.capabilities.has_pgss:
        info = db.one("history_pgss_info")
        reading.has_pgss = True
        reading.pgss_reset, reading.pgss_dealloc = epoch(info["stats_reset"]), info["dealloc"]
        reading.statements = [statement(r) for r in db.rows("history_statements")]
    reading.relations = [relation(r) for r in db.rows("history_relations")]
    return reading


def statement(row: dict) -> dict:
    out = {"dbid": int(row["dbid"]), "userid": int(row["userid"]), "queryid": int(row["queryid"]),
           "toplevel": int(bool(row["toplevel"])), "role": row["role"], "stats_since": epoch(row["stats_since"])}
    out.update({c: float(row[c] or 0) if c in FLOAT_COUNTERS else int(row[c] or 0)
                for c in STATEMENT_COUNTERS})
    return out


def relation(row: dict) -> dict:
    out = {"kind": row["kind"], "relid": int(row["relid"]),
           "table_relid": int(row["table_relid"]) if row["table_relid"] is not None else None,
           "schema_name": row["schema_name"], "name": row["name"],
           "is_unique": int(bool(row["is_unique"])), "is_primary": int(bool(row["is_primary"]))}
    out.update({c: int(row[c] or 0) for c in (*RELATION_GAUGES, *RELATION_COUNTERS)})
    return out


def texts(db, queryids: list[int]) -> dict[int, str]:
    if not queryids:
        return {}
    return {int(r["queryid"]): r["query"] for r in db.rows("history_statement_texts", {"queryids": queryids})}
