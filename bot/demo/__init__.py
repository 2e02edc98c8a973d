"""`ritualbot demo`: a ritual on the simulated workspace, narrated in the terminal."""
