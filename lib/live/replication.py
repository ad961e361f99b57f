"""Replication as pgHero shows it: each standby's lag (pg_stat_replication) and each replication slot with
the WAL it keeps on disk (pg_replication_slots). An inactive slot keeps WAL until the disk fills."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Replication:
    standbys: pd.DataFrame  # queries/replication_standbys.sql
    slots: pd.DataFrame  # queries/replication_slots*.sql

    @property
    def inactive_slots(self) -> pd.DataFrame:
        return self.slots[~self.slots["active"].astype(bool) & ~self.slots["temporary"].astype(bool)]

    @property
    def retained_bytes(self) -> int:
        """WAL kept on disk by every slot (the furthest behind decides what cannot be recycled)."""
        values = self.slots["retained_bytes"].dropna()
        return int(values.max()) if len(values) else 0


def collect(db) -> Replication:
    return Replication(db.frame("replication_standbys"), db.frame("replication_slots"))
