"""Local services (Kafka today; Flink, Prometheus, Airflow, the dashboard later) run as managed
processes: a pid file and a log file in the data folder, a health check, a clean stop."""
