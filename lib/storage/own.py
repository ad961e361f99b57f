"""pgpulse's own objects in a monitored database: its store's tables when `[pgpulse] store_url` points at
that database (found by the store's migrations table, so a store another pgpulse keeps there counts too),
and the demo's pgpulse_demo schema. They are never findings: run_checks drops findings about them."""

from __future__ import annotations

from dataclasses import dataclass

from lib.core import store
from lib.core.findings import Finding


@dataclass(frozen=True)
class OwnObjects:
    names: frozenset[str]  # display names (schema.name, quoted as the checks quote them)

    def about(self, finding: Finding) -> bool:
        """The finding names one of them: as its object, its table, or the table of its column."""
        if not self.names:
            return False
        named = [finding.object, finding.evidence.get("table"), finding.evidence.get("column")]
        for name in (n for n in named if isinstance(n, str) and n):
            if name in self.names or name.rsplit(".", 1)[0] in self.names:
                return True
        return False


def collect(db) -> OwnObjects:
    return OwnObjects(frozenset(r["display"] for r in db.rows("pgpulse_own_relations",
                                                               {"names": store.table_names()})))
