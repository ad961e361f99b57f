-- Forget one hypothetical index of this backend.
SELECT {hypopg}.hypopg_drop_index(%(oid)s::oid) AS dropped
