"""When a ritual happens: cron, occurrences in local wall-clock time, blackouts, owners' pause and skip."""
