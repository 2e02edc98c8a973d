"""Internal data and key results: objectives as YAML, sources fetched over HTTP, check-ins per key
result, trends, charts and metrics for the rituals' digests."""
