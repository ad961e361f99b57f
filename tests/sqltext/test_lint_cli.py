"""`python -m lib lint`: text and JSON output, exit codes, stdin."""

import io
import json
import subprocess
import sys
from pathlib import Path

from lib.cli import main

REPO = Path(__file__).resolve().parents[2]
SQL = (
    "SELECT * FROM clients WHERE lower(email) = $1;\n"
    "-- a comment; with a semicolon\n"
    "select id from invoices order by id limit 10 offset 5000;\n"
    "selec 1;\n"
    "select id from clients where id = $1\n"
)


def _write(tmp_path, text=SQL):
    path = tmp_path / "q.sql"
    path.write_text(text, encoding="utf-8")
    return path


def test_json_output(tmp_path, capsys):
    assert main(["lint", "--json", str(_write(tmp_path))]) == 0
    out = capsys.readouterr()
    findings = json.loads(out.out)
    assert [(f["statement_index"], f["rule"]) for f in findings] == [
        (0, "select_star"),
        (0, "function_on_column"),
        (1, "deep_offset"),
    ]
    keys = {"statement_index", "rule", "severity", "title", "message", "advice", "example"}
    assert all(keys <= set(f) for f in findings)
    fn = findings[1]
    assert fn["severity"] == "warning" and "clients.email" in fn["message"]
    assert fn["example"]["before"].startswith("SELECT") and fn["suggestion"].startswith("CREATE INDEX")
    assert fn["line"] == 1 and findings[2]["line"] == 3
    assert "statement 3" in out.err and "selec" in out.err  # the broken statement is a note, on stderr


def test_text_output(tmp_path, capsys):
    assert main(["lint", str(_write(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "statement 1, line 1: warning [function_on_column]" in out
    assert "fix: CREATE INDEX CONCURRENTLY ON clients ((lower(email)))" in out
    assert "note: statement 3: could not parse" in out
    assert out.rstrip().endswith("3 findings")


def test_fail_flag_and_level(tmp_path):
    path = str(_write(tmp_path))
    assert main(["lint", "--fail", path]) == 1
    info_only = str(_write(tmp_path, "select * from t where id = $1"))
    assert main(["lint", "--fail", "--fail-level", "warning", info_only]) == 0
    assert main(["lint", "--fail", info_only]) == 1
    clean = str(_write(tmp_path, "select id from t where id = $1"))
    assert main(["lint", "--fail", clean]) == 0


def test_unreadable_file_exits_2(tmp_path, capsys):
    assert main(["lint", str(tmp_path / "missing.sql")]) == 2
    assert capsys.readouterr().err.startswith("pgpulse: cannot read")
    binary = tmp_path / "b.sql"
    binary.write_bytes(b"\xff\xfe\x00select")
    assert main(["lint", str(binary)]) == 2


def test_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("select distinct a from t"))
    assert main(["lint", "--json", "-"]) == 0
    assert [f["rule"] for f in json.loads(capsys.readouterr().out)] == ["select_distinct"]


def test_real_entry_point_reads_stdin():
    proc = subprocess.run(
        [sys.executable, "-m", "lib", "lint", "--json", "--fail", "-"],
        input="select id from clients where name ilike '%smith%'",
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert [f["rule"] for f in json.loads(proc.stdout)] == ["leading_wildcard_like"]
