"""EXPLAIN plan engine: parse any pasted plan, measure each node, diagnose, compare.

No database and no streamlit here: text in, plain data out.

    plan, findings = analyze(text)       # Plan (lib.plan.model) and Diagnostics
    to_json(plan, findings)              # JSON-ready dict (lib.plan.export)
    compare(before_plan, after_plan)     # Comparison (lib.plan.compare)
"""

from lib.plan.analysis import analyze
from lib.plan.compare import compare
from lib.plan.diagnose import Diagnostic, diagnose
from lib.plan.errors import PlanParseError
from lib.plan.export import to_json
from lib.plan.model import Node, Plan, build_plan
from lib.plan.parse import parse_plan

__all__ = ["Diagnostic", "Node", "Plan", "PlanParseError", "analyze", "build_plan", "compare", "diagnose",
           "parse_plan", "to_json"]
