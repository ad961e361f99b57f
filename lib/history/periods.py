"""Periods a review compares: ISO weeks (UTC) or any since/until, and the period just before."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


class PeriodError(ValueError):
    """A period the user typed that cannot be understood, worded for them."""


@dataclass(frozen=True)
class Period:
    start: datetime  # exclusive: a snapshot exactly at `start` belongs to the period before
    end: datetime  # inclusive
    label: str

    @property
    def since(self) -> float:
        return self.start.timestamp()

    @property
    def until(self) -> float:
        return self.end.timestamp()

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400

    def previous(self) -> Period:
        if WEEK.match(self.label):
            return week_of(self.start - timedelta(days=1))
        length = self.end - self.start
        start = self.start - length
        return Period(start, self.start, f"{start:%Y-%m-%d %H:%M} – {self.start:%Y-%m-%d %H:%M}")

    def describe(self) -> str:
        """'17–23 Nov 2026' for a week; the label otherwise."""
        if WEEK.match(self.label):
            last = self.end - timedelta(days=1)
            first = f"{self.start.day} {self.start:%b}" if self.start.month != last.month else str(self.start.day)
            return f"{first}–{last.day} {last:%b %Y}"
        return self.label

    def to_dict(self) -> dict:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat()}


def week_of(moment: datetime) -> Period:
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return iso_week(f"{year}-W{week:02d}")


def iso_week(label: str) -> Period:
    match = WEEK.match(label.strip())
    if not match:
        raise PeriodError(f"{label!r} is not an ISO week: write it like 2026-W47")
    year, week = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise PeriodError(f"{year} has no week {week}") from None
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return Period(start, start + timedelta(days=7), f"{year}-W{week:02d}")


def last_full_week(now: datetime | None = None) -> Period:
    """The ISO week before the current one: the default of the weekly review."""
    now = now or datetime.now(UTC)
    return week_of(now - timedelta(days=7))


def parse_moment(text: str, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(f"{what} {text!r} is not an ISO date or time (e.g. 2026-11-17 or 2026-11-17T09:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def between(since: str, until: str) -> Period:
    start, end = parse_moment(since, "--since"), parse_moment(until, "--until")
    if end <= start:
        raise PeriodError("--until must be later than --since")
    return Period(start, end, f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}")


def recent_weeks(first: float | None, now: datetime | None = None, limit: int = 26) -> list[Period]:
    """Full weeks from the one holding `first` (epoch seconds) to the last full one, newest first."""
    last = last_full_week(now)
    weeks = [last]
    while len(weeks) < limit and first is not None and weeks[-1].since > first:
        weeks.append(weeks[-1].previous())
    return weeks
