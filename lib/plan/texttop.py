"""The lines after the node tree of a TEXT plan: timings, Planning, JIT, Settings, Triggers."""

import re
from collections.abc import Callable

from lib.plan.textprops import BadValue, number, set_property, split_top

TIME_KEYS = {
    "Planning Time": "Planning Time",
    "Planning time": "Planning Time",
    "Execution Time": "Execution Time",
    "Execution time": "Execution Time",
    "Total runtime": "Execution Time",  # before PostgreSQL 9.4
}
TOP_KEYS = set(TIME_KEYS) | {"Planning", "JIT", "Settings", "Query Identifier", "Serialization", "Time"}
TOP_LINE_RE = re.compile(r"^(?P<key>[A-Z][\w ]*?):(?:\s+(?P<value>.*))?$")
TRIGGER_RE = re.compile(
    r"^Trigger (?P<name>.+?)(?: for constraint (?P<con>.+?))?(?: on (?P<rel>.+?))?:"
    r"(?: time=(?P<time>[\d.]+))? calls=(?P<calls>\d+)$"
)
MS_RE = re.compile(r"^(-?\d+(?:\.\d+)?)\s*ms$")

Block = Callable[[str], None]


TOP_PREFIXES = (*TOP_KEYS, "Trigger ")


def is_top_line(text: str) -> bool:
    if not text.startswith(TOP_PREFIXES):
        return False
    m = TOP_LINE_RE.match(text)
    return bool(m and m["key"] in TOP_KEYS) or bool(TRIGGER_RE.match(text))


def ms(text: str) -> float:
    m = MS_RE.match(text.strip())
    if not m:
        raise BadValue(f"expected a duration like '1.234 ms', got {text.strip()!r}")
    return float(m.group(1))


def set_top(top: dict, text: str) -> Block | None:
    """Store one top-level line; for 'Planning:' and 'JIT:' return the reader of their block."""
    if m := TRIGGER_RE.match(text):
        trig = {"Trigger Name": m["name"], "Calls": int(m["calls"])}
        if m["con"]:
            trig["Constraint Name"] = m["con"]
        if m["rel"]:
            trig["Relation"] = m["rel"]
        if m["time"]:
            trig["Time"] = float(m["time"])
        top.setdefault("Triggers", []).append(trig)
        return None
    m = TOP_LINE_RE.match(text)
    if not m or m["key"] not in TOP_KEYS:
        raise BadValue(f"unexpected line after the plan: {text[:80]!r}")
    key, value = m["key"], (m["value"] or "")
    if key in TIME_KEYS:
        top[TIME_KEYS[key]] = ms(value)
    elif key == "Planning":
        return _planning_block(top.setdefault("Planning", {}))
    elif key == "JIT":
        return _jit_block(top.setdefault("JIT", {}))
    elif key == "Settings":
        set_property(top, "Settings", value)
    elif key == "Query Identifier":
        top[key] = number(value)
    elif key == "Serialization":
        top[key] = _serialization(value)
    return None  # "Time:" is psql's \timing, not part of the plan


def _planning_block(planning: dict) -> Block:
    def read(text: str) -> None:
        key, _, value = text.partition(":")
        if key == "Memory":  # PG 17 EXPLAIN (MEMORY): "used=12kB  allocated=16kB"
            for name, kb in re.findall(r"(\w+)=(\d+)kB", value):
                planning[f"Memory {name.capitalize()}"] = int(kb)
        else:
            set_property(planning, key.strip(), value.strip())

    return read


def _jit_block(jit: dict) -> Block:
    def read(text: str) -> None:
        key, _, value = text.partition(":")
        key, value = key.strip(), value.strip()
        if key == "Options":
            jit["Options"] = {k: v == "true" for k, v in (p.rsplit(" ", 1) for p in split_top(value))}
        elif key == "Timing":
            jit["Timing"] = _jit_timing(value)
        elif key == "Functions":
            jit["Functions"] = number(value)
        else:
            jit[key] = value

    return read


def _jit_timing(value: str) -> dict:
    """'Generation 0.340 ms (Deform 0.1 ms), Inlining 0.000 ms, ...' (Deform since PG 17)."""
    timing: dict = {}
    for part in split_top(value):
        m = re.match(r"^(\w+) (-?[\d.]+) ms(?: \((\w+) (-?[\d.]+) ms\))?$", part)
        if not m:
            raise BadValue(f"cannot read JIT timing {part!r}")
        if m.group(3):
            timing[m.group(1)] = {m.group(3): float(m.group(4)), "Total": float(m.group(2))}
        else:
            timing[m.group(1)] = float(m.group(2))
    return timing


def _serialization(value: str) -> dict:
    out: dict = {}
    for name, val in re.findall(r"(\w+)=(\S+)", value):
        if name == "time":
            out["Time"] = float(val.removesuffix("ms"))
        elif name == "output":
            out["Output Volume"] = number(val)
        else:
            out[name.capitalize()] = val
    return out
