"""The stream layer: Kafka -> Flink (PyFlink) -> Iceberg. Runs in the flink environment
(.venvs/flink); nothing here is imported by the core CLI at start-up."""
