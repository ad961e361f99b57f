"""Read one node line of a TEXT plan into FORMAT JSON keys.

"Index Scan Backward using i on public.t x  (cost=0.42..8.44 rows=1 width=4) (actual ...)"
gives Node Type, Scan Direction, Index Name, Schema, Relation Name, Alias, costs and actuals,
named as PostgreSQL names them in FORMAT JSON.
"""

import re

NUM = r"-?\d+(?:\.\d+)?"
# \s* between fields: a wrapped line loses the space where it was cut when trailing
# blanks are trimmed by the mail client
# what follows the node's name: matched (fullmatch) from where one of its parentheses opens
STATS_TAIL_RE = re.compile(
    rf"(?:\(cost=(?P<sc>{NUM})\.\.(?P<tc>{NUM})\s*rows=(?P<pr>{NUM})\s*width=(?P<pw>\d+)\))?\s*"
    rf"(?:\(actual\s*(?:time=(?P<ast>{NUM})\.\.(?P<att>{NUM})\s*)?rows=(?P<ar>{NUM})\s*loops=(?P<al>\d+)\)"
    rf"|\((?P<never>never executed)\))?\s*"
)
STATS_OPEN_RE = re.compile(r"\((?=cost=|actual|never executed\))")
HAS_STATS_RE = re.compile(r"\((?:cost=\d|actual (?:time|rows)=|never executed\))")

JOIN_TYPES = "Left|Right|Full|Semi|Anti|Right Semi|Right Anti"
JOIN_RE = re.compile(rf"^(?:(?P<nl>Nested Loop)(?: (?P<jt1>{JOIN_TYPES}) Join)?|(?P<kind>Hash|Merge)(?: (?P<jt2>{JOIN_TYPES}))? Join)$")
AGG_STRATEGY = {"Aggregate": "Plain", "GroupAggregate": "Sorted", "HashAggregate": "Hashed", "MixedAggregate": "Mixed"}
SETOP_RE = re.compile(r"^(?P<kind>SetOp|HashSetOp)(?: (?P<cmd>Intersect All|Intersect|Except All|Except))?$")
MODIFY_RE = re.compile(r"^(?P<op>Insert|Update|Delete|Merge) on (?P<target>.+)$")
INDEX_RE = re.compile(r"^(?P<type>Index Scan|Index Only Scan)(?P<back> Backward)? using (?P<index>.+?) on (?P<target>.+)$")
CUSTOM_RE = re.compile(r"^Custom Scan \((?P<provider>[^)]*)\)(?: on (?P<target>.+))?$")

# scans whose "on X [alias]" names something else than a table
TARGET_KEY = {
    "Function Scan": "Function Name",
    "CTE Scan": "CTE Name",
    "WorkTable Scan": "CTE Name",
    "Named Tuplestore Scan": "Tuplestore Name",
    "Bitmap Index Scan": "Index Name",
    "Table Function Scan": "Table Function Name",
}
ON_TYPES = (
    "Seq Scan", "Sample Scan", "Bitmap Heap Scan", "Tid Scan", "Tid Range Scan", "Foreign Scan",
    "Function Scan", "CTE Scan", "WorkTable Scan", "Named Tuplestore Scan", "Bitmap Index Scan",
    "Table Function Scan", "Subquery Scan", "Values Scan",
)  # fmt: skip
ON_SET = frozenset(ON_TYPES)
PREFIXES = ("Parallel ", "Async ", "Partial ", "Finalize ")
PLAIN_TYPES = {
    "Result", "ProjectSet", "Append", "Merge Append", "Recursive Union", "BitmapAnd", "BitmapOr",
    "Materialize", "Memoize", "Sort", "Incremental Sort", "Group", "WindowAgg", "Unique", "Gather",
    "Gather Merge", "Hash", "LockRows", "Limit", "Foreign Scan", "Nested Loop", "Hash Join",
    "Merge Join", "Aggregate", "SetOp", "ModifyTable", "Custom Scan",
}  # fmt: skip
IDENT_RE = re.compile(r'"(?:[^"]|"")*"|[^\s".]+')


def split_stats(text: str) -> tuple[str, dict] | None:
    """(node name, {cost and actual keys}) or None when the line has trailing junk."""
    s = text.strip()
    # The name ends where the first stats parenthesis opens that the rest of the line fully
    # matches (one regex with a lazy name tried the stats at every character: slow on 10k nodes).
    name, m = s, None
    for opening in STATS_OPEN_RE.finditer(s):
        m = STATS_TAIL_RE.fullmatch(s, opening.start())
        if m:
            name = s[: opening.start()]
            break
    if HAS_STATS_RE.search(name):  # stats followed by something else
        return None
    out: dict = {}
    if m is None:
        return name.strip(), out
    sc, tc, pr, pw, ast, att, ar, al, never = m.groups()
    if sc is not None:
        out["Startup Cost"] = float(sc)
        out["Total Cost"] = float(tc)
        out["Plan Rows"] = _num(pr)
        out["Plan Width"] = int(pw)
    if ar is not None:
        if ast is not None:
            out["Actual Startup Time"] = float(ast)
            out["Actual Total Time"] = float(att)
        out["Actual Rows"] = _num(ar)
        out["Actual Loops"] = int(al)
    elif never:
        out["Actual Rows"] = 0
        out["Actual Loops"] = 0
    return name.strip(), out


def _num(s: str) -> float | int:
    if "." not in s and len(s) < 16:  # an integer a float holds exactly: the same value, sooner
        return int(s)
    f = float(s)
    return int(f) if f.is_integer() and "." not in s else f


def looks_like_node(name: str) -> bool:
    """Whether a line without costs still names a plan node (COSTS OFF plans)."""
    return bool(describe(name)) and describe(name)["Node Type"] in PLAIN_TYPES | set(ON_TYPES) | {
        "Index Scan", "Index Only Scan"}


def describe(name: str) -> dict:
    """FORMAT JSON keys told by the node's name: type, join type, relation, index..."""
    out: dict = {"Parallel Aware": False, "Async Capable": False}
    rest = name
    if name.startswith(PREFIXES):  # most names have none: one test instead of four
        for prefix, key in (("Parallel ", "Parallel Aware"), ("Async ", "Async Capable")):
            if rest.startswith(prefix):
                out[key] = True
                rest = rest[len(prefix) :]
        for prefix, mode in (("Partial ", "Partial"), ("Finalize ", "Finalize")):
            if rest.startswith(prefix):
                out["Partial Mode"] = mode
                rest = rest[len(prefix) :]
    _kind(rest, out)
    if "Partial Mode" in out and out["Node Type"] != "Aggregate":
        # "Partial" was part of an unknown name, not an aggregate mode
        out.pop("Partial Mode")
        out["Node Type"] = name
    return out


def _kind(rest: str, out: dict) -> None:
    """Add the keys told by the name without its Parallel/Async/Partial prefixes to `out`."""
    head, on, target = rest.partition(" on ")
    if on and head in ON_SET:  # the usual scans first; no pattern below matches these names
        out["Node Type"] = head
        _target(head, target.strip(), out)
        return
    if m := JOIN_RE.match(rest):
        out["Node Type"] = "Nested Loop" if m["nl"] else f"{m['kind']} Join"
        out["Join Type"] = m["jt1"] or m["jt2"] or "Inner"
    elif rest in AGG_STRATEGY:
        out["Node Type"] = "Aggregate"
        out["Strategy"] = AGG_STRATEGY[rest]
    elif m := SETOP_RE.match(rest):
        out["Node Type"] = "SetOp"
        out["Strategy"] = "Hashed" if m["kind"] == "HashSetOp" else "Sorted"
        if m["cmd"]:
            out["Command"] = m["cmd"]
    elif m := MODIFY_RE.match(rest):
        out["Node Type"] = "ModifyTable"
        out["Operation"] = m["op"]
        relation(m["target"], out)
    elif m := INDEX_RE.match(rest):
        out["Node Type"] = m["type"]
        out["Scan Direction"] = "Backward" if m["back"] else "Forward"
        out["Index Name"] = unquote(m["index"])
        relation(m["target"], out)
    elif m := CUSTOM_RE.match(rest):
        out["Node Type"] = "Custom Scan"
        out["Custom Plan Provider"] = m["provider"]
        if m["target"]:
            relation(m["target"], out)
    else:
        _on_type(rest, out)


def _on_type(rest: str, out: dict) -> None:
    if " on " not in rest and not rest.startswith("Subquery Scan "):  # "Sort", "Limit"...: no target
        out["Node Type"] = rest
        return
    for t in ON_TYPES:
        if rest == t:
            out["Node Type"] = t
            return
        if rest.startswith(t + " on ") or (t == "Subquery Scan" and rest.startswith(t + " ")):
            out["Node Type"] = t
            _target(t, rest[len(t) :].removeprefix(" on ").strip(), out)
            return
    out["Node Type"] = rest


def _target(node_type: str, target: str, out: dict) -> None:
    if node_type in ("Subquery Scan", "Values Scan"):
        out["Alias"] = unquote(target)
    elif node_type in TARGET_KEY:
        names, alias = split_target(target)
        out[TARGET_KEY[node_type]] = names[-1]
        if len(names) > 1:
            out["Schema"] = names[-2]
        if node_type != "Bitmap Index Scan":
            out["Alias"] = alias or names[-1]
    else:
        relation(target, out)


def relation(target: str, out: dict) -> None:
    names, alias = split_target(target)
    out["Relation Name"] = names[-1]
    out["Alias"] = alias or names[-1]
    if len(names) > 1:
        out["Schema"] = names[-2]


def split_target(target: str) -> tuple[list[str], str | None]:
    """'public."my.table" x' -> (['public', 'my.table'], 'x')."""
    pos, names = 0, []
    target = target.strip()
    while pos < len(target):
        m = IDENT_RE.match(target, pos)
        if not m:
            break
        names.append(unquote(m.group()))
        pos = m.end()
        if target[pos : pos + 1] != ".":
            break
        pos += 1
    alias = target[pos:].strip() or None
    return names or [target], unquote(alias) if alias else None


def unquote(ident: str) -> str:
    if len(ident) >= 2 and ident.startswith('"') and ident.endswith('"'):
        return ident[1:-1].replace('""', '"')
    return ident
