"""The rituals domain: definitions, schedules, runs, collecting answers, publishing digests, exports,
and time off."""
