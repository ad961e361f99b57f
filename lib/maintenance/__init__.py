"""One-click maintenance: run a Finding's Action safely, watch it, verify it, audit it, undo a drop.

Modules, one job each:
- target: parse the action's SQL (PostgreSQL's parser) and check it acts on exactly its target;
- precheck: the object exists and this role may act on it (refusals as sentences);
- lock: the per-object advisory lock in the monitored database (one action per object at a time);
- figures: before/after figures, the expected effect, the one-line result;
- progress: pg_stat_progress_* of the running action;
- runner: the safety sequence (execute / start in the background / cancel); behind a transaction pooler
  only a cancel or terminate runs, in one transaction;
- audit: the audit log in pgpulse's store, CSV export, recreate a dropped index;
- preview: what the confirmation dialog shows before anything runs;
- routine: the guide's weekly VACUUM ANALYZE of the busiest tables, and its checks;
- recommend: the recommended actions from every Finding, by priority;
- hooks: the snapshot before a pg_stat_statements reset, when lib.history provides one.
"""
