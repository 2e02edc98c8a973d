"""What a person is told when something fails, and the log line that goes with it.

Used by the global error handler and by listeners that do their work after acknowledging:
Bolt hands an error raised after `ack()` to the error handler but then drops the
acknowledgement it already had, so such listeners report their own failures through
`respond` instead of raising.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from core.errors import UserFacingError

log = logging.getLogger("ritualbot.errors")


def describe_failure(error: Exception, context: str, logger: logging.Logger | None = None) -> str:
    """Log `error` (with an id unless the user caused it) and return the text to show them."""
    logger = logger or log
    if isinstance(error, UserFacingError):
        logger.info("refused %s: %s", context, error.message)
        return error.message
    error_id = secrets.token_hex(4)
    logger.error("failed %s [error id %s]", context, error_id, exc_info=error)
    return f"Sorry, something went wrong on our side. Nothing you entered was lost. (error id {error_id})"


def text_or_failure(work: Callable[[], str], context: str) -> str:
    """Run `work`; on failure, the failure's description instead of an exception."""
    try:
        return work()
    except Exception as error:  # every failure becomes a message; the log keeps the details
        return describe_failure(error, context)
