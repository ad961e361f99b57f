"""Accept a plan as people paste it and return PostgreSQL's FORMAT JSON structure.

`parse_plan(text)` returns a list with one dict per statement: {"Plan": {...}, "Planning
Time": ..., "Execution Time": ..., "Triggers": [...], "JIT": {...}, "Settings": {...},
"Planning": {...}}. JSON and TEXT plans are both accepted, bare or inside psql's frames.
"""

import json
import re

from lib.plan.errors import PlanParseError
from lib.plan.frames import Line, drop_wrap_marks, is_separator, strip_frames
from lib.plan.textplan import parse_text

JSON_START_RE = re.compile(r'^\s*(\[\s*(\{|\])|\{\s*")')


def parse_plan(text: str) -> list[dict]:
    if not text or not text.strip():
        raise PlanParseError("the input is empty", 1)
    lines = strip_frames(text)
    _refuse_other_formats(lines)
    start = _json_start(lines)
    if start is not None:
        return parse_json_lines(lines[start:])
    if _one_cell(lines):
        lines = drop_wrap_marks(lines)
    return parse_text(lines)


def _one_cell(lines: list[Line]) -> bool:
    """A whole TEXT plan in one psql cell (a log table, a function's result) ends each line
    but the last with a continuation mark; a plan line itself never ends with one."""
    marked = [i for i, ln in enumerate(lines) if ln.text.endswith(("+", "↵"))]
    return len(marked) >= 2 and len(marked) >= 0.8 * (marked[-1] - marked[0] + 1)


def _refuse_other_formats(lines: list[Line]) -> None:
    """EXPLAIN can also print XML and YAML: say so rather than 'no plan node found'."""
    for ln in lines:
        if "<" not in ln.text and "Plan:" not in ln.text:
            continue
        s = ln.text.strip()
        if s.startswith(("<explain", "<?xml")):
            raise PlanParseError("this is an XML plan: run EXPLAIN with FORMAT JSON or TEXT instead", ln.no)
        if s in ("- Plan:", "Plan:"):
            raise PlanParseError("this is a YAML plan: run EXPLAIN with FORMAT JSON or TEXT instead", ln.no)


def _json_start(lines: list[Line]) -> int | None:
    """Index of the line where a JSON plan starts, if the input is one."""
    for i, ln in enumerate(lines):
        if "[" not in ln.text and "{" not in ln.text:
            continue
        s = ln.text.strip()
        if not s or s[0] not in "[{" or is_separator(s):
            continue
        ahead = " ".join(x.text for x in drop_wrap_marks(lines[i : i + 4]))
        if JSON_START_RE.match(ahead):
            return i
    return None


def parse_json_lines(lines: list[Line]) -> list[dict]:
    lines = drop_wrap_marks(lines)
    joined = "\n".join(ln.text for ln in lines)
    begin = len(joined) - len(joined.lstrip())
    try:
        doc, _ = json.JSONDecoder().raw_decode(joined, begin)
    except json.JSONDecodeError as exc:
        where = lines[min(exc.lineno, len(lines)) - 1].no
        raise PlanParseError(f"invalid JSON: {exc.msg}", where) from None
    return normalize_json(doc, lines[0].no)


def normalize_json(doc, line: int = 1) -> list[dict]:
    """Accept [{"Plan": ...}], {"Plan": ...} and a result row {"QUERY PLAN": ...}."""
    if isinstance(doc, dict):
        doc = [doc]
    if isinstance(doc, list) and doc and isinstance(doc[0], dict) and "QUERY PLAN" in doc[0]:
        inner = doc[0]["QUERY PLAN"]
        return normalize_json(json.loads(inner) if isinstance(inner, str) else inner, line)
    if not isinstance(doc, list) or not doc:
        raise PlanParseError("JSON is not an EXPLAIN plan (expected a list with a \"Plan\")", line)
    for stmt in doc:
        plan = stmt.get("Plan") if isinstance(stmt, dict) else None
        if not isinstance(plan, dict) or "Node Type" not in plan:
            raise PlanParseError("JSON is not an EXPLAIN plan (no \"Plan\" with a \"Node Type\")", line)
    return doc
