"""The dbt side: prepare a target's view of the curated lake, run the dbt project
(`transform/`), report. `runner` runs inside `.venvs/dbt`; the DuckDB warehouse itself (the
curated views, the marts) is `ecomlake.lake.warehouse`, shared with the core environment."""
