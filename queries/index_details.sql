-- Details of the few indexes on screen: the definition as PostgreSQL prints it (names quoted as
-- needed). When each was last scanned is known from PostgreSQL 16 on (index_details_post_160000).
SELECT i.oid, pg_get_indexdef(i.oid) AS definition, NULL::timestamptz AS last_idx_scan
  FROM unnest(%(oids)s::oid[]) AS i(oid)
 WHERE EXISTS (SELECT 1 FROM pg_index x WHERE x.indexrelid = i.oid)
