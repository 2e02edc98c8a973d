"""When a ritual happens: cron, occurrences in local wall-clock time, blackouts and public holidays,
owners' pause and skip."""
