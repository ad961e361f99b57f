"""Replication checks: inactive slots (they keep WAL until the disk fills) and standbys that lag behind.
The drop of a slot is built by lib.actions.builders; the maintenance runner runs it once its name is typed."""

from __future__ import annotations

from lib.actions import builders
from lib.core.findings import CheckContext, Finding, Severity, check
from lib.core.fmt import fmt_bytes, fmt_ms
from lib.core.rows import records, stamp
from lib.live import replication


def state(ctx: CheckContext) -> replication.Replication:
    return ctx.memo("replication", lambda: replication.collect(ctx.db))


@check("replication.inactive_slot", "Replication slots nobody reads", "replication")
def inactive_slots(ctx: CheckContext) -> list[Finding]:
    critical_bytes = int(ctx.thresholds.inactive_slot_critical_mb * 1024 * 1024)

    def build(r: dict) -> Finding:
        kept = int(r["retained_bytes"] or 0)
        lost = r["wal_status"] == "lost" or bool(r.get("invalidation_reason"))
        severity = Severity.CRITICAL if kept >= critical_bytes and not lost else Severity.WARNING
        what = f"{r['slot_type']} slot" + (f" ({r['plugin']}, database {r['database']})" if r["plugin"] else "")
        if lost:
            title = f"Replication slot {r['slot_name']} is invalidated ({r.get('invalidation_reason') or 'lost'})"
            words = ("PostgreSQL removed WAL this slot still needed: its consumer can never resume from it. Drop it, "
                     "and rebuild the standby or subscription that used it.")
        else:
            title = f"Replication slot {r['slot_name']} is inactive and keeps {fmt_bytes(kept)} of WAL"
            words = (f"No consumer reads this {what}: PostgreSQL keeps every WAL file since its position, so the "
                     f"disk fills (critical past {fmt_bytes(critical_bytes)}). Reconnect its standby or subscriber, "
                     "or drop the slot if nothing will use it again (the consumer must then be rebuilt).")
        evidence = {"slot_type": r["slot_type"], "retained_bytes": kept, "wal_status": r["wal_status"] or "",
                    "inactive_since": stamp(r.get("inactive_since"))}
        if r["plugin"]:
            evidence.update(plugin=r["plugin"], database=r["database"])
        return Finding("replication.inactive_slot", severity, r["slot_name"], title, evidence, words,
                       builders.drop_replication_slot(r["slot_name"]))

    return [build(r) for r in records(state(ctx).inactive_slots)]


@check("replication.lag", "Standbys behind in replay", "replication")
def standby_lag(ctx: CheckContext) -> list[Finding]:
    limit = ctx.thresholds.replication_lag_s
    out = []
    for r in records(state(ctx).standbys):
        lag = r["replay_lag_s"]
        if lag is None or lag != lag or lag <= limit:  # NaN: no reply measured yet
            continue
        name = r["client"] or r["client_addr"] or str(r["pid"])
        out.append(Finding(
            "replication.lag", Severity.WARNING, name,
            f"Standby {name} replays {fmt_ms(lag * 1000)} behind",
            {"replay_lag_s": round(lag, 3), "replay_lag_bytes": int(r["replay_lag_bytes"] or 0),
             "state": r["state"], "sync_state": r["sync_state"]},
            f"Over {fmt_ms(limit * 1000)}: reads on this standby see old data, and a failover would lose time. "
            "Look at its disk and CPU, long queries on it (hot_standby_feedback, max_standby_streaming_delay), "
            "and the network."))
    return out
