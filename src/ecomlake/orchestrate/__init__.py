"""Orchestration: what Airflow's DAGs (orchestrate/dags/) run, kept out of the DAG files so it
is typed and unit-tested. Every module imports without Airflow except `tasks`, the adapter the
DAG files import (Airflow operators, Cosmos' task group)."""
