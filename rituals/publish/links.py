"""Links to a run's posted digests, for `/ritual history` and the Home tab."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from messaging.gateway import SlackError, SlackGateway
from rituals.publish.publisher import posted_digests

log = logging.getLogger(__name__)


def digest_links(session: Session, gateway: SlackGateway, run_id: int) -> str:
    """`leaders · sales` as mrkdwn links to each audience's first post; "" when nothing was posted."""
    links: list[str] = []
    seen: set[str] = set()
    for audience, channel, ts in sorted(posted_digests(session, run_id)):
        if audience in seen:
            continue  # one link per audience, even when it went to several channels
        try:
            url = gateway.permalink(channel, ts)
        except SlackError as error:  # a missing link must not break the history
            log.info("no permalink for %s in %s: %s", ts, channel, error)
            continue
        seen.add(audience)
        links.append(f"<{url}|{audience}>")
    return " · ".join(links)
