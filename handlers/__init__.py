"""Slack listeners: a payload comes in, rituals/ does the work, the listener answers Slack."""
