"""Slack listeners of the research registry: `/research` and its result pages, the log modal
(from the command, the Home tab or a message's shortcut) with its menus, and going ahead with
outreach against a rule.

Each module is named module-level functions and a `register(app)`; the registry's services
reach them as `research`, from the request context (`handlers.wiring.ListenerContext`).
"""
