"""The Plans page (Streamlit AppTest against the embedded demo): paste, run, confirm, keep, compare."""

from __future__ import annotations

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from tests.fixtures_path import PEV2, REPO

APP = str(REPO / "app.py")
FRAMED = PEV2 / "psql-frames" / "json-1-aligned-unicode-double-double-double.plan"


@pytest.fixture()
def page(embedded_demo) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/explain.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def run_statement(at: AppTest, sql: str) -> AppTest:
    at.radio(key="plans_mode").set_value("Run a statement").run()
    at.text_area(key="explain_sql").input(sql).run()
    return button(at, "Run EXPLAIN").click().run()


def keep(at: AppTest, label: str) -> None:
    next(t for t in at.text_input if t.label == "Label").input(label)
    button(at, "Keep for comparison").click().run()
    ok(at)


def test_empty_page_says_what_to_do(page):
    ok(page)
    assert any("Run a statement or paste a plan" in i.value for i in page.info)


def test_pasted_plan_in_psql_frames(page):
    page.radio(key="plans_mode").set_value("Paste a plan").run()
    page.text_area(key="explain_pasted").input(FRAMED.read_text()).run()
    ok(button(page, "Read the plan").click().run())
    shown = metrics(page)
    assert set(shown) == {"Execution time", "Findings", "Buffers", "Spilled to disk"}
    assert any("**slowest-node**" in m.value for m in page.markdown)
    assert [t.label for t in page.tabs] == ["Tree", "Graph", "Where the time goes", "Nodes", "By table and type",
                                           "Raw plan"]
    assert len(page.dataframe) >= 3  # nodes, by table, by type


def test_garbage_paste_names_the_line(page):
    page.radio(key="plans_mode").set_value("Paste a plan").run()
    page.text_area(key="explain_pasted").input("hello\nthis is not a plan\n").run()
    button(page, "Read the plan").click().run()
    assert any("Not a plan we can read" in e.value and "line" in e.value for e in page.error)


def test_run_a_statement_and_see_its_findings(page):
    ok(run_statement(page, "SELECT id, name, status FROM leads WHERE email = 'nobody@example.com'"))
    assert "READ ONLY" in " ".join(c.value for c in page.caption)
    assert any("**seq-scan-filter**" in m.value for m in page.markdown)
    assert metrics(page)["Spilled to disk"] == "none"


def test_refused_statement_is_not_runnable(page):
    page.text_area(key="explain_sql").input("DROP TABLE leads").run()
    assert any("Refused" in e.value and "DDL" in e.value for e in page.error)
    assert button(page, "Run EXPLAIN").disabled


def test_placeholders_get_boxes_with_their_types(page):
    page.text_area(key="explain_sql").input("SELECT * FROM leads WHERE email = $1 LIMIT $2").run()
    labels = [t.label for t in page.text_input]
    assert "$1 · text" in labels and "$2 · bigint" in labels
    button(page, "Run EXPLAIN").click().run()
    assert any("give a value for $1, $2" in e.value for e in page.error) and "Execution time" not in metrics(page)
    page.text_input(key="explain_param_1").input("nobody@example.com")
    page.text_input(key="explain_param_2").input("5").run()
    ok(button(page, "Run EXPLAIN").click().run())
    assert "Execution time" in metrics(page)


def test_side_effects_are_confirmed_in_a_dialog(page, embedded_demo):
    page.text_area(key="explain_sql").input("SELECT pg_advisory_lock(4242)").run()
    ok(button(page, "Run EXPLAIN").click().run())
    assert "Execution time" not in metrics(page)  # nothing ran yet
    assert any("not undone by a rollback" in m.value for m in page.markdown)
    ok(button(page, "Run it anyway").click().run())
    assert "Execution time" in metrics(page)
    assert any("advisory locks held" in w.value for w in page.warning)
    with psycopg.connect(embedded_demo) as conn:
        assert conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone()[0] == 0


def test_prefilled_from_the_drill_down_and_from_a_queryid(page, embedded_demo):
    with psycopg.connect(embedded_demo) as conn:
        queryid, query = conn.execute(
            "SELECT queryid, query FROM pg_stat_statements WHERE query LIKE 'SELECT id, name, status FROM leads%' "
            "ORDER BY calls DESC LIMIT 1").fetchone()  # fmt: skip
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.query_params["queryid"] = str(queryid)
    ok(at.switch_page("pages/explain.py").run())
    assert at.text_area(key="explain_sql").value == query
    assert any(f"Statement {queryid} from pg_stat_statements" in c.value for c in at.caption)
    at.session_state["pgpulse_explain_sql"] = "SELECT count(*) FROM clients"
    ok(at.run())
    assert at.text_area(key="explain_sql").value == "SELECT count(*) FROM clients"


def test_compare_two_kept_plans(page):
    run_statement(page, "SELECT name FROM clients WHERE name = 'nobody'")
    keep(page, "by name")
    run_statement(page, "SELECT name FROM clients WHERE email = 'nobody@example.com'")
    keep(page, "by email")
    ok(page.radio(key="plans_mode").set_value("Compare kept plans").run())
    shown = metrics(page)
    assert {"Before", "After", "Speedup", "Buffers"} <= set(shown)
    assert shown["Speedup"].endswith("x") or shown["Speedup"].endswith("slower")
    titles = [s.value.title for s in page.selectbox]
    assert "by name" in titles[0] and "by email" in titles[1]
    assert any("Seq Scan became Index Scan on clients" in m.value for m in page.markdown)


def test_compare_view_shows_values_numbers_from_one_and_no_none(page):
    ok(page)
    assert [t.value for t in page.title] == ["EXPLAIN"]  # as app.py's navigation names it
    statement = "SELECT id, name FROM leads WHERE email = $1"
    page.radio(key="plans_mode").set_value("Run a statement").run()
    page.text_area(key="explain_sql").input(statement).run()
    for value, label in (("nobody@example.com", "first value"), ("other@example.com", "second value")):
        page.text_input(key="explain_param_1").input(value).run()
        ok(button(page, "Run EXPLAIN").click().run())
        keep(page, label)
    ok(page.radio(key="plans_mode").set_value("Compare kept plans").run())
    numbers = sorted(int(o.split(" ")[0].lstrip("#")) for o in page.selectbox[0].options)
    assert numbers == list(range(1, len(numbers) + 1))  # the user counts from 1
    assert "second value" in page.selectbox[1].value.title and "first value" in page.selectbox[0].value.title
    captions = " ".join(c.value for c in page.caption)
    assert "$1 = 'nobody@example.com'" in captions.replace("\\", "") and "other@example.com" in captions
    speed = next(m for m in page.metric if m.label == "Speedup")
    assert speed.delta == "different parameters"
    for frame in (d.value for d in page.dataframe):
        assert not frame.isna().any().any() and "None" not in frame.astype(str).to_numpy()


def test_index_finding_offers_the_create_index_action(page):
    ok(run_statement(page, "SELECT id, name, status FROM leads WHERE email = 'nobody@example.com'"))
    assert any("An index on leads (email)" in m.value for m in page.markdown)
    create = button(page, "Create index on leads (email)…")
    ok(create.click().run())  # the confirmation dialog: the exact SQL, nothing run yet
    code = " ".join(c.value for c in page.code)
    assert 'CREATE INDEX CONCURRENTLY "leads_email_idx" ON "public"."leads" ("email")' in code
    assert any(b.label == "Run now" for b in page.button)
    links = [link.proto.page for link in page.get("page_link")]
    assert any(link.endswith("index_advisor.py") or link == "index_advisor" for link in links), links


def test_typical_values_fill_a_placeholder_in_one_click(page, embedded_demo):
    with psycopg.connect(embedded_demo) as conn:
        common = conn.execute("SELECT most_common_vals::text::text[] FROM pg_stats WHERE tablename = 'leads' "
                              "AND attname = 'status' ORDER BY inherited DESC LIMIT 1").fetchone()[0]
    page.radio(key="plans_mode").set_value("Run a statement").run()
    ok(page.text_area(key="explain_sql").input("SELECT id, name FROM leads WHERE status = $1 LIMIT $2").run())
    pills = page.pills(key="explain_typical_1")
    assert "leads.status" in pills.label and list(pills.options) == common[:5]
    with pytest.raises(KeyError):
        page.pills(key="explain_typical_2")  # LIMIT $2 meets no column: no suggestion
    ok(pills.set_value(common[1]).run())
    assert page.text_input(key="explain_param_1").value == common[1]  # filled, still an editable box
    page.text_input(key="explain_param_1").input(common[0])
    page.text_input(key="explain_param_2").input("5").run()
    ok(button(page, "Run EXPLAIN").click().run())
    assert "Execution time" in metrics(page)
