"""Plans as people paste them parse into PostgreSQL's FORMAT JSON structure."""

from __future__ import annotations

import json
import re

import pytest

from lib.plan import PlanParseError, parse_plan
from tests.fixtures_path import PEV2, pev2_files

PLAN_FILES = [
    p for folder in ("from-text", "line-wrapped", "psql-frames", "cte-exclusive-time")
    for p in sorted((PEV2 / folder).iterdir()) if p.name.endswith(("-plan", ".plan"))
]  # fmt: skip
JOIN_TYPES = "Left|Right|Full|Semi|Anti|Right Semi|Right Anti"


def _walk(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def _pev2_type(t: str) -> str:
    """PEV2 names some nodes its own way: 'Nested Loop Join', 'Hash Semi Join', 'HashAggregate'."""
    m = re.match(rf"^(Nested Loop|Hash|Merge) (?:(?:{JOIN_TYPES}) )?Join$", t)
    if m:
        return "Nested Loop" if m.group(1) == "Nested Loop" else f"{m.group(1)} Join"
    return {"HashAggregate": "Aggregate", "GroupAggregate": "Aggregate"}.get(t, t)


def _same_value(key: str, expected, got) -> bool:
    if key in ("Relation Name", "Index Name"):  # PEV2 keeps quotes and schema in the name
        return str(expected).replace('"', "").split(".")[-1] == got
    if isinstance(got, list) and isinstance(expected, str):  # PEV2 keeps Output as one string
        return ", ".join(got) == expected
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected == got
    try:
        return abs(float(expected) - float(got)) <= 1e-9 * max(1.0, abs(float(expected)))
    except (TypeError, ValueError):
        return expected == got


def _compare(expected: dict, got: dict, path: str, errors: list[str]) -> None:
    if _pev2_type(expected["Node Type"]) != got["Node Type"]:
        errors.append(f"{path}: node type {expected['Node Type']!r} read as {got['Node Type']!r}")
    for key, value in expected.items():
        if key in ("Plans", "Node Type"):
            continue
        if key not in got:
            # TEXT leaves out what is zero or false; FORMAT JSON prints it
            if value not in (0, False, "0"):
                errors.append(f"{path}: missing {key}={value!r}")
        elif not _same_value(key, value, got[key]):
            errors.append(f"{path}: {key} expected {value!r}, got {got[key]!r}")
    exp_children, got_children = expected.get("Plans", []), got.get("Plans", [])
    if len(exp_children) != len(got_children):
        errors.append(f"{path}: {len(exp_children)} children expected, got {len(got_children)}")
        return
    for i, (e, g) in enumerate(zip(exp_children, got_children, strict=True)):
        _compare(e, g, f"{path}/{i}", errors)


@pytest.mark.parametrize("path", PLAN_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_parses(path):
    statements = parse_plan(path.read_text(encoding="utf-8"))
    assert len(statements) == 1
    root = statements[0]["Plan"]
    assert root["Node Type"]
    assert all("Node Type" in n for n in _walk(root))


EXPECT_FILES = pev2_files("from-text", "-expect") + pev2_files("line-wrapped", "-expect")


@pytest.mark.parametrize("expect", EXPECT_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_structure_matches_pev2_reading(expect):
    expected = json.loads(expect.read_text())
    got = parse_plan(expect.with_name(expect.name.replace("expect", "plan")).read_text(encoding="utf-8"))[0]
    errors: list[str] = []
    _compare(expected["Plan"], got["Plan"], "root", errors)
    for key, value in expected.items():
        if key == "Plan":
            continue
        ours = "Execution Time" if key == "Total Runtime" else key  # old name, before 9.4
        if ours not in got:
            errors.append(f"top level: missing {key}")
        elif isinstance(value, dict):  # JIT timings, Settings, Planning buffers
            if {k: v for k, v in got[ours].items() if v != 0} != {k: v for k, v in value.items() if v != 0}:
                errors.append(f"top level: {key} expected {value!r}, got {got[ours]!r}")
        elif not _same_value(key, value, got[ours]):
            errors.append(f"top level: {key} expected {value!r}, got {got[ours]!r}")
    assert not errors, "\n".join(errors)


PSQL_FRAMES = [p for p in pev2_files("psql-frames", ".plan") if "dbeaver" not in p.name]


@pytest.mark.parametrize("path", PSQL_FRAMES, ids=lambda p: p.name)
def test_every_psql_frame_gives_the_same_plan(path):
    text = path.read_text(encoding="utf-8")
    plan = parse_plan(text)[0]
    nodes = list(_walk(plan["Plan"]))
    assert [n["Node Type"] for n in nodes] == ["Nested Loop", "Seq Scan", "Seq Scan"]
    assert [n.get("Relation Name") for n in nodes[1:]] == ["users", "part_0"]
    assert [n["Actual Rows"] for n in nodes] == [15, 1, 15]
    assert nodes[1]["Filter"] == "(username = 'depesz'::text)"
    assert nodes[1]["Rows Removed by Filter"] == 1231
    printed = re.search(r'Execution Time"?:? ?(\d+\.\d+)', text).group(1)
    assert plan["Execution Time"] == float(printed)


def test_dbeaver_grid_copy():
    top = parse_plan((PEV2 / "psql-frames" / "text-3-dbeaver.plan").read_text(encoding="utf-8"))[0]
    root = top["Plan"]
    assert (root["Node Type"], root["Operation"], root["Schema"], root["Relation Name"]) == (
        "ModifyTable", "Delete", "public", "toto123456789")
    assert (root["WAL Records"], root["WAL FPI"], root["WAL Bytes"]) == (5000000, 7015, 327276611)
    assert root["Plans"][0]["Output"] == ["ctid"]
    assert top["Planning"]["Shared Hit Blocks"] == 4
    assert top["Execution Time"] == 4024.335


SEQ = "Seq Scan on t  (cost=0.00..35.50 rows=2550 width=4) (actual time=0.010..0.500 rows=2550 loops=1)"


def test_expanded_mode_json_and_text():
    json_x = (
        "-[ RECORD 1 ]----------------------------\n"
        "QUERY PLAN | [                          +\n"
        "           |   {                        +\n"
        '           |     "Plan": {              +\n'
        '           |       "Node Type": "Result"+\n'
        "           |     }                      +\n"
        "           |   }                        +\n"
        "           | ]\n"
    )
    assert parse_plan(json_x)[0]["Plan"]["Node Type"] == "Result"
    text_x = (
        "-[ RECORD 1 ]-----\n"
        f"QUERY PLAN | {SEQ}\n"
        "-[ RECORD 2 ]-----\n"
        "QUERY PLAN |   Filter: (x > 1)\n"
        "-[ RECORD 3 ]-----\n"
        "QUERY PLAN | Execution Time: 0.612 ms\n"
    )
    top = parse_plan(text_x)[0]
    assert top["Plan"]["Filter"] == "(x > 1)"
    assert top["Execution Time"] == 0.612


def test_tabs_mixed_with_spaces_and_comments_on_top():
    text = (
        "-- slow report, from the logs\n"
        "# explain analyze select ...\n"
        "Hash Join  (cost=1.0..2.0 rows=10 width=8) (actual time=0.1..0.9 rows=12 loops=1)\n"
        "\tHash Cond: (a.id = b.a_id)\n"
        "\t->  Seq Scan on a  (cost=0.0..1.0 rows=10 width=4) (actual time=0.01..0.2 rows=10 loops=1)\n"
        "\t->  Hash  (cost=1.0..1.0 rows=5 width=4) (actual time=0.3..0.3 rows=5 loops=1)\n"
        "\t      Buckets: 1024  Batches: 1  Memory Usage: 9kB\n"
        "\t\t->  Seq Scan on b  (cost=0.0..1.0 rows=5 width=4) (actual time=0.01..0.1 rows=5 loops=1)\n"
    )
    root = parse_plan(text)[0]["Plan"]
    assert root["Hash Cond"] == "(a.id = b.a_id)"
    assert [c["Node Type"] for c in root["Plans"]] == ["Seq Scan", "Hash"]
    hash_node = root["Plans"][1]
    assert hash_node["Hash Buckets"] == 1024 and hash_node["Peak Memory Usage"] == 9
    assert hash_node["Plans"][0]["Relation Name"] == "b"


def test_pg18_text_details():
    text = """
Gather Merge  (cost=51566.41..74859.59 rows=199999 width=228) (actual time=120.909..167.251 rows=200000.00 loops=1)
  Workers Planned: 2
  Workers Launched: 1
  Buffers: shared hit=6533, temp read=23514 written=24717
  I/O Timings: temp read=33.632 write=82.257
  ->  Sort  (cost=50566.39..50774.72 rows=83333 width=228) (actual time=88.788..96.082 rows=66666.67 loops=2)
        Sort Key: t.pad, t.email
        Sort Method: external merge  Disk: 26576kB
        Worker 0:  actual time=80.187..83.627 rows=39060.00 loops=1
          Sort Method: external merge  Disk: 9224kB
          Buffers: shared hit=1298, temp read=4594 written=4829
        ->  Parallel Seq Scan on public.t  (cost=0.00..7285.33 rows=83333 width=228) (actual time=0.011..8.123 rows=66666.67 loops=2)
              Filter: (lower(email) = 'a@b.c'::text)
              Rows Removed by Filter: 12
        ->  Index Scan using t_pkey on t  (never executed)
Settings: work_mem = '64kB', jit = 'off'
Planning:
  Buffers: shared hit=39 read=2
Planning Time: 0.138 ms
Trigger RI_ConstraintTrigger_c_1 for constraint t_fk on t: time=1.250 calls=10
Execution Time: 175.435 ms
"""
    top = parse_plan(text)[0]
    root = top["Plan"]
    assert root["Node Type"] == "Gather Merge" and root["Actual Rows"] == 200000
    assert root["Workers Launched"] == 1 and root["Temp Written Blocks"] == 24717
    assert root["Temp I/O Write Time"] == 82.257
    sort = root["Plans"][0]
    assert sort["Actual Rows"] == 66666.67 and sort["Actual Loops"] == 2
    assert (sort["Sort Method"], sort["Sort Space Type"], sort["Sort Space Used"]) == ("external merge", "Disk", 26576)
    assert sort["Sort Key"] == ["t.pad", "t.email"]
    assert sort["Workers"][0]["Worker Number"] == 0
    assert sort["Workers"][0]["Sort Space Used"] == 9224 and sort["Workers"][0]["Temp Read Blocks"] == 4594
    scan = sort["Plans"][0]
    assert (scan["Node Type"], scan["Parallel Aware"], scan["Schema"], scan["Relation Name"]) == (
        "Seq Scan", True, "public", "t")
    assert scan["Rows Removed by Filter"] == 12
    never = sort["Plans"][1]
    assert never["Actual Loops"] == 0 and never["Index Name"] == "t_pkey"
    assert top["Settings"] == {"work_mem": "64kB", "jit": "off"}
    assert top["Planning"]["Shared Read Blocks"] == 2
    assert top["Triggers"] == [{"Trigger Name": "RI_ConstraintTrigger_c_1", "Calls": 10,
                                "Constraint Name": "t_fk", "Relation": "t", "Time": 1.25}]
    assert (top["Planning Time"], top["Execution Time"]) == (0.138, 175.435)


def test_ctes_initplans_and_subplans_are_marked():
    text = """
Result  (cost=1.0..2.0 rows=1 width=4) (actual time=0.1..0.5 rows=1 loops=1)
  CTE x
    ->  Seq Scan on a  (cost=0.0..1.0 rows=10 width=4) (actual time=0.01..0.2 rows=10 loops=1)
  InitPlan 1 (returns $1)
    ->  Result  (cost=0.0..0.01 rows=1 width=4) (actual time=0.001..0.001 rows=1 loops=1)
  ->  CTE Scan on x y  (cost=0.0..0.2 rows=10 width=4) (actual time=0.02..0.3 rows=10 loops=1)
        Filter: (v > $1)
        SubPlan 2
          ->  Index Only Scan using b_pkey on b  (cost=0.1..4.0 rows=1 width=4) (actual time=0.001..0.001 rows=1 loops=10)
                Heap Fetches: 3
"""
    root = parse_plan(text)[0]["Plan"]
    cte, init, scan = root["Plans"]
    assert (cte["Parent Relationship"], cte["Subplan Name"]) == ("InitPlan", "CTE x")
    assert (init["Parent Relationship"], init["Subplan Name"]) == ("InitPlan", "InitPlan 1 (returns $1)")
    assert (scan["Node Type"], scan["CTE Name"], scan["Alias"]) == ("CTE Scan", "x", "y")
    sub = scan["Plans"][0]
    assert (sub["Parent Relationship"], sub["Subplan Name"], sub["Heap Fetches"]) == ("SubPlan", "SubPlan 2", 3)


def test_jit_block_and_old_runtime_name():
    text = """Aggregate  (cost=17.94..17.95 rows=1 width=8) (actual time=2.250..2.250 rows=1 loops=1)
JIT:
  Functions: 3
  Options: Inlining false, Optimization false, Expressions true, Deforming true
  Timing: Generation 0.340 ms (Deform 0.100 ms), Inlining 0.000 ms, Optimization 0.168 ms, Emission 1.907 ms, Total 2.414 ms
Total runtime: 2.625 ms
"""
    top = parse_plan(text)[0]
    assert top["JIT"]["Functions"] == 3
    assert top["JIT"]["Options"]["Expressions"] is True and top["JIT"]["Options"]["Inlining"] is False
    assert top["JIT"]["Timing"]["Generation"] == {"Deform": 0.1, "Total": 0.34}
    assert top["JIT"]["Timing"]["Total"] == 2.414
    assert top["Execution Time"] == 2.625


def test_costs_off_single_node_and_json_object_without_list():
    assert parse_plan("Seq Scan on t\n")[0]["Plan"]["Relation Name"] == "t"
    assert parse_plan('{"Plan": {"Node Type": "Result"}}')[0]["Plan"]["Node Type"] == "Result"
    row = json.dumps([{"QUERY PLAN": [{"Plan": {"Node Type": "Limit"}}]}])  # a client's result export
    assert parse_plan(row)[0]["Plan"]["Node Type"] == "Limit"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("", 1),
        ("hello world\nthis is not a plan\n", 1),
        ("\n\n   \nfoo bar baz\n", 4),
        ('[\n  {\n    "Plan": {\n      "Node Type": "Result",\n      oops\n    }\n  }\n]\n', 5),
        ('[{"Planx": {}}]', 1),
        (f"{SEQ}\n  Rows Removed by Filter: lots\n", 2),
        (f"{SEQ}\nExecution Time: fast\n", 2),
        (f"-- comment\n{SEQ}\n  ->  Sort  (cost=1.0..2.0 rows=1 width=4) junk after\n", 3),
        (f"{SEQ}\n  Buffers: shared hit=1 bogus=2\n", 2),
        ('QUERY PLAN\n<explain xmlns="http://www.postgresql.org/2009/explain">\n', 2),
        ("- Plan: \n    Node Type: \"Result\"\n", 1),
    ],
)
def test_unreadable_input_names_the_line(text, line):
    with pytest.raises(PlanParseError) as err:
        parse_plan(text)
    assert err.value.line == line
    assert str(err.value).startswith(f"line {line}: ")


def _types(statement: dict) -> list[str]:
    return [n["Node Type"] for n in _walk(statement["Plan"])]


def test_plan_in_a_markdown_message():
    text = ("Here is my plan:\n```\n"
            "Seq Scan on t  (cost=0.00..1.00 rows=1 width=4) (actual time=0.1..0.2 rows=1 loops=1)\n"
            "  Filter: (x = 1)\nExecution Time: 0.3 ms\n```\n\nthanks!\n")  # fmt: skip
    top = parse_plan(text)[0]
    assert top["Plan"]["Filter"] == "(x = 1)" and top["Execution Time"] == 0.3


def test_no_break_spaces_from_a_web_page():
    text = ("Hash Join  (cost=1.0..2.0 rows=10 width=8)\n"
            "\xa0\xa0->\xa0\xa0Seq Scan on a  (cost=0.0..1.0 rows=10 width=4)\n"
            "\xa0\xa0->\xa0\xa0Hash  (cost=1.0..1.0 rows=5 width=4)\n"
            "\xa0\xa0\xa0\xa0\xa0\xa0\xa0\xa0->\xa0\xa0Seq Scan on b  (cost=0.0..1.0 rows=5 width=4)\n")  # fmt: skip
    assert _types(parse_plan(text)[0]) == ["Hash Join", "Seq Scan", "Hash", "Seq Scan"]


def test_a_pasted_subtree_and_two_plans_in_a_row():
    sub = "   ->  Hash  (cost=1.0..1.0 rows=5 width=4)\n         ->  Seq Scan on b  (cost=0.0..1.0 rows=5 width=4)\n"
    assert _types(parse_plan(sub)[0]) == ["Hash", "Seq Scan"]
    two = ("Seq Scan on a  (cost=0.0..1.0 rows=10 width=4)\n  Filter: (x = 1)\n"
           "Seq Scan on b  (cost=0.0..1.0 rows=10 width=4)\n")  # fmt: skip
    first, second = parse_plan(two)
    assert (first["Plan"]["Relation Name"], second["Plan"]["Relation Name"]) == ("a", "b")


def test_whole_plan_in_one_psql_cell_and_auto_explain_logs():
    cell = ("                 plan\n--------------------------------------\n"
            " Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)   +\n"
            "   Filter: (x = 1)                                 +\n"
            " Planning Time: 0.1 ms\n(1 row)\n")  # fmt: skip
    top = parse_plan(cell)[0]
    assert top["Plan"]["Filter"] == "(x = 1)" and top["Planning Time"] == 0.1
    log = ("2024-01-01 10:00:00 UTC [123] LOG:  duration: 0.986 ms  plan:\n"
           "\tQuery Text: SELECT count(*) FROM pg_class;\n"
           "\tAggregate  (cost=19.69..19.70 rows=1 width=8) (actual time=0.978..0.979 rows=1 loops=1)\n"
           "\t  ->  Index Only Scan using pg_class_oid_index on pg_class  (cost=0.27..18.66 rows=412 width=0) "
           "(actual time=0.019..0.959 rows=412 loops=1)\n\t        Heap Fetches: 0\n")  # fmt: skip
    assert _types(parse_plan(log)[0]) == ["Aggregate", "Index Only Scan"]
    log_json = ('LOG:  duration: 0.9 ms  plan:\n\t{\n\t  "Query Text": "select 1",\n'
                '\t  "Plan": {\n\t    "Node Type": "Result"\n\t  }\n\t}\n')  # fmt: skip
    assert parse_plan(log_json)[0]["Query Text"] == "select 1"


def test_trailing_psql_lines_are_not_part_of_the_plan():
    for tail in ("\nTemps : 0,305 ms\n", "postgres=# select 1;\n", "\nTime: 12.5 ms\n"):
        top = parse_plan("Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n" + tail)[0]
        assert top == {"Plan": {"Node Type": "Seq Scan", "Parallel Aware": False, "Async Capable": False,
                                "Relation Name": "t", "Alias": "t", "Startup Cost": 0.0, "Total Cost": 1.0,
                                "Plan Rows": 1, "Plan Width": 4}}, tail


def test_extension_nodes_are_kept():
    text = ("Custom Scan (Citus Adaptive)  (cost=0.00..0.00 rows=100000 width=8)\n  Task Count: 32\n"
            "  ->  Task\n        Node: host=localhost port=9701 dbname=postgres\n"
            "        ->  Seq Scan on t_102008 t  (cost=0.00..35.50 rows=2550 width=8)\n")  # fmt: skip
    root = parse_plan(text)[0]["Plan"]
    assert (root["Node Type"], root["Custom Plan Provider"], root["Task Count"]) == ("Custom Scan", "Citus Adaptive", "32")
    assert _types({"Plan": root}) == ["Custom Scan", "Task", "Seq Scan"]
