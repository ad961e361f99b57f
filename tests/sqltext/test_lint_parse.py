"""Splitting and parsing with the real parser: separators hidden in strings, comments, bodies."""

import pytest

from lib.sqltext.parse import ParseFailure, Statement, parse, parse_whole, split_statements


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select 1; select 2", ["select 1", "select 2"]),
        ("select ';' as a; select 2", ["select ';' as a", "select 2"]),
        ("select $$;$$", ["select $$;$$"]),
        ("select $tag$ a; $$ b; $tag$; select 2", ["select $tag$ a; $$ b; $tag$", "select 2"]),
        ("select 1 /* ; */; -- x ; y\nselect 2", ["select 1 /* ; */", "select 2"]),
        ('select "a;b" from t;;', ['select "a;b" from t']),
        ("select E'it\\'s; fine'; select 3", ["select E'it\\'s; fine'", "select 3"]),
        (
            "create function f() returns int language sql begin atomic select 1; select 2; end; select 3",
            ["create function f() returns int language sql begin atomic select 1; select 2; end", "select 3"],
        ),
        ("", []),
        ("  -- only a comment; really\n /* and ; this */ ", []),
        ("select 'ü€'; select 'é' as x", ["select 'ü€'", "select 'é' as x"]),
    ],
)
def test_split_statements(sql, expected):
    pieces = split_statements(sql)
    assert [p.text for p in pieces] == expected
    assert [sql[p.start : p.end] for p in pieces] == expected  # offsets are character offsets
    assert [p.index for p in pieces] == list(range(len(expected)))


def test_split_keeps_a_broken_statement_between_good_ones():
    # libpg_query's own scanner split would drop "selec 1" silently
    sql = "select 1; selec 1 ; select 'a;b'"
    assert [p.text for p in split_statements(sql)] == ["select 1", "selec 1", "select 'a;b'"]


def test_split_with_unterminated_quote_keeps_the_rest_as_one_piece():
    sql = "select 1; select 'abc; select 2"
    assert [p.text for p in split_statements(sql)] == ["select 1", "select 'abc; select 2"]


def test_parse_each_statement_independently():
    out = parse("select $1::int; select * frm t; select 3")
    assert [type(s) for s in out] == [Statement, ParseFailure, Statement]
    failure = out[1]
    assert failure.message == 'syntax error at or near "frm"'
    assert failure.position == len("select $1::int; select * ")  # offset in the whole text
    assert failure.index == 1
    assert out[2].text == "select 3" and out[2].start == len("select $1::int; select * frm t; ")


def test_parse_keeps_placeholders_and_locations_relative_to_statement():
    (stmt,) = parse("/* c */ select a from t where id = $1 -- tail")
    assert type(stmt.node).__name__ == "SelectStmt"
    where = stmt.node.whereClause
    assert where.rexpr.number == 1
    assert stmt.text[where.lexpr.location :].startswith("id = $1")


def test_parse_whole_refuses_on_first_error():
    failure = parse_whole("select 1; select 'abc")
    assert isinstance(failure, ParseFailure)
    assert failure.message.startswith("unterminated quoted string")
    assert failure.position == len("select 1; select ")
    assert failure.maybe_truncated
    assert "(at character 18)" in failure.describe() and "truncated" in failure.describe()


def test_parse_whole_success_and_empty():
    assert [s.text for s in parse_whole("select 1; select 2")] == ["select 1", "select 2"]
    assert parse_whole("-- nothing") == []


def test_truncated_pg_stat_statements_text():
    failure = parse_whole("SELECT id FROM clients WHERE id IN ($1, $2")
    assert isinstance(failure, ParseFailure) and failure.maybe_truncated
    assert failure.message == "syntax error at end of input"
