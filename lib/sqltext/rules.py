"""The lint rules' registry: what each rule means, the guide's advice, and a before/after example.

Kept apart from the detectors so pages and docs can list the rules without parsing anything,
and so a test can check that every rule has a detector and every detector a rule.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    before: str
    after: str


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    explanation: str
    advice: str
    example: Example
    severity: str  # default severity of its findings: info or warning


def _rule(id, title, explanation, advice, before, after, severity="warning") -> Rule:
    return Rule(id, title, explanation, advice, Example(before, after), severity)


_ALL = [
    _rule(
        "select_star",
        "SELECT * reads every column",
        "Every column is read, sent and decoded, and an index-only scan becomes impossible.",
        "Select only the columns the caller uses.",
        "SELECT * FROM clients WHERE id = $1",
        "SELECT id, name, email FROM clients WHERE id = $1",
        "info",
    ),
    _rule(
        "unbounded_order_by",
        "ORDER BY without LIMIT",
        "The whole result is sorted and returned even if the caller only shows the first rows.",
        "Add a LIMIT (and paginate) when only the top rows are needed.",
        "SELECT id, total FROM invoices ORDER BY created_at DESC",
        "SELECT id, total FROM invoices ORDER BY created_at DESC LIMIT 50",
    ),
    _rule(
        "function_on_column",
        "Function applied to a filtered column",
        "A function or cast on the column hides it from a plain index, so every row is computed.",
        "Compare the bare column, or create a functional index on the same expression "
        "(the function must be IMMUTABLE).",
        "SELECT id FROM clients WHERE lower(email) = $1",
        "CREATE INDEX CONCURRENTLY ON clients ((lower(email)));  -- then the same query uses it",
    ),
    _rule(
        "count_for_existence",
        "COUNT used to test existence",
        "COUNT reads every matching row only to compare the total with zero.",
        "Use EXISTS, which stops at the first matching row.",
        "SELECT (SELECT count(*) FROM leads WHERE client_id = $1) > 0",
        "SELECT EXISTS (SELECT 1 FROM leads WHERE client_id = $1)",
    ),
    _rule(
        "or_chain",
        "Chain of OR on one column",
        "Several equalities on the same column joined by OR are harder to plan than one list.",
        "Use IN (...) or = ANY($1) with an array parameter.",
        "SELECT id FROM leads WHERE status = 'new' OR status = 'open' OR status = 'won'",
        "SELECT id FROM leads WHERE status IN ('new', 'open', 'won')",
        "info",
    ),
    _rule(
        "correlated_subquery",
        "Correlated subquery in the select list",
        "The subquery runs once for every row of the outer query.",
        "Rewrite it as a JOIN with GROUP BY (or a LATERAL join) so it runs once.",
        "SELECT c.id, (SELECT count(*) FROM leads l WHERE l.client_id = c.id) FROM clients c",
        "SELECT c.id, count(l.id) FROM clients c LEFT JOIN leads l ON l.client_id = c.id GROUP BY c.id",
    ),
    _rule(
        "select_distinct",
        "SELECT DISTINCT",
        "DISTINCT sorts or hashes the whole result; it often hides a join that multiplies rows.",
        "Consider GROUP BY on the columns you need, or fixing the join that creates duplicates.",
        "SELECT DISTINCT client_id FROM invoices",
        "SELECT client_id FROM invoices GROUP BY client_id",
        "info",
    ),
    _rule(
        "deep_offset",
        "Deep OFFSET pagination",
        "OFFSET n reads and throws away n rows on every page, so late pages get slower and slower.",
        "Use keyset pagination: remember the last key seen and filter on it.",
        "SELECT id, total FROM invoices ORDER BY id LIMIT 50 OFFSET 5000",
        "SELECT id, total FROM invoices WHERE id > $1 ORDER BY id LIMIT 50",
    ),
    _rule(
        "not_in_subquery",
        "NOT IN (subquery)",
        "NOT IN with a subquery cannot become an anti-join, and returns no rows at all "
        "if the subquery yields a NULL.",
        "Use NOT EXISTS with a correlated condition.",
        "SELECT id FROM clients WHERE id NOT IN (SELECT client_id FROM invoices)",
        "SELECT c.id FROM clients c WHERE NOT EXISTS (SELECT 1 FROM invoices i WHERE i.client_id = c.id)",
    ),
    _rule(
        "leading_wildcard_like",
        "LIKE pattern starting with a wildcard",
        "A B-tree index can only serve a pattern with a fixed prefix, so '%...' scans every row.",
        "Create a trigram GIN index (extension pg_trgm) on the column, or use full-text search.",
        "SELECT id FROM clients WHERE name ILIKE '%smith%'",
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
        "CREATE INDEX CONCURRENTLY ON clients USING gin (name gin_trgm_ops);",
    ),
]

RULES: dict[str, Rule] = {r.id: r for r in _ALL}
