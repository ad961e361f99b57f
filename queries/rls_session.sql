-- The measured read's session, for this transaction only (set_config(..., true) is SET LOCAL): row-level
-- security on or off, the request's JWT claims as PostgREST sets them, and the role ('none': pgpulse's own).
SELECT set_config('row_security', %(row_security)s, true) AS row_security,
       set_config('request.jwt.claims', %(claims)s, true) AS claims,
       set_config('role', %(as_role)s, true) AS role
