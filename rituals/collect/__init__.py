"""Asking and answering: prompts, the answer modal and its drafts, answers, skips and hand-offs, reminders."""
