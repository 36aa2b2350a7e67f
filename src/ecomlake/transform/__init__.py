"""The dbt side: prepare a target's view of the curated lake, run the dbt project
(`transform/`), report. `runner` runs inside `.venvs/dbt`; `warehouse` is shared with the core
environment (`ecomlake query` reads the marts through it)."""
