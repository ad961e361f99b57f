-- Maintenance audit details: who exactly, what object, the figures before and after, and for a
-- dropped index its full definition (so it can be recreated). JSON columns hold text.
ALTER TABLE audit_log ADD COLUMN db_role TEXT;
ALTER TABLE audit_log ADD COLUMN os_user TEXT;
ALTER TABLE audit_log ADD COLUMN client TEXT;
ALTER TABLE audit_log ADD COLUMN server TEXT;
ALTER TABLE audit_log ADD COLUMN target_kind TEXT;
ALTER TABLE audit_log ADD COLUMN target_schema TEXT;
ALTER TABLE audit_log ADD COLUMN target_name TEXT;
ALTER TABLE audit_log ADD COLUMN target_oid BIGINT;
ALTER TABLE audit_log ADD COLUMN before_json TEXT;
ALTER TABLE audit_log ADD COLUMN after_json TEXT;
ALTER TABLE audit_log ADD COLUMN index_definition TEXT;
ALTER TABLE audit_log ADD COLUMN error TEXT;
ALTER TABLE audit_log ADD COLUMN finished_at DOUBLE PRECISION;
CREATE INDEX audit_log_database_at ON audit_log (database, at);
