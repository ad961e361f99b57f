"""Supabase: the database linter's lints (names, levels, docs links), the Supabase-shaped fixture
(`auth` schema, API roles, pgrst.db_schemas) and what a database exposes through its API."""
