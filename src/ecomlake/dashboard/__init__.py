"""The dashboard: a live page fed by the lake as the stream job commits, an analytics page
over the dbt marts, the JSON API behind both, and the pipeline's health as Prometheus metrics."""
