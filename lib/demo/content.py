"""The demo database's content, in one import: schema and data, workload, and the planted problems.

The embedded server (lib/demo/server.py) starts PostgreSQL; this fills it:
    load_schema(conninfo, progress)   # once per database (guarded by pgpulse_demo.meta)
    run_workload(conninfo, progress)  # as often as wanted: traffic for pg_stat_statements
"""

from lib.demo.load import LOAD_APPLICATION_NAME, SCHEMA_VERSION, installed_version, load_schema
from lib.demo.planted import PLANTED, TARGET_STATEMENTS, Planted
from lib.demo.workload import WORKLOAD_APPLICATION_NAME, run_workload

__all__ = [
    "LOAD_APPLICATION_NAME",
    "PLANTED",
    "SCHEMA_VERSION",
    "TARGET_STATEMENTS",
    "WORKLOAD_APPLICATION_NAME",
    "Planted",
    "installed_version",
    "load_schema",
    "run_workload",
]
