"""Action builders: the SQL targets exactly the named object, whatever its name."""

from __future__ import annotations

import psycopg
import pytest

from lib.actions import builders
from tests import servers

HOSTILE = ['a"; DROP TABLE victim; --', "Mixed Case", "sélect ünïcode", "select", "x" * 63]


@pytest.mark.parametrize("name", HOSTILE)
def test_actions_run_on_exactly_the_named_objects(fresh_url, name):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE victim (id int)")
        conn.execute(psycopg.sql.SQL("CREATE TABLE {} (id int PRIMARY KEY, ref int)").format(
            psycopg.sql.Identifier(name)))
        create = builders.create_index("public", name, ["ref"])
        assert create.concurrently and create.target_kind == "index"
        conn.execute(create.sql)
        index = create.target_name
        assert len(index.encode()) <= 63
        table_of_index = conn.execute(
            "SELECT t.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_class t ON t.oid = i.indrelid WHERE c.relname = %s", (index,)).fetchone()
        assert table_of_index == (name,)
        definition = conn.execute("SELECT pg_get_indexdef(to_regclass(quote_ident(%s)))", (index,)).fetchone()[0]
        for action in (builders.vacuum("public", name), builders.vacuum("public", name, analyze=True),
                       builders.analyze("public", name), builders.reindex("public", index),
                       builders.drop_index("public", index)):
            conn.execute(action.sql)
        assert conn.execute("SELECT to_regclass(quote_ident(%s))", (index,)).fetchone()[0] is None
        conn.execute(builders.recreate_index("public", index, definition).sql)
        again = conn.execute("SELECT pg_get_indexdef(to_regclass(quote_ident(%s)))", (index,)).fetchone()[0]
        assert again == definition
        assert conn.execute("SELECT to_regclass('victim')").fetchone()[0] is not None


def test_refresh_matview_and_backend_actions(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute('CREATE MATERIALIZED VIEW "my view" AS SELECT 1 AS id')
        conn.execute('CREATE UNIQUE INDEX ON "my view" (id)')
        conn.execute(builders.refresh_matview("public", "my view", concurrently=True).sql)
        conn.execute(builders.refresh_matview("public", "my view", concurrently=False).sql)
        assert builders.cancel_backend(123).sql == 'SELECT "pg_catalog"."pg_cancel_backend"(123)'
        assert conn.execute(builders.cancel_backend(2**30).sql).fetchone()[0] is False  # no such backend


def test_reset_statements_on_a_server_of_its_own():
    # A reset clears pg_stat_statements server-wide: never on the shared test servers.
    server = servers.start_server(servers.available_bin_dirs()["pg18"])
    try:
        url = servers.create_database(server)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT 12345")
            conn.execute(builders.reset_statements("public").sql)
            left = conn.execute("SELECT count(*) FROM pg_stat_statements WHERE query LIKE 'SELECT $1'").fetchone()[0]
            assert left == 0
    finally:
        server.destroy()


def test_recreate_refuses_what_is_not_an_index_definition():
    with pytest.raises(ValueError):
        builders.recreate_index("public", "x", "DROP TABLE t")
