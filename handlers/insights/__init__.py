"""Slack listeners of the key results and metrics: `/ritual okrs`."""
