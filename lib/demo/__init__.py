"""The embedded demo: a PostgreSQL server (server.py) and its content (content.py)."""
