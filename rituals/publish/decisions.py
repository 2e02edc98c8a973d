"""What owners do with a post that waits for approval: approve, reject, or edit it.

Each is for the ritual's owners and the admins, checked in the transaction that acts; the
buttons carry the version they decide, so a stale preview cannot approve newer text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.errors import UserFacingError
from core.types import JsonDict
from rituals.definition.managers import require_manager
from rituals.publish.post_editor import PART_BLOCK, EditMeta, edited_text, editor_view, stale_editor_view
from rituals.publish.publisher import StaleEdit
from rituals.services import Services
from storage.models import Publication, Run


def _managed_publication(
    services: Services, session: Session, publication_id: int, user_id: str
) -> Publication:
    publication = session.get(Publication, publication_id)
    if publication is None:
        raise UserFacingError("That post no longer exists.")
    run = session.get(Run, publication.run_id)
    assert run is not None
    require_manager(services.library.get(run.ritual_id), user_id, services.admins)
    return publication


def _decide(
    services: Services,
    publication_id: int,
    version: int,
    user_id: str,
    decision: Callable[[Session, int, int, str, datetime], Publication],
    outcome: str,
) -> str:
    with services.session_factory.begin() as session:
        _managed_publication(services, session, publication_id, user_id)
        publication = decision(session, publication_id, version, user_id, services.clock.now())
        return outcome.format(audience=publication.audience)


def approve_post(services: Services, publication_id: int, version: int, user_id: str) -> str:
    approve = services.publisher.approve
    return _decide(
        services, publication_id, version, user_id, approve, "Approved: the {audience} post goes out now."
    )


def reject_post(services: Services, publication_id: int, version: int, user_id: str) -> str:
    reject = services.publisher.reject
    return _decide(
        services,
        publication_id,
        version,
        user_id,
        reject,
        "Rejected: the {audience} post will not be posted.",
    )


def post_editor(services: Services, publication_id: int, user_id: str) -> JsonDict:
    """The editor modal for the post as it is now."""
    with services.session_factory() as session:
        return editor_view(_managed_publication(services, session, publication_id, user_id))


@dataclass(frozen=True)
class EditRefused:
    """A stale edit, not saved: the editor to show instead, with the newer text in it."""

    view: JsonDict


def save_post_edit(
    services: Services, meta: EditMeta, values: Mapping[str, Mapping[str, Mapping[str, Any]]], user_id: str
) -> dict[str, str] | EditRefused:
    """Store the edited text as a new version awaiting approval; errors by input block, if any,
    or the editor again when the post changed since the owner opened it."""
    text = edited_text(values)
    if not text:
        return {PART_BLOCK.format(0): "The post cannot be empty."}
    try:
        with services.session_factory.begin() as session:
            _managed_publication(services, session, meta.publication_id, user_id)
            services.publisher.edit(
                session, meta.publication_id, text, user_id, services.clock.now(), from_version=meta.version
            )
    except StaleEdit as stale:
        return EditRefused(stale_editor_view(meta.publication_id, stale, text))
    return {}
