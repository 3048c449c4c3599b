"""Prometheus metrics: what each process counts, what is read at scrape time, and /metrics."""
