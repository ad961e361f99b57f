"""The weekly review as one standalone HTML file: styles and plotly inline, opens with no network."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from lib.core.fmt import fmt_bytes, fmt_ms, fmt_pct
from lib.history import charts, present

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2937;margin:24px auto;max-width:1200px;
padding:0 16px;font-size:14px}h1{font-size:22px;margin:0}h2{font-size:15px;margin:22px 0 6px}
.sub{color:#6b7280;margin:4px 0 14px}.demo{background:#fff7ed;border:1px solid #fdba74;padding:6px 10px;
border-radius:6px;margin-bottom:12px}.cards{display:grid;grid-template-columns:repeat(7,1fr);gap:8px}
.card{border:1px solid #e5e7eb;border-radius:8px;padding:8px 10px}.card .l{color:#6b7280;font-size:12px}
.card .v{font-size:20px;font-weight:600}.good{color:#15803d}.bad{color:#b91c1c}.off{color:#6b7280}
.row{display:grid;grid-template-columns:1fr 1fr;gap:16px}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #eef0f3;padding:4px 6px;text-align:left;vertical-align:top}
th{color:#6b7280;font-weight:500;font-size:12px}td.n{text-align:right;white-space:nowrap}
code{font-size:12px}.none{color:#6b7280}
"""


def render(review) -> str:
    e = html.escape
    period, prev = review.period, review.previous_period
    figures = [charts.daily_load(review), charts.database_size(review.sizes, period.since),
               charts.top_statements(review)]
    # The first figure carries plotly.js inline (include_plotlyjs=True); the others reuse it.
    divs = [fig.to_html(full_html=False, include_plotlyjs=(i == 0), config={"displayModeBar": False})
            for i, fig in enumerate(figures)]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Weekly review {e(review.database)} {e(period.label)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Weekly review · {e(review.database)} · {e(period.label)}</h1>",
        f"<p class='sub'>{e(period.describe())} against {e(prev.label)} ({e(prev.describe())}) · "
        f"{review.coverage['snapshots']} snapshots this period, {review.coverage['previous_snapshots']} before · "
        f"generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by pgpulse</p>",
    ]
    if review.demo:
        parts.append("<p class='demo'>Demo data: this history was recorded by running the demo's workload against "
                     "its real server, under simulated timestamps.</p>")
    parts.append("<div class='cards'>" + "".join(_card(n) for n in review.numbers) + "</div>")
    parts.append(f"<div class='row'><div>{divs[0]}</div><div>{divs[1]}</div></div>{divs[2]}")
    parts.append("<h2>Top statements by total time</h2>" + _table(
        ["statement", "total", "change", "calls", "mean", "mean change"],
        [[f"<code>{e(present.one_line(s['query'], 110))}</code>", fmt_ms(s["total_exec_ms"]),
          _change(s["total_exec_ms"], (s["previous"] or {}).get("total_exec_ms")), f"{s['calls']:,}",
          fmt_ms(s["mean_exec_ms"]), present.ratio_text(s["mean_change"])] for s in review.statements[:10]],
        (1, 2, 3, 4, 5)))
    parts.append("<div class='row'><div><h2>Regressions and new slow statements</h2>" + _table(
        ["statement", "mean", "before", "why"],
        [[f"<code>{e(present.one_line(s['query'], 70))}</code>", fmt_ms(s["mean_exec_ms"]),
          fmt_ms((s["previous"] or {}).get("mean_exec_ms")),
          e(present.cause_line(s.get("cause")) or ("new this period" if s["previous"] is None else ""))]
         for s in review.regressions + review.new_slow], (1, 2)) + "</div>")
    parts.append("<div><h2>Improvements</h2>" + _table(
        ["statement", "mean", "before", "probable cause"],
        [[f"<code>{e(present.one_line(s['query'], 70))}</code>", fmt_ms(s["mean_exec_ms"]),
          fmt_ms(s["previous"]["mean_exec_ms"]), e(present.cause_line(s.get("cause")))]
         for s in review.improvements], (1, 2)) + "</div></div>")
    parts.append("<div class='row'><div><h2>Fastest growing tables</h2>" + _table(
        ["table", "size", "growth", "rows added"],
        [[e(g["table"]), fmt_bytes(g["size_bytes"]), "+" + fmt_bytes(g["growth_bytes"]),
          f"{g['rows_added']:+,}"] for g in review.growing_tables], (1, 2, 3)) + "</div>")
    parts.append("<div><h2>Bloat and unused indexes that appeared</h2>" + _table(
        ["object", "what"],
        [[e(b["table"]), f"{fmt_pct(b['dead_ratio'])} dead tuples ({b['dead_tuples']:,})"] for b in review.new_bloat]
        + [[e(i["index"]), e(f"{i['why']} ({fmt_bytes(i['size_bytes'])})")] for i in review.new_unused_indexes])
        + "</div></div>")
    parts.append("<div class='row'><div><h2>Findings opened and resolved</h2>" + _table(
        ["", "finding", "when"],
        [["opened", e(f["title"]), e(present.when(f["opened_at"]))] for f in review.findings_opened]
        + [["resolved", e(f["title"]), e(present.when(f["resolved_at"]))] for f in review.findings_resolved])
        + "</div>")
    parts.append("<div><h2>Actions taken</h2>" + _table(
        ["when", "action", "outcome"],
        [[e(present.when(a["at"])), f"<code>{e(a['sql'])}</code>", e(a["outcome"] or "")] for a in review.actions])
        + "</div></div></body></html>")
    return "".join(parts)


def _card(n) -> str:
    d = present.delta(n)
    cls = "off"
    if d and n.better and n.value != n.previous:
        up = n.value > n.previous
        cls = "good" if up == (n.better == "higher") else "bad"
    return (f"<div class='card' title='{html.escape(n.help)}'><div class='l'>{html.escape(n.label)}</div>"
            "<div class='v'>"
            f"{html.escape(present.value(n.value, n.unit))}</div><div class='{cls}'>{html.escape(d or 'no comparison')}"
            "</div></div>")


def _change(now: float | None, before: float | None) -> str:
    if now is None or not before:
        return "new"
    return present.ratio_text(now / before - 1)


def _table(headers: list[str], rows: list[list[str]], numeric: tuple[int, ...] = ()) -> str:
    if not rows:
        return "<p class='none'>None.</p>"
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td{' class=n' if i in numeric else ''}>{c}</td>"
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"
