-- Pages the visibility map marks all-frozen, per table (pg_class.relallfrozen, PostgreSQL 18 on).
SELECT c.oid, c.relallfrozen::float8 AS relallfrozen FROM pg_class c WHERE c.relkind IN ('r', 'm')
