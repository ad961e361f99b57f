"""The guide's connection-pooling advice, from live numbers and what PostgreSQL cannot see (cores, disks).

Pool size = cores × 2 + effective spindles: more connections than that only queue inside the
server. Idle connections cost memory and slots; a transaction pooler (Supabase's port 6543,
PgBouncer) lets many clients share a few server connections.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PoolingAdvice:
    cores: int | None  # None: not entered
    spindles: int
    pooler: bool
    clients: int
    active: int
    idle: int
    idle_in_transaction: int
    usable: int

    @property
    def recommended_pool(self) -> int | None:
        return self.cores * 2 + self.spindles if self.cores else None

    @property
    def idle_ratio(self) -> float:
        return self.idle / self.clients if self.clients else 0.0

    def idle_dominates(self, ratio: float, minimum: int) -> bool:
        return self.idle >= minimum and self.idle_ratio > ratio

    def lines(self, ratio: float, minimum: int) -> list[str]:
        """The advice, in sentences, most useful first."""
        out = []
        pool = self.recommended_pool
        if pool is None:
            out.append("Enter the server's CPU cores (or set `cpu_cores` in [pgpulse.thresholds]) to get "
                       "the recommended pool size: cores × 2 + spindles.")
        else:
            out.append(f"Recommended pool size: {self.cores} cores × 2 + {self.spindles} spindle(s) = "
                       f"**{pool}** server connections doing work at once.")
            if self.active > pool:
                out.append(f"{self.active} sessions are active now, more than {pool}: they compete for CPU and "
                           "disk; a pool of that size would queue them instead, at lower latency.")
        if self.pooler:
            out.append("This connection goes through a transaction pooler: clients share server connections "
                       "(prepared statements are off for pgpulse).")
        else:
            out.append("This connection is direct, not through a transaction pooler. Applications with many "
                       "short requests (serverless, web workers) should use one: Supabase's port 6543, or "
                       "PgBouncer in transaction mode.")
        if self.idle_dominates(ratio, minimum):
            out.append(f"{self.idle} of {self.clients} client connections are idle ({self.idle_ratio:.0%}): "
                       "the applications hold connections they do not use. Lower their pool sizes, release "
                       "connections after each request, or put a transaction pooler in front.")
        if self.idle_in_transaction:
            out.append(f"{self.idle_in_transaction} session(s) are idle inside a transaction: they hold locks and "
                       "a connection while doing nothing. Commit or roll back promptly; set "
                       "idle_in_transaction_session_timeout.")
        return out


def advise(snapshot, pooler: bool, cores: int | None, spindles: int) -> PoolingAdvice:
    clients = snapshot.clients
    states = clients["state"].fillna("")
    return PoolingAdvice(
        cores=cores or None, spindles=max(int(spindles), 0), pooler=pooler, clients=len(clients),
        active=int((states == "active").sum()), idle=int((states == "idle").sum()),
        idle_in_transaction=int(states.str.startswith("idle in transaction").sum()),
        usable=snapshot.limits.usable,
    )
