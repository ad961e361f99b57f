"""One call from pasted text to a measured plan and its findings."""

from lib.plan.diagnose import Diagnostic, diagnose
from lib.plan.model import Plan, build_plan
from lib.plan.parse import parse_plan


def analyze(text: str) -> tuple[Plan, list[Diagnostic]]:
    """Parse, measure and diagnose the first statement of a pasted plan."""
    plan = build_plan(parse_plan(text)[0])
    return plan, diagnose(plan)
