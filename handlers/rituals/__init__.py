"""Slack listeners of the rituals domain: `/ritual`, the prompt's buttons, the answer modal,
approval, export, and time off."""
