"""The Plans page with no reachable database: paste, read, diagnose, keep, compare and export still work;
only running EXPLAIN says the database is unreachable, in place of its controls."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib import stbind
from lib.core.pgserver import free_port
from tests.fixtures_path import PEV2, REPO

APP = str(REPO / "app.py")
SESSION = PEV2 / "from-text" / "37-plan"  # a psql session: prompts, a unicode rule, an external merge sort
HASH_JOIN = PEV2 / "from-text" / "45-buckets-plan"  # a hash in 16 batches


@pytest.fixture()
def start(monkeypatch, tmp_path):
    """Starts the app pointed at a port where nothing listens (extra environment as keywords)."""
    def begin(**env: str) -> AppTest:
        monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres@127.0.0.1:{free_port()}/postgres")
        monkeypatch.setenv("PGPULSE_STORE_URL", str(tmp_path / "store.db"))
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        stbind.settings.clear()
        st.cache_data.clear()  # cached figures are keyed by the name "env", which other tests reuse
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    yield begin
    stbind.settings.clear()
    st.cache_data.clear()


@pytest.fixture()
def offline(start) -> AppTest:
    """The Plans page with the database unreachable."""
    at = start()
    at.switch_page("pages/explain.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def paste(at: AppTest, text: str) -> AppTest:
    at.radio(key="plans_mode").set_value("Paste a plan").run()
    at.text_area(key="explain_pasted").input(text).run()
    next(b for b in at.button if b.label == "Read the plan").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]  # the unreachable database is no error of a paste
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def rules(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_running_explain_says_the_database_is_unreachable_in_place_of_its_controls(offline):
    assert any("Database unreachable" in e.value and "not accepting connections" in e.value for e in offline.error)
    assert not any(b.label == "Run EXPLAIN" for b in offline.button)
    assert not any(t.key == "explain_sql" for t in offline.text_area)
    assert any("Paste a plan" in c.value and "work without it" in c.value for c in offline.caption)
    assert [r.key for r in offline.radio] == ["plans_mode"]  # the rest of the page is there


def test_a_pasted_psql_session_is_read_and_diagnosed(offline):
    paste(offline, SESSION.read_text())
    shown = metrics(offline)
    assert shown["Execution time"] == "22.1 s"
    assert shown["Spilled to disk"] == "6.0 GB"  # temp written=780004 blocks of 8 kB
    assert "**sort-spill**" in rules(offline) and "spilled 1.1 GB to disk" in rules(offline)  # 1,151,688 kB
    assert [t.label for t in offline.tabs] == ["Tree", "Graph", "Where the time goes", "Nodes", "By table and type",
                                              "Raw plan"]
    assert any("4 nodes, 3 levels" in c.value for c in offline.caption)
    assert any("Execution Time: 22103.138 ms" in c.value for c in offline.code)  # the raw plan as pasted
    assert len(offline.get("download_button")) == 2  # the plan and its analysis, built on click


# (fixture, words of its diagnostics as markdown shows them, node count and depth), read off each file
PASTES = [
    ("psql-frames/json-0-unaligned-ascii-double-double-double.plan",
     "**seq-scan-filter** · node \\#2 Seq Scan on part\\_0", "3 nodes, 2 levels"),
    ("psql-frames/text-2-aligned-unicode-single-double-single.plan",
     "**seq-scan-filter** · node \\#2 Seq Scan on part\\_0", "3 nodes, 2 levels"),
    ("line-wrapped/01-plan", "Seq Scan on pg\\_class takes the largest part of this plan: 0.40 ms, 75%",
     "5 nodes, 4 levels"),
]


@pytest.mark.parametrize(("fixture", "diagnosed", "shape"), PASTES, ids=["framed-json", "framed-text", "line-wrapped"])
def test_every_paste_form_is_read_and_diagnosed(offline, fixture, diagnosed, shape):
    paste(offline, (PEV2 / fixture).read_text())
    assert diagnosed in rules(offline)
    assert any(shape in c.value for c in offline.caption)


def test_two_pasted_plans_are_kept_and_compared(offline):
    for fixture, label in ((SESSION, "sort"), (HASH_JOIN, "hash")):
        paste(offline, fixture.read_text())
        next(t for t in offline.text_input if t.label == "Label").input(label)
        next(b for b in offline.button if b.label == "Keep for comparison").click().run()
    assert "**hash-batches**" in rules(offline)
    offline.radio(key="plans_mode").set_value("Compare kept plans").run()
    assert not offline.exception and not offline.error
    shown = metrics(offline)
    assert shown["Before"] == "22.1 s" and shown["After"] == "10.2 s"
    assert shown["Speedup"] == "2.2x"  # 22103.138 ms / 10244.597 ms


def test_the_password_gate_still_comes_first(start):
    at = start(PGPULSE_PASSWORD="open sesame")
    at.switch_page("pages/explain.py").run()
    assert [t.label for t in at.text_input] == ["Password"]
    assert not at.text_area and not at.radio and not at.metric  # nothing of the page before the password
    at = start(PGPULSE_PASSWORD="open sesame")
    at.text_input[0].input("open sesame").run()
    at.switch_page("pages/explain.py").run()
    assert [r.key for r in at.radio] == ["plans_mode"]


def test_graph_tab_with_its_node_picker(offline):
    paste(offline, HASH_JOIN.read_text())  # Hash Join, Seq Scan on entetes, Hash, Seq Scan
    chart = offline.get("graphviz_chart")
    assert len(chart) == 1
    picker = next(s for s in offline.selectbox if s.label == "Node, slowest first")
    slowest = max(range(4), key=lambda i: float(next(
        r for r in offline.dataframe[0].value.to_dict("records") if r["#"] == i)["own"]))
    assert picker.value == slowest  # the slowest node is picked first
    spec = chart[0].proto.spec
    assert f'n{slowest} [' in spec and "#1f5f94" in spec.split(f"n{slowest} [")[1].split("];")[0]
    other = next(i for i in range(4) if i != slowest)
    picker.set_value(other).run()
    assert not offline.exception
    spec = offline.get("graphviz_chart")[0].proto.spec
    assert "#1f5f94" in spec.split(f"n{other} [")[1].split("];")[0]
    titles = {0: "Hash Join", 1: "Seq Scan", 2: "Hash", 3: "Seq Scan"}  # as the plan prints them
    assert any(m.value.startswith(f"**{titles[other]}**") for m in offline.markdown)  # its details beside
