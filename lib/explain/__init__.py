"""Running EXPLAIN on a monitored database without leaving a trace, and keeping the plans.

errors   why a run was refused or failed, as sentences
options  the EXPLAIN options a server version accepts, and the exact EXPLAIN text
gate     what the user must have allowed or confirmed before a statement may run
session  the dedicated, always rolled-back transaction a statement runs in, checked afterwards
run      run_explain(db, sql, options, params) and parameter_types(db, sql)
source   the full text of a pg_stat_statements entry (?queryid=...)
keep     plans kept in pgpulse's store for comparison
views    tables and tree selections the Plans page and the benchmark draw from
"""
