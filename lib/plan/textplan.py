"""Read a TEXT format plan (as psql or a mail client left it) into FORMAT JSON structure.

lib/plan/textlines.py finds the plan's lines and joins wrapped ones; here the tree is built
from indentation: a node's details sit deeper than its "->", its children deeper still, and
InitPlan/SubPlan/CTE headers announce the one node below them.
"""

from dataclasses import dataclass

from lib.plan.errors import PlanParseError
from lib.plan.frames import Line
from lib.plan.textlines import (
    ARROW_RE,
    HEADER_RE,
    PROP_RE,
    WORKER_RE,
    Logical,
    plan_lines,
    statements,
    unwrap,
)
from lib.plan.textnode import describe, split_stats
from lib.plan.textprops import BadValue, set_property
from lib.plan.texttop import is_top_line, set_top

HEADER_STARTS = ("InitPlan", "SubPlan", "CTE ")
MEMBER_PARENTS = frozenset({"Append", "Merge Append", "BitmapAnd", "BitmapOr", "ModifyTable"})

BUFFER_KEYS = [f"{kind} {field} Blocks" for kind in ("Shared", "Local", "Temp")
               for field in ("Hit", "Read", "Dirtied", "Written")]  # fmt: skip


def parse_text(lines: list[Line]) -> list[dict]:
    out = []
    for stmt in statements(unwrap(plan_lines(lines))):
        top = build(stmt)
        _zero_buffers(top["Plan"])
        planning = top.get("Planning")
        if planning and any(k in planning for k in BUFFER_KEYS):
            for k in BUFFER_KEYS:
                planning.setdefault(k, 0)
        out.append(top)
    return out


def _zero_buffers(root: dict) -> None:
    """TEXT omits a node's Buffers line when all are zero; FORMAT JSON says 0 for each."""
    nodes, stack = [], [root]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    if any(k in n for n in nodes for k in BUFFER_KEYS):
        for n in nodes:
            for k in BUFFER_KEYS:
                n.setdefault(k, 0)


@dataclass(slots=True)
class Frame:
    col: int
    kind: str  # node, header (InitPlan/SubPlan/CTE), worker
    obj: dict
    name: str = ""


def build(logical: list[Logical]) -> dict:
    """Turn logical lines into {"Plan": {...}, "Planning Time": ..., ...}."""
    top: dict = {}
    root_line = logical[0]
    arrow = ARROW_RE.match(root_line.text)  # a pasted subtree starts with "->"
    root = _node(root_line, arrow.group(2) if arrow else root_line.text)
    top["Plan"] = root
    base = root_line.col
    stack = [Frame(base, "node", root)]
    block = None  # the reader of an open "Planning:" or "JIT:" block
    for ln in logical[1:]:
        text, col = ln.body, ln.col
        if not text.startswith("->") and (col <= base or is_top_line(text)):
            block = _top_line(top, ln)
            continue
        if block is not None:
            _guard(ln, block, text)
            continue
        while stack and stack[-1].col >= col:
            stack.pop()
        if not stack:
            raise PlanParseError("line is indented less than the plan's first node", ln.no)
        _place(stack, ln, text, col)
    return top


def _place(stack: list[Frame], ln: Logical, text: str, col: int) -> None:
    """Attach one line (`text`, without its indentation) under the innermost open frame."""
    owner = stack[-1]
    if text.startswith("->"):
        node = _node(ln, text[2:])
        if owner.kind == "header":
            rel = "InitPlan" if owner.name.startswith(("InitPlan", "CTE")) else "SubPlan"
            node["Parent Relationship"] = rel
            node["Subplan Name"] = owner.name
            parent = stack[-2].obj
        elif owner.kind == "node":
            parent = owner.obj
            node["Parent Relationship"] = _relationship(parent)
        else:
            raise PlanParseError("a plan node cannot sit inside a worker's details", ln.no)
        parent.setdefault("Plans", []).append(node)
        stack.append(Frame(col, "node", node))
    elif owner.kind != "node" and owner.kind != "worker":
        raise PlanParseError("expected a plan node ('->  ...') under this InitPlan/SubPlan/CTE", ln.no)
    elif text.startswith(HEADER_STARTS) and (m := HEADER_RE.match(text)):
        stack.append(Frame(col, "header", owner.obj, m.group(2).strip()))
    elif owner.kind == "node" and text.startswith("Worker ") and (m := WORKER_RE.match(text)):
        worker = {"Worker Number": int(m.group(2))}
        owner.obj.setdefault("Workers", []).append(worker)
        stack.append(Frame(col, "worker", worker))
        if m.group(3):
            _worker_detail(worker, ln, m.group(3))
    else:
        _property(owner.obj, ln, text)


def _relationship(parent: dict) -> str:
    if parent["Node Type"] in MEMBER_PARENTS:
        return "Member"
    if parent["Node Type"] == "Subquery Scan":
        return "Subquery"
    for sibling in parent.get("Plans", ()):
        if sibling.get("Parent Relationship") in ("Outer", "Inner"):
            return "Inner"
    return "Outer"


def _node(ln: Logical, text: str) -> dict:
    split = split_stats(text)
    if split is None or not split[0]:
        raise PlanParseError(f"cannot read this plan node: {text.strip()[:80]!r}", ln.no)
    name, stats = split
    node = describe(name)  # a fresh dict: the stats go in after its keys, as in FORMAT JSON
    node.update(stats)
    return node


def _worker_detail(worker: dict, ln: Logical, text: str) -> None:
    if text.startswith("actual"):
        split = split_stats(f"({text})")
        if split is None:
            raise PlanParseError(f"cannot read worker timing {text!r}", ln.no)
        worker.update(split[1])
    else:
        _property(worker, ln, text)


def _property(target: dict, ln: Logical, text: str) -> None:
    m = PROP_RE.match(text)
    if not m:
        raise PlanParseError(f"expected 'Name: value', got {text[:80]!r}", ln.no)
    _guard(ln, set_property, target, m.group(2), m.group(3) or "")


def _top_line(top: dict, ln: Logical):
    """A line at the root's indentation: timing, JIT, Settings... Returns an open block."""
    return _guard(ln, set_top, top, ln.text.strip())


def _guard(ln: Logical, fn, *args):
    """Run a value reader; a bad value is reported at the last piece of the wrapped line."""
    try:
        return fn(*args)
    except (BadValue, ValueError, KeyError, IndexError) as exc:
        raise PlanParseError(str(exc) or "cannot read this line", ln.line_at(len(ln.text) - 1)) from None

