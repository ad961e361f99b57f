-- Pages the visibility map marks all-frozen, per table: PostgreSQL 18 counts them in pg_class
-- (relallfrozen_post_180000); older servers have no such column, so none here. Embedded by table_health.
SELECT NULL::oid AS oid, NULL::float8 AS relallfrozen WHERE false
