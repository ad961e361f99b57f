-- Names of the types PostgreSQL inferred for a statement's $n placeholders, in order.
SELECT t.oid::bigint AS oid, format_type(t.oid, NULL) AS type
  FROM unnest(%(type_oids)s::bigint[]::oid[]) WITH ORDINALITY AS t(oid, position)
 ORDER BY t.position
