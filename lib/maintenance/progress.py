"""Progress of a running action, from pg_stat_progress_vacuum / _create_index / _analyze / _cluster
(VACUUM FULL).

REINDEX CONCURRENTLY reports through pg_stat_progress_create_index; DROP INDEX, REFRESH MATERIALIZED
VIEW and the backend actions report nothing (PostgreSQL offers no progress for them).
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.core.fmt import fmt_count


@dataclass(frozen=True)
class Progress:
    command: str
    phase: str
    blocks_total: int | None = None
    blocks_done: int | None = None
    tuples_total: int | None = None
    tuples_done: int | None = None

    @property
    def fraction(self) -> float | None:
        """Share of the current phase done: tuples while loading them into the index, else blocks."""
        if self.tuples_total and "tuples" in self.phase:
            return min(self.tuples_done / self.tuples_total, 1.0)
        if self.blocks_total:
            return min((self.blocks_done or 0) / self.blocks_total, 1.0)
        return None

    @property
    def text(self) -> str:
        detail = ""
        if self.tuples_total and "tuples" in self.phase:
            detail = f" · {fmt_count(self.tuples_done)} / {fmt_count(self.tuples_total)} tuples"
        elif self.blocks_total:
            detail = f" · {fmt_count(self.blocks_done)} / {fmt_count(self.blocks_total)} blocks"
        return f"{self.command}: {self.phase}{detail}"


def read(db, pid: int | None) -> Progress | None:
    """The backend's current progress, or None when it reports none (finished, or no progress view)."""
    if pid is None:
        return None
    rows = db.rows("maint_progress", {"pid": pid})
    if not rows:
        return None
    # VACUUM (ANALYZE) shows in the vacuum view, then in the analyze view: one row at a time.
    row = rows[0]
    return Progress(row["command"], row["phase"], row["blocks_total"], row["blocks_done"],
                    row["tuples_total"], row["tuples_done"])
