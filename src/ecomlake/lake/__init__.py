"""Reading the lake from the core environment: the Iceberg catalog through pyiceberg, SQL through
DuckDB over Arrow (no DuckDB extension downloads)."""
