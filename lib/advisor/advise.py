"""The index advisor: which indexes to create for the whole workload.

    advice = advise(db)                       # the busiest statements of pg_stat_statements
    advice = advise(db, sql_texts=[text])     # SQL someone pasted
    advice.recommendations, advice.notes, advice.to_json()

1. Each statement is read with PostgreSQL's parser (lib.advisor.predicates) and its tables resolved
   as PostgreSQL would (lib.statements.table_keys); views, partitioned and foreign tables get a note.
2. Candidates per table (lib.advisor.candidates); one an existing index already serves is left out.
3. With hypopg (and a direct connection): every statement is planned without and with each
   candidate as a hypothetical index (lib.advisor.whatif); a set is then chosen greedily for the
   workload, by cost saved × calls (an index serving five statements beats five indexes), and the
   chosen set is planned together once more for the costs shown. Without hypopg: the same greedy
   choice on rows read, estimated from pg_stats, labelled "not verified".
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace

from lib.advisor import candidates as cands
from lib.advisor import values as vals
from lib.advisor import whatif
from lib.advisor.candidates import Candidate, Table
from lib.advisor.predicates import Reading, read
from lib.core.findings import Action
from lib.sqltext.names import TableRef
from lib.statements import explorer, table_keys

DEFAULT_TOP = 100
PLANNED_KINDS = ("select", "update", "delete")
MIN_IMPROVEMENT = 0.10  # a statement counts as served when its cost drops by at least this share
MIN_SHARE = 0.001  # the greedy choice stops below this share of the workload's (calls-weighted) cost
MAX_PER_TABLE = 5  # more new indexes than this on one table cost more in writes than reads would gain
MIN_ROWS_AVOIDED = 1000  # statistics only: fewer rows avoided per call is not worth an index
NOT_VERIFIED = "not verified: enable hypopg to verify"
HYPOPG_HOW = ("CREATE EXTENSION hypopg; (Debian/Ubuntu: apt-get install postgresql-NN-hypopg first; "
              "Supabase: Database → Extensions → hypopg, in schema extensions)")


@dataclass
class Workload:
    """One statement of the workload and what the advisor learnt about it."""

    queryid: int | None
    query: str
    calls: int
    total_ms: float = 0.0
    reading: Reading | None = None
    placeholders: tuple[int, ...] = ()
    cost_before: float | None = None
    problem: str | None = None

    def short(self, width: int = 90) -> str:
        return explorer.one_line(self.query, width)


@dataclass
class Served:
    statement: Workload
    cost_before: float | None
    cost_after: float | None
    rows_before: float | None = None  # statistics only: rows read per call now, and with the index
    rows_after: float | None = None

    @property
    def speedup(self) -> float | None:
        if self.cost_before is None or not self.cost_after:
            return None
        return self.cost_before / self.cost_after


@dataclass
class Recommendation:
    candidate: Candidate
    action: Action
    table: Table
    statements: list[Served]
    estimated_bytes: int
    benefit: float  # verified: planner cost saved × calls; otherwise rows read avoided × calls
    verified: bool

    @property
    def sql(self) -> str:
        return self.action.sql

    @property
    def writes_per_day(self) -> float:
        return self.table.writes_per_day

    def serves(self, queryid: int | None) -> bool:
        return any(s.statement.queryid == queryid for s in self.statements)

    def to_json(self) -> dict:
        return {
            "table": self.table.display,
            "sql": self.sql,
            "columns": self.candidate.columns,
            "include": list(self.candidate.include),
            "where": self.candidate.where.label if self.candidate.where else None,
            "estimated_bytes": self.estimated_bytes,
            "writes_per_day": round(self.writes_per_day, 1),
            "statements": [{
                "queryid": s.statement.queryid, "query": s.statement.query, "calls": s.statement.calls,
                "cost_before": _round(s.cost_before), "cost_after": _round(s.cost_after),
            } for s in self.statements],
            "benefit": round(self.benefit, 1),
            "verified": self.verified,
        }


@dataclass
class Advice:
    database: str
    hypopg: bool  # the recommendations were verified with hypothetical indexes
    recommendations: list[Recommendation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    statements: list[Workload] = field(default_factory=list)
    already_served: list[tuple[str, str]] = field(default_factory=list)  # (candidate, existing index)
    tables: dict[TableRef, Table] = field(default_factory=dict)  # as the statements spell them

    def to_json(self) -> dict:
        return {"database": self.database, "hypopg": self.hypopg,
                "recommendations": [r.to_json() for r in self.recommendations], "notes": self.notes}

    def for_statement(self, queryid: int) -> list[Recommendation]:
        return [r for r in self.recommendations if r.serves(queryid)]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def workload_from_pgss(db, top: int) -> list[Workload]:
    return [Workload(s.queryid, s.query, s.calls, s.total_exec_ms) for s in explorer.busiest(db, limit=top)
            if s.query]


def workload_from_sql(texts: list[str]) -> list[Workload]:
    return [Workload(None, t.strip(), 1) for t in texts if t and t.strip()]


def hypopg_problem(db) -> str | None:
    """Why the what-if cannot run here, with how to enable it; None when it can."""
    caps = db.capabilities
    if db.config.pooler:
        return ("not verified: hypothetical indexes live in a server session, and through a transaction "
                "pooler they could stay on a connection other clients get next: connect directly "
                "(not through port 6543 / PgBouncer) to verify with hypopg")
    if caps.hypopg:
        return None
    if "hypopg" in caps.available:
        return f"{NOT_VERIFIED}: run CREATE EXTENSION hypopg; (Supabase: Database → Extensions → hypopg)"
    return f"{NOT_VERIFIED}: install it on the server, then {HYPOPG_HOW}"


def advise(db, sql_texts: list[str] | None = None, top: int = DEFAULT_TOP) -> Advice:
    caps = db.capabilities
    problem = hypopg_problem(db)
    advice = Advice(database=caps.database, hypopg=problem is None)
    if sql_texts is None:
        if not caps.has_pgss:
            advice.notes.append(f"no workload: {caps.pgss_problem()}")
            return advice
        workload = workload_from_pgss(db, top)
    else:
        workload = workload_from_sql(sql_texts)
    advice.statements = workload
    tables = advice.tables = _read(db, workload, advice)
    pool = _candidates(workload, tables, advice, db.thresholds.status_max_distinct)
    if problem is None:
        try:
            _verified(db, workload, tables, pool, advice)
        except whatif.Unavailable as exc:
            advice.hypopg = False
            advice.recommendations.clear()
            advice.notes.append(f"{NOT_VERIFIED}: this role cannot use hypopg ({exc}); grant it USAGE on "
                                f"schema {db.capabilities.extension_schema('hypopg')}")
            _estimated(workload, tables, pool, advice)
    else:
        advice.notes.append(problem)
        _estimated(workload, tables, pool, advice)
    advice.recommendations.sort(key=lambda r: -r.benefit)
    return advice


def _read(db, workload: list[Workload], advice: Advice) -> dict[TableRef, Table]:
    """Read every statement; the tables they name, resolved, keyed by the name as spelled."""
    for w in workload:  # only one SELECT, UPDATE or DELETE is ever planned, and never run (no ANALYZE)
        w.reading = read(w.query)
        w.placeholders = w.reading.placeholders
        w.problem = w.reading.problem or (None if w.reading.kind in PLANNED_KINDS else
                                          "not a SELECT, UPDATE or DELETE: nothing an index would serve")
    refs = {ref for w in workload if w.reading and not w.problem for ref in w.reading.uses}
    if not refs:
        _note_problems(workload, advice)
        return {}
    catalog = table_keys.collect(db, refs)
    resolved = {ref: catalog.find(ref.display) for ref in refs}
    found = {(r.schema, r.name) for r in resolved.values() if r is not None}
    rows = db.rows("advisor_tables", {"schemas": [s for s, _ in sorted(found)], "names": [n for _, n in sorted(found)]})
    by_name = {(row["schema"], row["name"]): cands.table_from_row(row) for row in rows}
    tables = {ref: by_name[(r.schema, r.name)] for ref, r in resolved.items() if r and (r.schema, r.name) in by_name}
    for w in workload:  # bare columns of statements with several tables: resolved with the catalog's columns
        if w.reading and not w.problem and len(w.reading.uses) > 1:
            w.reading = read(w.query, lambda ref: set(tables[ref].columns) if ref in tables else None)
    _note_problems(workload, advice)
    return tables


def _note_problems(workload: list[Workload], advice: Advice) -> None:
    """Each pasted statement that could not be read is named; pg_stat_statements' are counted."""
    skipped = 0
    for w in workload:
        if w.problem and w.queryid is None:
            advice.notes.append(f"statement {_label(w)} was not analysed: {w.problem}")
        elif w.problem:
            skipped += 1
    if skipped:
        advice.notes.append(f"{skipped} statement(s) were not analysed (utility statements, or texts that "
                            "do not parse, e.g. cut short by pg_stat_statements)")


def _label(w: Workload) -> str:
    return f"{w.queryid}" if w.queryid is not None else repr(w.short(60))


KIND_NOTES = {
    "v": "is a view: indexes go on the tables it reads (EXPLAIN the statement to see which)",
    "p": "is a partitioned table: CREATE INDEX CONCURRENTLY cannot run on it (create the index on each "
         "partition concurrently, then CREATE INDEX ON ONLY the parent and ATTACH them)",
    "f": "is a foreign table: it cannot be indexed here",
}


def _candidates(workload, tables, advice: Advice, status_max_distinct: int) -> dict[Candidate, set[int]]:
    """Candidate -> indexes of the statements it might serve; those an existing index serves left out."""
    pool: dict[Candidate, set[int]] = {}
    noted: set[str] = set()
    for i, w in enumerate(workload):
        if not w.reading or w.problem:
            continue
        for ref, use in w.reading.uses.items():
            table = tables.get(ref)
            if table is None:
                continue
            if table.kind in KIND_NOTES:
                if table.display not in noted and (use.equal or use.ranges or use.in_list):
                    noted.add(table.display)
                    advice.notes.append(f"{table.display} {KIND_NOTES[table.kind]}")
                continue
            for candidate in cands.candidates_for(use, table, status_max_distinct):
                existing = cands.served_by(candidate, table)
                if existing is not None:
                    pair = (f"{candidate.display_table} ({', '.join(candidate.columns)})", existing.name)
                    if pair not in advice.already_served:
                        advice.already_served.append(pair)
                    continue
                pool.setdefault(candidate, set()).add(i)
    return pool


def _clearly_better(wider: dict[int, float], plain: dict[int, float], units: list[int], base: dict[int, float],
                    weight: dict[int, float]) -> bool:
    """An INCLUDE variant is worth its size only when it saves at least MIN_IMPROVEMENT of its statements'
    cost (calls-weighted) beyond the same index without it."""
    extra = sum(weight[u] * (plain[u] - wider.get(u, plain[u])) for u in units)
    return extra >= MIN_IMPROVEMENT * sum(weight[u] * base[u] for u in units)


def _greedy(gains: dict[Candidate, dict[int, float]], base: dict[int, float], weight: dict[int, float],
            size: dict[Candidate, float]) -> list[tuple[Candidate, list[int]]]:
    """Pick candidates one at a time by total (cost saved × calls) against what is chosen so far: a
    statement counts when the candidate cuts its current cost by MIN_IMPROVEMENT. At most MAX_PER_TABLE
    per table; it stops when the best left saves less than MIN_SHARE of the workload's cost. (A heap of
    scores, refreshed lazily: a chosen index only lowers the scores of candidates sharing its statements.)"""
    cands = list(gains)
    current = dict(base)
    floor = MIN_SHARE * sum(weight[u] * base[u] for u in base)
    version = [0] * len(cands)
    by_unit: dict[int, list[int]] = {}
    for n, cand in enumerate(cands):
        for u in gains[cand]:
            by_unit.setdefault(u, []).append(n)

    def score(n: int) -> tuple[float, list[int]]:
        after = gains[cands[n]]
        units = [u for u, cost in after.items() if cost <= (1 - MIN_IMPROVEMENT) * current[u]]
        return sum(weight[u] * (current[u] - after[u]) for u in units), units

    heap = [(-score(n)[0], size.get(cands[n], 0), n, 0) for n in range(len(cands))]
    heapq.heapify(heap)
    per_table: dict[tuple[str, str], int] = {}
    chosen: list[tuple[Candidate, list[int]]] = []
    while heap:
        _neg, _size, n, seen = heapq.heappop(heap)
        if seen != version[n]:
            continue  # a stale score: its fresh one is in the heap too
        gain, units = score(n)
        if gain <= 0 or gain < floor:
            break
        cand = cands[n]
        table = (cand.schema, cand.table)
        if per_table.get(table, 0) >= MAX_PER_TABLE:
            continue
        per_table[table] = per_table.get(table, 0) + 1
        chosen.append((cand, units))
        for u in units:
            current[u] = gains[cand][u]
        for m in {m for u in units for m in by_unit[u]} - {n}:
            version[m] += 1
            heapq.heappush(heap, (-score(m)[0], size.get(cands[m], 0), m, version[m]))
        version[n] = -1
    return chosen


def _verified(db, workload, tables, pool, advice: Advice) -> None:
    involved = sorted({i for ids in pool.values() for i in ids})
    params: dict[int, tuple | None] = {}
    by_table = {t.oid: t for t in tables.values()}
    with whatif.session(db) as s:
        if not s.generic:
            for i in involved:
                params[i] = vals.values_for(workload[i].reading, workload[i].placeholders, tables)

        def items(ids):
            return [(workload[i].query, params.get(i), max(workload[i].placeholders, default=0)) for i in ids]

        for i, plan in zip(involved, s.plan_many(items(involved)), strict=True):
            if isinstance(plan, whatif.PlanFailed):
                workload[i].problem = str(plan)
                advice.notes.append(f"statement {_label(workload[i])} could not be planned: {plan}")
            else:
                workload[i].cost_before = whatif.total_cost(plan)
        gains: dict[Candidate, dict[int, float]] = {}
        size: dict[Candidate, float] = {}

        def evaluate(cand: Candidate, ids: list[int]) -> None:
            try:
                oid, size[cand] = s.create(cand.hypothetical_sql())
            except whatif.PlanFailed as exc:
                advice.notes.append(f"{cand.display_table} ({', '.join(cand.columns)}) could not be tried: {exc}")
                return
            try:
                after = {}
                for i, plan in zip(ids, s.plan_many(items(ids)), strict=True):
                    if not isinstance(plan, whatif.PlanFailed):
                        used = whatif.uses_index(plan, oid)
                        after[i] = whatif.total_cost(plan) if used else workload[i].cost_before
                gains[cand] = after
            finally:
                s.drop(oid)

        for cand, ids in pool.items():
            ids = sorted(i for i in ids if workload[i].cost_before is not None)
            if ids and not cand.include:
                evaluate(cand, ids)
        base = {i: workload[i].cost_before for i in involved if workload[i].cost_before is not None}
        weight = {i: float(workload[i].calls) for i in base}
        chosen = _greedy(gains, base, weight, size)
        # INCLUDE: for each chosen index, one variant with the other columns its statements read (when
        # few), kept only when the index-only scans it allows clearly pay (_with_include)
        for n, (cand, units) in enumerate(chosen):
            extra = sorted({col for c, ids in pool.items() if c.include and c.keys == cand.keys
                            and c.where == cand.where and ids & set(units) for col in c.include})
            if 0 < len(extra) <= cands.MAX_INCLUDE:
                wider = replace(cand, include=tuple(extra))
                evaluate(wider, units)
                if wider in gains and _clearly_better(gains[wider], gains[cand], units, base, weight):
                    chosen[n] = (wider, units)
        # the chosen set together, for the statements two or more of them could serve: the costs shown are
        # those of the whole set (a statement only one of them touches keeps the cost planned with it alone)
        touching: dict[int, int] = {}
        for cand, _ in chosen:
            for i in gains[cand]:
                touching[i] = touching.get(i, 0) + 1
        served_ids = sorted({i for _, units in chosen for i in units if touching[i] > 1})
        oids = [s.create(cand.hypothetical_sql())[0] for cand, _ in chosen] if served_ids else []
        together = {i: (None if isinstance(p, whatif.PlanFailed) else whatif.total_cost(p))
                    for i, p in zip(served_ids, s.plan_many(items(served_ids)), strict=True)}
        for oid in oids:
            s.drop(oid)
    taken = _taken_names(tables)
    for cand, units in chosen:
        table = next(t for t in by_table.values() if (t.schema, t.name) == (cand.schema, cand.table))
        served = [Served(workload[i], workload[i].cost_before, together.get(i) or gains[cand][i]) for i in units]
        benefit = sum(weight[i] * (workload[i].cost_before - gains[cand][i]) for i in units)
        action = cand.action(taken)
        taken.add(action.target_name)
        advice.recommendations.append(Recommendation(cand, action, table, served, int(size.get(cand, 0)),
                                                     benefit, True))


def _taken_names(tables: dict[TableRef, Table]) -> set[str]:
    return {ix.name for t in tables.values() for ix in t.indexes}


def _rows_now(cand: Candidate, table: Table) -> float:
    """Rows a lookup reads per call today: the whole table, or what the best existing index narrows it to."""
    best = table.reltuples
    eq = set(cand.keys[:cand.equal_count])
    for ix in table.indexes:
        if not ix.valid or ix.method != "btree" or (ix.partial and ix.predicate != cand.where):
            continue
        sel = 1.0
        for key in ix.keys:
            if key not in eq:
                break
            sel *= table.selectivity(key)
        best = min(best, table.reltuples * sel)
    return best


def _rows_with(cand: Candidate, table: Table) -> float:
    sel = 1.0
    for key in cand.keys[:cand.equal_count]:
        sel *= table.selectivity(key)
    if len(cand.keys) > cand.equal_count:  # a range (or a sort with a LIMIT) narrows further
        sel *= cands.DEFAULT_RANGE_SEL
    return max(table.reltuples * sel, 1.0)


def _estimated_bytes(cand: Candidate, table: Table) -> int:
    width = 0
    for name in [k.column for k in cand.keys] + list(cand.include):
        col = table.columns.get(name)
        width += (col.avg_width if col and col.avg_width else 8)
    return int(table.reltuples * (width + 16) / 0.9) + 8192


def _estimated(workload, tables, pool, advice: Advice) -> None:
    by_display = {t.display: t for t in tables.values()}
    gains: dict[Candidate, dict[int, float]] = {}
    base: dict[int, float] = {}
    size: dict[Candidate, float] = {}
    units: dict[int, tuple[int, str]] = {}  # a unit is one statement's use of one table
    unit_of: dict[tuple[int, str], int] = {}
    for cand, ids in pool.items():
        table = by_display[cand.display_table]
        now, with_index = _rows_now(cand, table), _rows_with(cand, table)
        if now < MIN_ROWS_AVOIDED or now - with_index < MIN_ROWS_AVOIDED:
            continue
        size[cand] = _estimated_bytes(cand, table)
        for i in ids:
            u = unit_of.setdefault((i, table.display), len(unit_of))
            units[u] = (i, table.display)
            base[u] = max(base.get(u, 0.0), now)
            gains.setdefault(cand, {})[u] = with_index
    weight = {u: float(workload[i].calls) for u, (i, _) in units.items()}
    chosen = _greedy(gains, base, weight, size)
    taken = _taken_names(tables)
    for cand, picked in chosen:
        table = by_display[cand.display_table]
        served = [Served(workload[units[u][0]], None, None, base[u], gains[cand][u]) for u in picked]
        benefit = sum(weight[u] * (base[u] - gains[cand][u]) for u in picked)
        action = cand.action(taken)
        taken.add(action.target_name)
        advice.recommendations.append(Recommendation(cand, action, table, served, int(size[cand]), benefit, False))
