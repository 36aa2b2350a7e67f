"""The runtime-neutral kernel: what the runtimes (the generator, the Flink job, the Spark ETL,
dbt, Airflow, the dashboard) share, importing none of them. `money` (currencies, the fixed
rates, exact decimal arithmetic), `process` (pid records, spawning, stopping), `topics` and
`offsets` (Kafka topics and a consumer group's position), `spark` (the Spark session of the
ETL, maintenance and dbt's Spark target)."""
