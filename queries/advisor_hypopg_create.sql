-- A hypothetical index (hypopg, in this backend's memory only) and its estimated size.
SELECT h.indexrelid::bigint AS oid, {hypopg}.hypopg_relation_size(h.indexrelid)::bigint AS bytes
  FROM {hypopg}.hypopg_create_index(%(definition)s) AS h
