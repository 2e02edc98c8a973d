"""Time off: people away for a run are not prompted or chased, and digests say "away"."""
