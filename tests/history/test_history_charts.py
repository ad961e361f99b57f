"""History charts break their line where no snapshot was taken, instead of drawing a straight line across the
gap that reads as a gradual change (the figure data is what Plotly draws)."""

from __future__ import annotations

from datetime import UTC, datetime

from lib.history import charts

T0 = 1_796_000_000.0  # some Tuesday in 2026
STEP = 300.0  # the app's 5-minute snapshots


def sizes(times: list[float], start_mb: int = 10) -> list[dict]:
    return [{"at": at, "size_bytes": (start_mb + i) * 1024**2} for i, at in enumerate(times)]


def every_5_min(start: float, n: int) -> list[float]:
    return [start + i * STEP for i in range(n)]


def test_database_size_breaks_across_a_gap_of_six_hours():
    before, after = every_5_min(T0, 6), every_5_min(T0 + 5 * STEP + 6 * 3600, 6)
    fig = charts.database_size(sizes(before + after))
    ys, xs = list(fig.data[0].y), list(fig.data[0].x)
    assert ys.count(None) == 1 and len(ys) == 13
    gap = ys.index(None)
    assert ys[:gap] == [10.0 + i for i in range(6)] and ys[gap + 1:] == [16.0 + i for i in range(6)]
    # the break sits inside the gap, one usual interval after the last snapshot before it
    assert xs[gap - 1] < xs[gap] < xs[gap + 1]
    assert xs[gap] == datetime.fromtimestamp(before[-1] + STEP, UTC)
    assert fig.data[0].connectgaps in (None, False)


def test_regular_snapshots_draw_one_unbroken_line():
    fig = charts.database_size(sizes(every_5_min(T0, 12)))
    assert None not in list(fig.data[0].y)
    # a late snapshot (2x the interval) is not a gap
    late = every_5_min(T0, 6) + every_5_min(T0 + 7 * STEP, 6)
    assert None not in list(charts.database_size(sizes(late)).data[0].y)


def test_table_growth_breaks_each_table_apart():
    rows = ([{"table": "a", **r} for r in sizes(every_5_min(T0, 4) + every_5_min(T0 + 86400, 4))]
            + [{"table": "b", **r} for r in sizes(every_5_min(T0, 8))])
    fig = charts.table_growth(rows)
    by_name = {trace.name: list(trace.y) for trace in fig.data}
    assert by_name["a"].count(None) == 1 and None not in by_name["b"]


def test_query_history_mean_line_breaks_where_the_statement_has_no_bucket():
    series = [{"at": at, "calls": 10, "total_exec_ms": 50.0} for at in
              every_5_min(T0, 6) + every_5_min(T0 + 5 * STEP + 3 * 3600, 6)]
    fig = charts.query_history(series, [])
    mean = next(t for t in fig.data if t.type == "scatter")
    assert list(mean.y).count(None) == 1 and mean.connectgaps is False
