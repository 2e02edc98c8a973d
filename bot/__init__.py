"""Process wiring for ritualbot: settings, app factory, CLI, serving, scheduling, Slack client."""
