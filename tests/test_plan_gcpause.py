"""Reading a plan holds the garbage collector, and always gives it back as it found it."""

from __future__ import annotations

import gc
import threading

import pytest

from lib.plan import PlanParseError, parse_plan
from lib.plan.gcpause import paused
from tests.fixtures_path import PEV2

PLAN = (PEV2 / "from-text" / "01-plan").read_text()


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.enable()
    if not was:
        gc.disable()


def test_the_collector_is_off_while_reading_and_on_after():
    seen = []
    with paused():
        seen.append(gc.isenabled())
    assert seen == [False] and gc.isenabled()
    assert parse_plan(PLAN)[0]["Plan"]["Node Type"] and gc.isenabled()


def test_a_plan_that_cannot_be_read_gives_the_collector_back():
    with pytest.raises(PlanParseError):
        parse_plan("hello\nthis is not a plan\n")
    assert gc.isenabled()


def test_a_collector_turned_off_by_someone_else_stays_off():
    gc.disable()
    parse_plan(PLAN)
    assert not gc.isenabled()


def test_overlapping_readers_leave_it_on_when_the_last_one_is_done():
    inside, release = threading.Event(), threading.Event()

    def hold():
        with paused():
            inside.set()
            release.wait(10)

    other = threading.Thread(target=hold)
    other.start()
    assert inside.wait(10)
    parse_plan(PLAN)  # starts and ends while the other thread still holds it
    assert not gc.isenabled()
    release.set()
    other.join(10)
    assert gc.isenabled()
