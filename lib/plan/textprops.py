"""Read the "Key: value" lines of a TEXT plan into FORMAT JSON keys.

Most keys keep their name and text ("Filter", "Index Cond"); the ones below carry several
values on one line ("Buckets: 1024  Batches: 1  Memory Usage: 9kB") or need a number.
"""

import re

from lib.plan.parens import scan

# keys PostgreSQL gives as lists in FORMAT JSON
LIST_KEYS = {"Output", "Sort Key", "Group Key", "Presorted Key", "Hash Key", "Conflict Arbiter Indexes"}
# keys that hold a count or a size
NUMBER_KEYS = {
    "Rows Removed by Filter", "Rows Removed by Join Filter", "Rows Removed by Index Recheck",
    "Heap Fetches", "Workers Planned", "Workers Launched", "Index Searches", "Subplans Removed",
    "Tuples Inserted", "Conflicting Tuples", "Query Identifier", "Functions",
}  # fmt: skip
BOOL_KEYS = {"Single Copy", "Disabled"}
BUFFER_KINDS = {"shared": "Shared", "local": "Local", "temp": "Temp"}
BUFFER_FIELDS = {"hit": "Hit", "read": "Read", "dirtied": "Dirtied", "written": "Written"}
PAIR_RE = re.compile(r"([a-z ]+?)=(-?[\d.]+)")
KB_RE = re.compile(r"^(-?\d+(?:\.\d+)?)\s*kB$")
INT_RE = re.compile(r"-?\d+")


class BadValue(ValueError):
    """The value does not have the shape its key calls for."""


def number(text: str) -> int | float:
    s = text.strip()
    m = KB_RE.match(s)
    if m:
        s = m.group(1)
    if INT_RE.fullmatch(s):
        return int(s)
    try:
        f = float(s)
    except ValueError:
        raise BadValue(f"expected a number, got {text.strip()!r}") from None
    return int(f) if f.is_integer() and "." not in s else f


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split on `sep` outside parentheses, brackets and quotes."""
    if sep not in text:
        return [text.strip()] if text.strip() else []
    parts, start, pos, depth, quote = [], 0, 0, 0, ""
    while (cut := text.find(sep, pos)) >= 0:
        depth, quote, _ = scan(text[pos:cut], depth, quote)
        if depth == 0 and not quote:
            parts.append(text[start:cut].strip())
            start = cut + 1
        pos = cut + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def fields(text: str) -> list[tuple[str, str]]:
    """'Buckets: 1024  Batches: 1  Memory Usage: 9kB' -> [(Buckets, 1024), ...]."""
    out = []
    for chunk in re.split(r"\s{2,}(?=[A-Z][\w -]*:)", text.strip()):
        key, _, value = chunk.partition(":")
        out.append((key.strip(), value.strip()))
    return out


def set_property(target: dict, key: str, value: str) -> None:
    """Store one TEXT property line into `target` (a node, a worker or the top level)."""
    handler = HANDLERS.get(key)
    if handler:
        handler(target, value)
    elif key in LIST_KEYS:
        target.setdefault(key, []).extend(split_top(value))
    elif key in NUMBER_KEYS:
        target[key] = number(value)
    elif key in BOOL_KEYS:
        target[key] = value.strip() == "true"
    else:
        target[key] = value


def _sort_method(target: dict, value: str) -> None:
    m = re.match(r"^(?P<method>.+?)\s+(?P<type>Memory|Disk):\s*(?P<used>\d+)kB$", value.strip())
    if not m:
        target["Sort Method"] = value.strip()
        return
    target["Sort Method"] = m["method"]
    target["Sort Space Used"] = int(m["used"])
    target["Sort Space Type"] = m["type"]


def _orig(value: str) -> tuple[int, int]:
    """'1024 (originally 512)' -> (1024, 512); '16' -> (16, 16)."""
    m = re.match(r"^(\d+)(?:\s*\(originally (\d+)\))?$", value.strip())
    if not m:
        raise BadValue(f"expected a count, got {value.strip()!r}")
    return int(m.group(1)), int(m.group(2) or m.group(1))


def _multi(names: dict):
    """A handler for lines of several 'Name: value' fields, mapped to JSON keys."""

    def handle(target: dict, value: str, first: str = "") -> None:
        for key, val in fields(f"{first}: {value}" if first else value):
            json_key = names.get(key)
            if json_key is None:
                target[key] = val
            elif callable(json_key):
                json_key(target, val)
            else:
                target[json_key] = number(val)

    return handle


def _hash_counts(kind: str):
    def handle(target: dict, value: str) -> None:
        now, orig = _orig(value)
        target[f"Hash {kind}"] = now
        target[f"Original Hash {kind}"] = orig

    return handle


def _buffers(target: dict, value: str) -> None:
    for part in split_top(value):
        kind, _, rest = part.partition(" ")
        prefix = BUFFER_KINDS.get(kind)
        if prefix is None:
            raise BadValue(f"unknown buffer kind {kind!r}")
        for field, count in PAIR_RE.findall(rest):
            name = BUFFER_FIELDS.get(field.strip())
            if name is None:
                raise BadValue(f"unknown buffer field {field!r}")
            target[f"{prefix} {name} Blocks"] = int(count)


def _io_timings(target: dict, value: str) -> None:
    # PG 14: "read=1.2 write=0.3"; 15-16: "shared/local read=..., temp read=...";
    # 17+: "shared read=..., local read=..., temp read=... write=..."
    prefixes = {"": "I/O", "shared/local": "I/O", "shared": "Shared I/O", "local": "Local I/O", "temp": "Temp I/O"}
    for part in split_top(value):
        m = re.match(r"^(?:(shared/local|shared|local|temp)\s+)?(.*)$", part)
        prefix = prefixes[m.group(1) or ""]
        for field, ms in PAIR_RE.findall(m.group(2)):
            what = {"read": "Read", "write": "Write"}.get(field.strip())
            if what is None:
                raise BadValue(f"unknown I/O timing {field!r}")
            target[f"{prefix} {what} Time"] = float(ms)


def _wal(target: dict, value: str) -> None:
    names = {"records": "WAL Records", "fpi": "WAL FPI", "bytes": "WAL Bytes", "buffers full": "WAL Buffers Full"}
    for field, count in PAIR_RE.findall(value):
        target[names.get(field.strip(), f"WAL {field.strip()}")] = number(count)


def _heap_blocks(target: dict, value: str) -> None:
    for field, count in PAIR_RE.findall(value):
        target[f"{field.strip().capitalize()} Heap Blocks"] = int(count)


def _sort_group(key: str):
    """Incremental Sort: 'Full-sort Groups: 1  Sort Method: quicksort  Average Memory: 25kB ...'."""

    def handle(target: dict, value: str) -> None:
        group: dict = {}
        parts = fields(value)
        group["Group Count"] = number(parts[0][1] if parts[0][0] == "" else parts[0][0])
        for name, val in parts[1:]:
            if name in ("Sort Method", "Sort Methods"):
                group["Sort Methods Used"] = split_top(val)
            elif (m := re.match(r"^(Average|Peak) (Memory|Disk)$", name)) is not None:
                space = group.setdefault(f"Sort Space {m.group(2)}", {})
                space[f"{m.group(1)} Sort Space Used"] = number(val)
            else:
                group[name] = val
        target[key] = group

    return handle


def _storage(target: dict, value: str) -> None:
    parts = fields(f"Storage: {value}")
    for key, val in parts:
        target[key] = number(val) if key == "Maximum Storage" else val


def _settings(target: dict, value: str) -> None:
    settings = target.setdefault("Settings", {})
    for part in split_top(value):
        name, _, val = part.partition("=")
        settings[name.strip()] = val.strip().strip("'")


HASH_FIELDS = {"Buckets": _hash_counts("Buckets"), "Batches": _hash_counts("Batches"),
               "Memory Usage": "Peak Memory Usage"}  # fmt: skip
HASHAGG_FIELDS = {"Planned Partitions": "Planned Partitions", "Batches": "HashAgg Batches",
                  "Memory Usage": "Peak Memory Usage", "Disk Usage": "Disk Usage"}  # fmt: skip
MEMOIZE_FIELDS = {"Hits": "Cache Hits", "Misses": "Cache Misses", "Evictions": "Cache Evictions",
                  "Overflows": "Cache Overflows", "Memory Usage": "Peak Memory Usage"}  # fmt: skip


def _first(handler, name: str):
    return lambda target, value: handler(target, value, name)


HANDLERS = {
    "Sort Method": _sort_method,
    "Buckets": _first(_multi(HASH_FIELDS), "Buckets"),
    "Batches": _first(_multi(HASHAGG_FIELDS), "Batches"),
    "Planned Partitions": _first(_multi(HASHAGG_FIELDS), "Planned Partitions"),
    "Hits": _first(_multi(MEMOIZE_FIELDS), "Hits"),
    "Buffers": _buffers,
    "I/O Timings": _io_timings,
    "WAL": _wal,
    "Heap Blocks": _heap_blocks,
    "Full-sort Groups": _sort_group("Full-sort Groups"),
    "Pre-sorted Groups": _sort_group("Pre-sorted Groups"),
    "Storage": _storage,
    "Settings": _settings,
}
