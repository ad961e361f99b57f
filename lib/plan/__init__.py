"""EXPLAIN plan engine: parse any pasted plan, measure each node, diagnose, compare.

No database and no streamlit here: text in, plain data out.
"""

from lib.plan.errors import PlanParseError
from lib.plan.parse import parse_plan

__all__ = ["PlanParseError", "parse_plan"]
