-- How many hypothetical indexes this backend still holds (none, once the advisor is done).
SELECT count(*)::int AS hypothetical FROM {hypopg}.hypopg_list_indexes
