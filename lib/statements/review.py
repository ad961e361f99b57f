"""What the pages show beside the numbers: targets and N+1 from one read of the busiest statements."""

from __future__ import annotations

from dataclasses import dataclass

from lib.statements import explorer, nplus1, table_keys, targets


@dataclass(frozen=True)
class Review:
    compliance: targets.Compliance
    n_plus_one: list[nplus1.NPlusOne]

    def n_plus_one_of(self, queryid: int) -> list[nplus1.NPlusOne]:
        return [n for n in self.n_plus_one if queryid in n.lookup.queryids]


def review(db) -> Review:
    busy = explorer.busiest(db)
    known = table_keys.for_statements(db, busy)
    return Review(targets.assess(busy, known, db.thresholds), nplus1.detect(busy, known, db.thresholds))
