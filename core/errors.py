"""Errors with a message meant for the person in Slack.

Anything raised from `rituals/` that a user caused (an unknown ritual, a missing permission)
subclasses `UserFacingError`; its message is shown as is. Every other exception is a bug: the
user sees a short apology with an error id, and the log has the full story under that id.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message is written for the person who caused it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(UserFacingError):
    """The person may not do this (management actions are for owners and admins)."""
