"""Numbers and evidence for humans: one formatter (lib.core.fmt) for every page, the CLI and reports."""

from __future__ import annotations

import pandas as pd

from lib.core.fmt import evidence_label, evidence_text, fmt_bytes, fmt_days, fmt_evidence, plural


def test_sizes_read_as_pg_size_pretty_writes_them():
    # 1 MB = 1024² bytes, with a space before the unit (Streamlit's own format wrote "71.9MB", "0B")
    assert fmt_bytes(0) == "0 B"
    assert fmt_bytes(8396) == "8.2 kB"
    assert fmt_bytes(75_392_819) == "71.9 MB"
    assert fmt_bytes(400 * 1024 * 1024) == "400 MB"
    assert fmt_bytes(None) == fmt_bytes(float("nan")) == fmt_bytes(pd.NA) == "–"


def test_counted_words_agree_with_their_number():
    assert plural(1, "call") == "1 call"
    assert plural(0, "call") == "0 calls"
    assert plural(12_345, "statement") == "12,345 statements"
    assert plural(2, "index", "indexes") == "2 indexes"


def test_ages_in_days_read_as_words():
    assert fmt_days(0) == "under a minute"
    assert fmt_days(0.5 / 24) == "30 min"
    assert fmt_days(0.5) == "12 h"
    assert fmt_days(3.2) == "3 days"


def test_evidence_keys_are_words_and_values_have_units():
    assert evidence_label("stats_age_days") == "statistics age"
    assert evidence_label("dead_tuples") == "dead tuples"
    assert evidence_label("index_bytes") == "index size"
    assert evidence_label("work_mem") == "work_mem"  # a setting's name stays as it is written in postgresql.conf
    assert fmt_evidence("stats_age_days", 3.0) == "3 days"
    assert fmt_evidence("autovacuum", True) == "yes"
    line = evidence_text({"stats_age_days": 0.0, "index_bytes": 8192, "dead_ratio": 0.5, "last_vacuum": None})
    assert line == "statistics age: under a minute · index size: 8.0 kB · dead ratio: 50.0% · last vacuum: –"
    assert "_" not in line and "days:" not in line
