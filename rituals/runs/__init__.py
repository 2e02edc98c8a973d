"""A run's life: materialised from the schedule, opened with its participants, closed; owners' read-outs."""
