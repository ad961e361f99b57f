"""Schema audit: the guide's schema advice measured on this database."""

import streamlit as st

from lib import stbind
from lib.checks import run_checks
from lib.checks.schema import COLUMN_CHECKS
from lib.core.findings import CheckContext, Severity
from pages.widgets import lists
from pages.widgets.cards import metric

db = stbind.require_db()

SECTIONS = [
    ("Identifiers as text", "schema.text_ids", "No *_id column holds UUIDs or numbers as text.",
     "`*_id` columns of a text type whose sampled values are all UUIDs or integers."),
    ("Timestamps as text", "schema.text_timestamps", "No text column holds timestamps.",
     "Text columns whose sampled values are all ISO dates or timestamps."),
    ("Timestamps without time zone", "schema.timestamp_without_tz", "Every timestamp column is timestamptz.",
     "timestamp without time zone stores a wall-clock reading, not an instant."),
    ("Money as float or text", "schema.money_type", "No amount is stored as float or text.",
     "Amount-like columns (amount, price, total, balance, fee, …) stored as float, money or text."),
    ("Status columns without a CHECK", "schema.status_without_check", "Every status-like column is constrained.",
     "status/state/stage/tier columns with few values and no CHECK, enum, domain check or foreign key."),
    ("Tables without a primary key", "schema.no_primary_key", "Every table has a primary key.", ""),
    ("Sequences near their maximum", "schema.sequence_near_max", "Every sequence and identity column has room.",
     "Sequences (serial and identity columns included) against their own maximum or their column type's."),
    ("Soft deletes without partial indexes", "schema.soft_delete_not_partial",
     "Soft-delete tables index only their live rows.",
     "Used indexes of tables with a deleted_at column that are not partial on deleted_at IS NULL."),
    ("Materialized views", "schema.matviews", "No materialized views.",
     "Each with its size and its refresh; CONCURRENTLY needs a unique index."),
]


@stbind.cached()
def findings(db):
    return run_checks(CheckContext(db, db.thresholds), ["schema."])


st.title("Schema audit")
st.caption("Types, constraints and keys checked against the guide's schema advice. Column values are judged from "
           "the samples ANALYZE keeps (pg_stats): tables never analyzed are judged by type and name only.")
result = stbind.guarded(lambda: findings(db), db.config.display)
if result is None:
    st.stop()

counts = {check: sum(1 for f in result.findings if f.check == check and f.severity > Severity.OK
                     and not f.title.startswith("…")) + sum(f.evidence.get("more", 0) for f in result.findings
                                                             if f.check == check)
          for _, check, _, _ in SECTIONS}
column_checks = {spec[0] for spec in COLUMN_CHECKS.values()}
cols = st.columns(4)
metric(cols[0], "Column type issues", f"{sum(counts[c] for c in column_checks if c != 'schema.status_without_check'):,}",
       "ids, timestamps, money")
metric(cols[1], "Unconstrained status columns", f"{counts['schema.status_without_check']:,}",
       "no CHECK, enum or foreign key")
metric(cols[2], "Tables without a primary key", f"{counts['schema.no_primary_key']:,}", "partitions not counted")
metric(cols[3], "Sequences near their end", f"{counts['schema.sequence_near_max']:,}",
       f"over {db.thresholds.sequence_ratio:.0%} used")

for title, check, empty, about in SECTIONS:
    found = [f for f in result.findings if f.check == check and (f.severity > Severity.OK or check == "schema.matviews")]
    label = f"{title} ({counts[check]:,})" if check != "schema.matviews" else f"{title} ({len(found):,})"
    with st.expander(label, expanded=bool(counts[check]) and check != "schema.matviews",
                     icon=":material/warning:" if counts[check] else ":material/check_circle:"):
        if about:
            st.caption(about)
        lists.findings(f"f_{check}", found, empty)
for check_id, error in result.errors.items():
    st.caption(f"Check `{check_id}` could not run: {error}")
