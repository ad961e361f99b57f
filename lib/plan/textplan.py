"""Read a TEXT format plan (as psql or a mail client left it) into FORMAT JSON structure.

Three passes: find where the plan starts and ends among prompts, comments and headers;
join lines that a terminal or mail client wrapped; then build the tree from indentation.
"""

import re
from dataclasses import dataclass, field

from lib.plan.errors import PlanParseError
from lib.plan.frames import Line, is_footer, is_separator
from lib.plan.textnode import HAS_STATS_RE, describe, looks_like_node, split_stats
from lib.plan.textprops import BadValue, set_property
from lib.plan.texttop import is_top_line, set_top

ARROW_RE = re.compile(r"^(\s*)->\s*(.*)$")
HEADER_RE = re.compile(r"^(\s*)((?:InitPlan|SubPlan)(?: [^\s(]+)?(?: \(returns [^)]*\))?|CTE \S.*)$")
WORKER_RE = re.compile(r"^(\s*)Worker (\d+):\s*(.*)$")
PROP_RE = re.compile(r"^(\s*)([A-Z][\w/-]*(?: [\w/-]+)*):(?:\s+(.*))?$")
COMMENT_RE = re.compile(r"^\s*(#|--\s|--$)")
# what people paste above a plan: psql prompts, SQL, "QUERY PLAN" headers, timings
PREAMBLE_RE = re.compile(
    r"^\s*(QUERY PLAN\b|\S+[=-][#>]\s|(explain|select|with|insert|update|delete|set|begin|commit|rollback|"
    r"start|prepare|execute)\b|SET$|Time: |Temps : )",
    re.IGNORECASE,
)


@dataclass
class Logical:
    """One plan line after joining wrapped pieces; parts keep (offset, original line)."""

    text: str
    parts: list[tuple[int, int]] = field(default_factory=list)

    @property
    def no(self) -> int:
        return self.parts[0][1]

    def line_at(self, offset: int) -> int:
        return [no for start, no in self.parts if start <= offset][-1]


BUFFER_KEYS = [f"{kind} {field} Blocks" for kind in ("Shared", "Local", "Temp")
               for field in ("Hit", "Read", "Dirtied", "Written")]  # fmt: skip


def parse_text(lines: list[Line]) -> list[dict]:
    body = plan_lines(lines)
    logical = unwrap(body)
    top = build(logical)
    _zero_buffers(top["Plan"])
    planning = top.get("Planning")
    if planning and any(k in planning for k in BUFFER_KEYS):
        for k in BUFFER_KEYS:
            planning.setdefault(k, 0)
    return [top]


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


def plan_lines(lines: list[Line]) -> list[Line]:
    """The lines of the plan itself, from its root node to its last line."""
    first = next((i for i, ln in enumerate(lines) if _starts_node(ln.text)), None)
    if first is None:
        return _costless_plan(lines)
    start = first
    if ARROW_RE.match(lines[first].text):
        # the root's own line is above (wrapped, or printed without costs): walk back to it
        while start > 0 and not _is_boundary(lines[start - 1].text):
            start -= 1
    out = []
    for ln in lines[start:]:
        if is_footer(ln.text):
            break
        if ln.text.strip() and not COMMENT_RE.match(ln.text) and not is_separator(ln.text):
            out.append(ln)
    return out


def _starts_node(text: str) -> bool:
    return bool(HAS_STATS_RE.search(text)) or bool(ARROW_RE.match(text) and not COMMENT_RE.match(text))


def _is_boundary(text: str) -> bool:
    return not text.strip() or is_separator(text) or bool(COMMENT_RE.match(text) or PREAMBLE_RE.match(text))


def _costless_plan(lines: list[Line]) -> list[Line]:
    """A plan printed with COSTS OFF and no ANALYZE has no "(cost=": one line, no arrows."""
    filled = [ln for ln in lines if ln.text.strip() and not is_separator(ln.text)]
    candidates = [ln for ln in filled if not _is_boundary(ln.text) and not is_footer(ln.text)]
    if candidates and looks_like_node(candidates[0].text.strip()):
        first = candidates[0]
        return [ln for ln in candidates if ln.no >= first.no]
    where = candidates[0].no if candidates else (filled[0].no if filled else 1)
    raise PlanParseError("no plan node found (expected a line like 'Seq Scan on t  (cost=...)')", where)


def _paren_depth(text: str, depth: int = 0, quote: str = "") -> tuple[int, str]:
    for c in text:
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
    return depth, quote


def unwrap(lines: list[Line]) -> list[Logical]:
    """Join the pieces of lines that were wrapped at some width."""
    if not lines:
        return []
    base = _indent(lines[0].text)
    out: list[Logical] = []
    depth, quote = 0, ""
    for ln in lines:
        text = ln.text
        open_before = depth > 0 or bool(quote)
        if out and _continues(text, base, open_before):
            cur = out[-1]
            cur.parts.append((len(cur.text), ln.no))
            cur.text += text
        else:
            out.append(Logical(text, [(0, ln.no)]))
            depth, quote = 0, ""
        depth, quote = _paren_depth(text, depth, quote)
    return out


def _continues(text: str, base: int, open_before: bool) -> bool:
    indent = _indent(text)
    if ARROW_RE.match(text) and HAS_STATS_RE.search(text) and indent > base:
        return False  # a whole node line never continues an unfinished expression
    if open_before or indent < base:
        return True
    if indent == base:
        return not is_top_line(text.strip())
    return not (ARROW_RE.match(text) or HEADER_RE.match(text) or WORKER_RE.match(text) or PROP_RE.match(text))


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


@dataclass
class Frame:
    col: int
    kind: str  # node, header, worker, block
    obj: dict
    name: str = ""


def build(logical: list[Logical]) -> dict:
    """Turn logical lines into {"Plan": {...}, "Planning Time": ..., ...}."""
    top: dict = {}
    root_line = logical[0]
    root = _node(root_line, root_line.text)
    top["Plan"] = root
    base = _indent(root_line.text)
    stack = [Frame(base, "node", root)]
    block = None  # the reader of an open "Planning:" or "JIT:" block
    for ln in logical[1:]:
        col = _indent(ln.text)
        if not ARROW_RE.match(ln.text) and (col <= base or is_top_line(ln.text.strip())):
            block = _top_line(top, ln)
            continue
        if block is not None:
            _guard(ln, block, ln.text.strip())
            continue
        while stack and stack[-1].col >= col:
            stack.pop()
        if not stack:
            raise PlanParseError("line is indented less than the plan's first node", ln.no)
        _place(stack, ln, col)
    return top


def _place(stack: list[Frame], ln: Logical, col: int) -> None:
    owner = stack[-1]
    if m := ARROW_RE.match(ln.text):
        node = _node(ln, m.group(2))
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
    elif m := HEADER_RE.match(ln.text):
        stack.append(Frame(col, "header", owner.obj, m.group(2).strip()))
    elif owner.kind == "node" and (m := WORKER_RE.match(ln.text)):
        worker = {"Worker Number": int(m.group(2))}
        owner.obj.setdefault("Workers", []).append(worker)
        stack.append(Frame(col, "worker", worker))
        if m.group(3):
            _worker_detail(worker, ln, m.group(3))
    else:
        _property(owner.obj, ln, ln.text.strip())


def _relationship(parent: dict) -> str:
    members = {"Append", "Merge Append", "BitmapAnd", "BitmapOr", "ModifyTable"}
    if parent["Node Type"] in members:
        return "Member"
    if parent["Node Type"] == "Subquery Scan":
        return "Subquery"
    plain = [p for p in parent.get("Plans", []) if p.get("Parent Relationship") in ("Outer", "Inner")]
    return "Outer" if not plain else "Inner"


def _node(ln: Logical, text: str) -> dict:
    split = split_stats(text)
    if split is None or not split[0]:
        raise PlanParseError(f"cannot read this plan node: {text.strip()[:80]!r}", ln.no)
    name, stats = split
    return {**describe(name), **stats}


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

