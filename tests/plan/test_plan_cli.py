"""`python -m lib plan`: output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from lib.cli import main
from tests.fixtures_path import PEV2, REPO

FIXTURE = PEV2 / "from-text" / "45-buckets-plan"


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lib", "plan", *args], cwd=REPO, input=stdin,
                          capture_output=True, timeout=60)  # fmt: skip


def test_text_output_from_a_file():
    done = run_cli(str(FIXTURE))
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert "Execution 10,244.597 ms" in out
    assert "-> Seq Scan on entetes" in out
    assert "[warning] #2 hash-batches:" in out


def test_json_output_from_stdin():
    done = run_cli("-", "--json", stdin=FIXTURE.read_bytes())
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["execution_ms"] == 10244.597
    assert [n["node_type"] for n in out["nodes"]] == ["Hash Join", "Seq Scan", "Hash", "Seq Scan"]
    assert any(d["rule"] == "hash-batches" and d["node"] == 2 for d in out["diagnostics"])


def test_garbage_exits_2_with_the_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("EXPLAIN ANALYZE SELECT 1;\n\nthis is not\na plan at all\n")
    done = run_cli(str(bad))
    assert done.returncode == 2
    assert done.stdout == b""
    assert f"pgpulse: {bad}: not a plan we can read: line 3:" in done.stderr.decode()


def test_broken_json_exits_2_with_the_line():
    done = run_cli("-", stdin=b'[\n  {\n    "Plan": {\n      "Node Type": "Result",,\n    }\n  }\n]\n')
    assert done.returncode == 2
    assert "stdin: not a plan we can read: line 4:" in done.stderr.decode()


def test_missing_file_exits_2(capsys):
    assert main(["plan", "/nonexistent/plan.txt"]) == 2
    assert "cannot read /nonexistent/plan.txt" in capsys.readouterr().err


def test_fail_on(capsys):
    assert main(["plan", str(FIXTURE), "--fail-on", "warning"]) == 1
    assert main(["plan", str(FIXTURE), "--fail-on", "critical"]) == 0
    assert main(["plan", str(PEV2 / "from-text" / "05-plan"), "--fail-on", "warning"]) == 0
    capsys.readouterr()


def test_compare(tmp_path, capsys):
    before = PEV2 / "line-wrapped" / "05-plan"
    after = PEV2 / "line-wrapped" / "06-plan"
    assert main(["plan", str(before), "--compare", str(after)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Before 9,321.807 ms  ->  after 13,948.301 ms  (0.67x slower)")
    assert main(["plan", str(before), "--compare", str(after), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["comparison"]["before_total"] == 9321.807
    assert data["after"]["execution_ms"] == 13948.301


def test_utf16_input(tmp_path, capsys):
    path = tmp_path / "plan-utf16.txt"
    path.write_bytes(FIXTURE.read_text().encode("utf-16"))  # what PowerShell's > writes
    assert main(["plan", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["execution_ms"] == 10244.597


# PostgreSQL 18's output for a SubPlan in an Index Cond (issue 12): the scan's 0.001 ms x 50 loops
# cannot hold the SubPlan's 0.005 ms x 50
SUBPLAN_IN_INDEX_COND = """Nested Loop  (cost=3.18..542.75 rows=50 width=8) (actual time=0.127..0.379 rows=50.00 loops=1)
  Buffers: shared hit=442
  ->  Index Only Scan using customers_pkey on customers c  (cost=0.29..5.16 rows=50 width=4) (actual time=0.036..0.039 rows=50.00 loops=1)
        Index Cond: (id <= 50)
        Heap Fetches: 0
        Index Searches: 1
        Buffers: shared hit=3
  ->  Index Scan using orders_pkey on orders o  (cost=2.89..10.75 rows=1 width=8) (actual time=0.001..0.001 rows=1.00 loops=50)
        Index Cond: (id = (SubPlan 2))
        Index Searches: 50
        Buffers: shared hit=200
        SubPlan 2
          ->  Result  (cost=2.46..2.47 rows=1 width=4) (actual time=0.005..0.005 rows=1.00 loops=50)
                Buffers: shared hit=239
                InitPlan 1
                  ->  Limit  (cost=0.42..2.46 rows=1 width=4) (actual time=0.005..0.005 rows=1.00 loops=50)
                        Buffers: shared hit=239
                        ->  Index Scan Backward using orders_pkey on orders o2  (cost=0.42..8177.42 rows=4000 width=4) (actual time=0.005..0.005 rows=1.00 loops=50)
                              Filter: (customer_id = c.id)
                              Rows Removed by Filter: 24
                              Index Searches: 50
                              Buffers: shared hit=239
Planning:
  Buffers: shared hit=200
Planning Time: 1.091 ms
Execution Time: 0.532 ms
"""


def test_notes_in_text_and_json():
    done = run_cli("-", stdin=SUBPLAN_IN_INDEX_COND.encode())
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert "note #2: Its children took 0.20 ms more than this node's own timing: SubPlan 2 in its index" in out
    assert "note #5: Stopped early: the Limit above" in out and "row-estimate" not in out
    nodes = json.loads(run_cli("-", "--json", stdin=SUBPLAN_IN_INDEX_COND.encode()).stdout)["nodes"]
    assert nodes[2]["exclusive_ms"] == 0 and nodes[2]["outside_ms"] == round(0.005 * 50 - 0.001 * 50, 6)
    assert nodes[5]["stopped_early"] == "the Limit above stopped reading it once it had its rows"
    assert min(n["exclusive_ms"] for n in nodes) >= 0 and sum(n["share"] for n in nodes) <= 1.000001
