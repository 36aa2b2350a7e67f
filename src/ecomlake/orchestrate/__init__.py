"""Orchestration: what Airflow's DAGs (orchestrate/dags/) run, kept out of the DAG files so it
is typed, unit-tested and importable without Airflow."""
