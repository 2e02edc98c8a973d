"""Slack listeners, one folder per domain: parse the payload, call one use case, answer Slack.

Beside them what every listener shares: payload parsing, the one failure path, wiring."""
