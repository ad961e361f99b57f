-- Can this role read pg_stat_statements, and does it see other roles' query texts?
SELECT count(*)                                                   AS statements,
       count(*) FILTER (WHERE query = '<insufficient privilege>') AS hidden_texts
  FROM {pgss}.pg_stat_statements
