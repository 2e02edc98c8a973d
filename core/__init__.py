"""The shared kernel every package may use: injected time, user-facing errors, typed JSON,
canonical time zones and line-tracked YAML. It knows nothing of Slack or the database."""
