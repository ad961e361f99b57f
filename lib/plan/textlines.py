"""Find a TEXT plan among what was pasted around it, and join the lines a client wrapped.

`plan_lines` drops prompts, SQL, comments, headers and footers; `unwrap` joins the pieces
of lines cut at some width (terminal, mail client) into logical lines that remember which
pasted line each piece came from; `statements` splits several plans pasted one after another.
"""

import re
from dataclasses import dataclass

from lib.plan.errors import PlanParseError
from lib.plan.frames import BOX, Line, is_footer, is_separator
from lib.plan.parens import scan
from lib.plan.textnode import HAS_STATS_RE, looks_like_node, split_stats
from lib.plan.texttop import is_top_line

ARROW_RE = re.compile(r"^(\s*)->\s*(.*)$")
HEADER_RE = re.compile(r"^(\s*)((?:InitPlan|SubPlan)(?: [^\s(]+)?(?: \(returns [^)]*\))?|CTE \S.*)$")
WORKER_RE = re.compile(r"^(\s*)Worker (\d+):\s*(.*)$")
PROP_RE = re.compile(r"^(\s*)([A-Z][\w/-]*(?: [\w/-]+)*):(?:\s+(.*))?$")
# comments and Markdown code fences around a pasted plan
COMMENT_RE = re.compile(r"^\s*(#|--\s|--$|```|~~~)")
# what people paste above a plan: psql prompts, SQL, "QUERY PLAN" headers, timings
PREAMBLE_RE = re.compile(
    r"^\s*(QUERY PLAN\b|\S+[=-][#>]\s|(explain|select|with|insert|update|delete|set|begin|commit|rollback|"
    r"start|prepare|execute)\b|SET$|Time: |Temps : )",
    re.IGNORECASE,
)
# what ends a plan: the next psql prompt, or psql's \timing line
STOP_RE = re.compile(r"^(\S+[=-][#>]\s|(Time|Temps|Zeit|Tiempo)\s?: \d)")


@dataclass(slots=True)
class Logical:
    """One plan line after joining wrapped pieces, from pasted line `no`.

    `col` is its indentation and `body` the text after it, measured once: a 10,000-node plan
    has lines hundreds of spaces deep, and every pass that stripped them again added up.
    `parts` keep (offset, pasted line number) of each piece, only when pieces were joined (one
    list per line of a large plan costs more in garbage collection than it says)."""

    text: str
    no: int
    col: int = 0
    body: str = ""
    parts: list[tuple[int, int]] | None = None

    def line_at(self, offset: int) -> int:
        if self.parts is None:
            return self.no
        return [no for start, no in self.parts if start <= offset][-1]


def indent(text: str) -> int:
    return split_indent(text)[0]


def split_indent(text: str) -> tuple[int, str]:
    """(number of leading spaces, the text after them)."""
    body = text.lstrip()  # several times faster than lstrip(" "), which the rare other blank needs
    col = len(text) - len(body)
    if col and text.count(" ", 0, col) != col:
        body = text.lstrip(" ")
        col = len(text) - len(body)
    return col, body


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
    out: list[Line] = []
    after_blank = False
    for ln in lines[start:]:
        text = ln.text
        body = text.lstrip()
        if not body:
            after_blank = True
            continue
        if body[0] == "(" and is_footer(text):
            break
        if out and (body.startswith(("```", "~~~")) or (text[0] != " " and STOP_RE.match(text))):
            break
        if out and after_blank and _is_prose(text, indent(out[0].text)):
            break  # words after the plan ("thanks!") are not a wrapped piece of it
        after_blank = False
        if body.startswith(("#", "--")) and COMMENT_RE.match(body):
            continue
        if body[-1] not in BOX or not is_separator(body):  # is_separator's first test, without the call
            out.append(ln)
    return out


def _is_prose(text: str, base: int) -> bool:
    return indent(text) <= base and not is_top_line(text.strip()) and not HAS_STATS_RE.search(text)


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


QUOTED_RE = re.compile(r"'[^']*'|\"[^\"]*\"")


def _paren_depth(text: str, depth: int = 0, quote: str = "") -> tuple[int, str]:
    """Open parentheses after `text`, and the quote still open, ignoring quoted parts."""
    if not quote and "'" not in text and '"' not in text:  # most lines: no quote at all
        return depth + text.count("(") - text.count(")"), ""
    if not quote and text.count("'") % 2 == 0 and text.count('"') % 2 == 0:
        bare = QUOTED_RE.sub("", text) if ("'" in text or '"' in text) else text
        if "'" not in bare and '"' not in bare:
            return depth + bare.count("(") - bare.count(")"), ""
    depth, quote, _ = scan(text, depth, quote)
    return depth, quote


def unwrap(lines: list[Line]) -> list[Logical]:
    """Join the pieces of lines that were wrapped at some width."""
    if not lines:
        return []
    base = indent(lines[0].text)
    out: list[Logical] = []
    cur: Logical | None = None
    depth, quote = 0, ""
    for ln in lines:
        text = ln.text
        col, body = split_indent(text)
        if cur is not None and _continues(body, col, base, depth > 0 or bool(quote)):
            if cur.parts is None:
                cur.parts = [(0, cur.no)]
            cur.parts.append((len(cur.text), ln.no))
            cur.text += text
            cur.body += text
        else:
            cur = Logical(text, ln.no, col, body)
            out.append(cur)
            depth, quote = 0, ""
        depth, quote = _paren_depth(body, depth, quote)
    return out


def _continues(text: str, col: int, base: int, open_before: bool) -> bool:
    """Whether a pasted line (`text` after its `col` spaces) is the rest of the line before."""
    arrow = text.startswith("->")
    if (arrow and col > base or col == base) and HAS_STATS_RE.search(text):
        if arrow or _root_at(text, col, base):
            return False  # a whole node line never continues an unfinished expression
    if open_before or col < base:
        return True
    if col == base:
        return not is_top_line(text)
    return not (arrow or PROP_RE.match(text) or HEADER_RE.match(text) or WORKER_RE.match(text))  # commonest first


def is_root_line(text: str, base: int) -> bool:
    """The first line of another plan pasted after the first: a node at the root's indentation."""
    col, body = split_indent(text)
    return _root_at(body, col, base)


def _root_at(text: str, col: int, base: int) -> bool:
    if col != base or ARROW_RE.match(text) or not HAS_STATS_RE.search(text):
        return False
    split = split_stats(text)
    return bool(split and split[1] and looks_like_node(split[0]))


def statements(logical: list[Logical]) -> list[list[Logical]]:
    """Split logical lines where a second plan starts."""
    base = logical[0].col
    out = [[logical[0]]]
    for ln in logical[1:]:
        if ln.col == base and _root_at(ln.body, base, base):
            out.append([])
        out[-1].append(ln)
    return out
