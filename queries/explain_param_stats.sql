-- Typical values of the columns a statement's $n placeholders are compared with (pg_stats), as text:
-- the most common values (most frequent first) and the histogram bounds. One input row per
-- (placeholder, candidate table, column); a partitioned table's statistics over all partitions first.
SELECT c.param, r.relname AS table_name, s.attname AS column_name,
       s.most_common_vals::text::text[] AS common_values,
       s.histogram_bounds::text::text[] AS histogram
  FROM unnest(%(params)s::int[], %(relations)s::text[], %(columns)s::text[])
       WITH ORDINALITY AS c(param, relation, column_name, position)
  JOIN pg_class r ON r.oid = to_regclass(c.relation)
  JOIN pg_namespace n ON n.oid = r.relnamespace
  JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = r.relname AND s.attname = c.column_name
 ORDER BY c.position, s.inherited DESC
