"""A run's life: materialised from the schedule, opened with its participants, closed; triggered,
closed or nudged by owners now; status, history and the list."""
