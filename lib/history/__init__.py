"""History of a monitored database: snapshots of its cumulative statistics, kept in pgpulse's store.

snapshot (take one) ← collect (read the server) + increments (what moved, across resets) + lease (one
per interval); retention (downsample with age); read (deltas and series over any period); weekly (the
review), report_html (a standalone file), charts (plotly figures); runner (the background loop);
access (opening the store, or a sentence why not); demo (a labelled demo history).
"""

from __future__ import annotations


def history_key(config) -> str:
    """The name a database's history is filed under: its configured name, or its target for --dsn."""
    return config.display if config.source == "--dsn" else config.name
