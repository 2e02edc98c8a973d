"""Item 6: an edit saved after a late answer re-rendered the post is refused, with the newer text
shown in the modal, so neither the late answer nor the owner's edit is lost."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.runs.opening import create_manual_run
from storage.models import Answer, Participant, ParticipantState, Publication, Run
from tests.publishing.conftest import answer_values, roadmap

from .edge import FAULT, errors_in

pytestmark = FAULT

RITUAL = "monthly-roadmap-checkin"
OWNER = "U0PRODOPS"


def record_answer(sandbox: Sandbox, run: Run, user: str, values: dict[str, Any], *, late: bool) -> None:
    with sandbox.session_factory.begin() as session:
        session.add(
            Answer(
                run_id=run.id,
                ritual_id=run.ritual_id,
                user_id=user,
                version=1,
                values=values,
                late=late,
                submitted_at=sandbox.clock.now(),
            )
        )
        participant = session.scalar(
            select(Participant).where(Participant.run_id == run.id, Participant.user_id == user)
        )
        assert participant is not None
        participant.state = ParticipantState.ANSWERED


def sales_post(sandbox: Sandbox) -> Publication:
    with sandbox.session_factory() as session:
        publication = session.scalar(select(Publication).where(Publication.audience == "sales"))
        assert publication is not None
        return publication


def test_an_edit_of_an_older_version_is_refused_with_the_newer_text_shown(
    sandbox: Sandbox, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    services = sandbox.app.services
    definition = sandbox.library.get(RITUAL)
    with sandbox.session_factory.begin() as session:
        run = create_manual_run(session, definition, clock.now(), note="test")
    opened = services.opener.open(run, clock.now())
    assert opened is not None
    record_answer(
        sandbox, run, "U0PM00001", answer_values(roadmap("Self-serve SSO", shareable=True)), late=False
    )
    clock.advance(timedelta(minutes=5))
    assert services.closer.close(run.id, clock.now(), note="closed by test")
    sandbox.app.tick()
    preview = next(
        m for m in sandbox.workspace.dm_messages(OWNER) if "publication_edit" in json.dumps(m.blocks)
    )
    # The owner opens the editor at version 1...
    sandbox.driver.click(OWNER, preview, "publication_edit")
    modal = sandbox.workspace.wait_for(lambda: sandbox.workspace.last_modal(OWNER))
    assert sales_post(sandbox).version == 1
    # ...a late answer re-renders the post to version 2 (what the answer modal does)...
    record_answer(
        sandbox, run, "U0PM00002", answer_values(roadmap("Audit log export", shareable=True)), late=True
    )
    with sandbox.session_factory.begin() as session:
        services.publisher.refresh(session, run, "late answer from <@U0PM00002>", clock.now())
    assert sales_post(sandbox).version == 2
    # ...and the owner saves an edit of version 1.
    edit = "*Roadmap for customers*\nSSO opens in March."
    answer = sandbox.driver.submit_view(OWNER, modal, {"part_0": edit})
    assert answer["response_action"] == "update"
    shown = json.dumps(answer["view"])
    assert "Audit log export" in shown  # the newer text, to merge from
    assert "SSO opens in March" in shown  # the owner's edit, still in the box
    post = sales_post(sandbox)
    assert post.version == 2
    assert "Audit log export" in post.body
    # Saved again from the updated editor (which now edits version 2), the edit goes through.
    again = sandbox.workspace.wait_for(lambda: sandbox.workspace.last_modal(OWNER))
    merged = edit + "\nAudit log export is coming too."
    assert sandbox.driver.submit_view(OWNER, again, {"part_0": merged}).get("response_action") is None
    post = sales_post(sandbox)
    assert (post.version, post.body) == (3, merged)
    assert errors_in(caplog) == []
