"""Words and numbers of the review for people: shared by the page, the HTML file and the CLI text."""

from __future__ import annotations

from datetime import UTC, datetime

from lib.core import fmt
from lib.core.fmt import fmt_bytes, fmt_count, fmt_ms, fmt_pct


def value(v: float | None, unit: str) -> str:
    if v is None:
        return "–"
    if unit == "bytes":
        return fmt_bytes(v)
    if unit == "ms":
        return fmt_ms(v)
    if unit == "ratio":
        return fmt_pct(v, 2)
    return fmt_count(v) if v >= 10_000 else f"{v:,.0f}"


def delta(number) -> str | None:
    """The change of a KeyNumber in words: '+1.2 MB', '-35%', '+0.40 pt', '±0', or None (ASCII signs:
    st.metric reads the direction from a leading '-')."""
    if number.value is None or number.previous is None:
        return None
    diff = number.value - number.previous
    if number.unit == "ratio":
        return "±0" if abs(diff) < 0.00005 else f"{diff * 100:+.2f} pt"
    if diff == 0:
        return "±0"
    if number.unit == "bytes":
        return f"{'+' if diff >= 0 else '-'}{fmt_bytes(abs(diff))}"
    if number.change is None or (number.unit == "count" and abs(diff) < 100):
        return f"{diff:+,.0f}"
    return f"{number.change:+.0%}"


def tone(number) -> str:
    """'normal' when up is good news, 'inverse' when down is, 'off' when neither (st.metric's delta_color)."""
    return {"higher": "normal", "lower": "inverse"}.get(number.better, "off")


def ratio_text(change: float | None) -> str:
    """A mean's relative change: '×3.4' when it more than doubled, '−81%' or '+40%' otherwise."""
    if change is None:
        return "new"
    if change >= 1:
        return f"×{change + 1:.1f}" if change < 9 else f"×{change + 1:,.0f}"
    return f"{change:+.0%}".replace("-", "−")


def one_line(text: str | None, width: int = 90) -> str:
    return fmt.one_line(text or "(text not recorded)", width)


def when(at: float) -> str:
    return f"{datetime.fromtimestamp(at, UTC):%a %d %b %H:%M} UTC"


def day(at: float) -> str:
    return f"{datetime.fromtimestamp(at, UTC):%a %d %b}"


def action_line(action: dict) -> str:
    what = (action.get("action") or "").replace("_", " ")
    return f"{when(action['at'])} · {what} {action.get('object') or ''} ({action.get('outcome')})"


def cause_line(cause: dict | None, short: bool = False) -> str:
    """'after create index public.x_idx on Tue 17 Nov 14:00 UTC' (short: 'after create index x_idx, Tue 17 Nov')."""
    if not cause:
        return ""
    what = cause["action"].replace("_", " ")
    target = cause.get("object") or ""
    if short:
        return f"after {what} {target.rsplit('.', 1)[-1]}, {day(cause['at'])}"
    return f"after {what} {target} on {when(cause['at'])}"
