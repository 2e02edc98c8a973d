"""Closing a run posts the leaders' digest and the audience posts, once, through approval."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from simulator import Message
from storage.models import Publication, PublicationStatus, Run

from .conftest import (
    OWNER,
    AnswerFn,
    add_participants,
    answer_values,
    close,
    deliver_everything,
    roadmap,
)


def _texts(messages: list[Message]) -> str:
    return json.dumps([m.blocks for m in messages])


def _publication(sandbox: Sandbox, audience: str) -> Publication:
    with Session(sandbox.engine) as session:
        found = session.scalar(select(Publication).where(Publication.audience == audience))
        assert found is not None
        return found


def _scenario(answer: AnswerFn) -> None:
    answer(
        "U0PM00001",
        answer_values(
            roadmap("Self-serve SSO", "Now", "In progress", target_date="2027-03-15", shareable=True),
            roadmap("Billing rewrite", "Next", "Planned", target_date="2027-05-01"),
            risks="Vendor contract not signed",
            customer_update="SSO beta opens in March",
        ),
    )
    answer("U0PM00002", answer_values(roadmap("Mobile offline mode", "Later", "Planned", shareable=True)))


def test_close_posts_the_digest_and_holds_sales_for_approval(
    sandbox: Sandbox, clock: FrozenClock, open_run: Run, answer: AnswerFn
) -> None:
    _scenario(answer)
    close(sandbox, clock, open_run)

    leaders = sandbox.workspace.messages_in("product-leads")
    assert len(leaders) == 1
    digest = _texts(leaders)
    assert "Self-serve SSO" in digest
    assert "Billing rewrite" in digest
    assert "Vendor contract not signed" in digest  # leaders see the internal notes
    assert "U0PM00003" in digest  # and who did not answer

    marketing = _texts(sandbox.workspace.messages_in("marketing-launches"))
    assert "2027-03-15" in marketing
    assert "Self-serve SSO" in marketing

    # Sales waits for an owner: nothing in the channel, a preview with buttons in the owner's DM.
    assert sandbox.workspace.messages_in("sales-roadmap") == []
    assert _publication(sandbox, "sales").status is PublicationStatus.AWAITING_APPROVAL
    [preview] = sandbox.workspace.dm_messages(OWNER)
    preview_text = _texts([preview])
    assert "publication_approve" in preview_text
    assert "Billing rewrite" not in preview_text  # not shareable
    assert "Vendor contract" not in preview_text  # internal notes never reach sales

    sandbox.driver.click(OWNER, preview, "publication_approve")
    sandbox.workspace.wait_for(lambda: _publication(sandbox, "sales").approved_version == 1)
    sandbox.app.tick()
    sales = sandbox.workspace.messages_in("sales-roadmap")
    assert len(sales) == 1
    sales_text = _texts(sales)
    assert "Self-serve SSO" in sales_text
    assert "Mobile offline mode" in sales_text
    assert "Billing rewrite" not in sales_text
    assert "Vendor contract" not in sales_text
    publication = _publication(sandbox, "sales")
    assert (publication.decided_by, publication.status) == (OWNER, PublicationStatus.PUBLISHED)
    # The preview now says who approved it, and has no buttons left.
    updated = sandbox.workspace.find_message(preview.channel, preview.ts)
    assert f"Approved by <@{OWNER}>" in _texts([updated])
    assert "publication_approve" not in _texts([updated])
    # The digest carries an Export CSV button for leaders' own analysis.
    sandbox.driver.click(OWNER, leaders[0], "export_csv")
    sandbox.workspace.wait_for(lambda: [r for r in sandbox.workspace.responses if "export" in str(r.body)])
    sandbox.app.tick()  # the outbox shares the file
    upload = sandbox.workspace.wait_for(lambda: [f for f in sandbox.workspace.files if f.completed])
    assert upload[0].content is not None
    assert "Self-serve SSO" in upload[0].content.decode("utf-8-sig")


def test_only_owners_can_approve(
    sandbox: Sandbox, clock: FrozenClock, open_run: Run, answer: AnswerFn
) -> None:
    _scenario(answer)
    close(sandbox, clock, open_run)
    [preview] = sandbox.workspace.dm_messages(OWNER)
    sandbox.driver.click("U0PM00001", preview, "publication_approve")
    sandbox.workspace.wait_for(lambda: sandbox.workspace.responses)
    assert "Only the owners" in sandbox.workspace.responses[-1].body["text"]
    sandbox.app.tick()
    assert sandbox.workspace.messages_in("sales-roadmap") == []


def test_reject_posts_nothing(sandbox: Sandbox, clock: FrozenClock, open_run: Run, answer: AnswerFn) -> None:
    _scenario(answer)
    close(sandbox, clock, open_run)
    [preview] = sandbox.workspace.dm_messages(OWNER)
    sandbox.driver.click(OWNER, preview, "publication_reject")
    sandbox.workspace.wait_for(lambda: _publication(sandbox, "sales").status is PublicationStatus.REJECTED)
    sandbox.app.tick()
    assert sandbox.workspace.messages_in("sales-roadmap") == []
    assert "Rejected by" in _texts([sandbox.workspace.find_message(preview.channel, preview.ts)])


def test_repeated_close_and_tick_never_post_twice(
    sandbox: Sandbox, clock: FrozenClock, open_run: Run, answer: AnswerFn
) -> None:
    _scenario(answer)
    close(sandbox, clock, open_run)
    assert not sandbox.app.services.closer.close(open_run.id, clock.now())
    # Even the close hook run again (a crash and a replay) finds its publications and deliveries.
    with sandbox.session_factory.begin() as session:
        run = session.get(Run, open_run.id)
        assert run is not None
        sandbox.app.services.publisher.on_close(session, run, clock.now())
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        sandbox.app.tick()
    assert len(sandbox.workspace.messages_in("product-leads")) == 1
    assert len(sandbox.workspace.messages_in("marketing-launches")) == 1
    assert len(sandbox.workspace.dm_messages(OWNER)) == 1
    with Session(sandbox.engine) as session:
        assert session.scalar(select(func.count()).select_from(Publication)) == 3


def test_late_answer_updates_the_digest_in_place(
    sandbox: Sandbox, clock: FrozenClock, open_run: Run, answer: AnswerFn
) -> None:
    _scenario(answer)
    close(sandbox, clock, open_run)
    [digest] = sandbox.workspace.messages_in("product-leads")
    stale_preview = copy.deepcopy(sandbox.workspace.dm_messages(OWNER)[0])
    answer(
        "U0PM00003", answer_values(roadmap("Audit log export", "Now", "Shipped", shareable=True)), late=True
    )
    with sandbox.session_factory.begin() as session:
        run = session.get(Run, open_run.id)
        assert run is not None
        sandbox.app.services.publisher.refresh(
            session, run, "updated after a late answer from chloe", clock.now()
        )
    sandbox.app.tick()
    [after] = sandbox.workspace.messages_in("product-leads")
    assert after.ts == digest.ts  # the same message, edited
    assert "Audit log export" in _texts([after])
    assert "Edited" in _texts([after])
    assert sandbox.workspace.calls("chat.update")
    # Sales was never approved: the old preview is closed, a preview of the new text replaces it.
    first, second = sandbox.workspace.dm_messages(OWNER)
    assert "Replaced by a newer version" in _texts([sandbox.workspace.find_message(first.channel, first.ts)])
    assert "Audit log export" in _texts([second])
    sandbox.driver.click(OWNER, stale_preview, "publication_approve")  # a stale preview cannot approve
    sandbox.workspace.wait_for(lambda: sandbox.workspace.responses)
    assert "out of date" in sandbox.workspace.responses[-1].body["text"]


def test_injection_attempts_arrive_as_text(
    sandbox: Sandbox, clock: FrozenClock, open_run: Run, answer: AnswerFn
) -> None:
    hostile = "<!channel> <!here> <@U0PRODOPS> <!subteam^S0PM> <http://evil.example|innocent> & co"
    answer(
        "U0PM00001",
        answer_values(
            roadmap(hostile, "Now", "In progress", shareable=True), risks=hostile, customer_update=hostile
        ),
    )
    close(sandbox, clock, open_run)
    posted = _texts(
        sandbox.workspace.messages_in("product-leads") + sandbox.workspace.messages_in("marketing-launches")
    )
    for token in (
        "<!channel>",
        "<!here>",
        "<@U0PRODOPS>",
        "<!subteam^S0PM>",
        "<http://evil.example|innocent>",
    ):
        assert token not in posted
    assert "&lt;!channel&gt;" in posted
    assert "&lt;http://evil.example|innocent&gt; &amp; co" in posted


def test_a_thousand_answers_split_into_valid_threaded_messages(
    sandbox: Sandbox, clock: FrozenClock, open_run: Run, answer: AnswerFn
) -> None:
    add_participants(sandbox, open_run, "U1K", 1000)
    for n in range(1000):
        items = [roadmap(f"Item {n}-{i} with a reasonably descriptive title", "Now") for i in range(3)]
        answer(f"U1K{n:05d}", answer_values(*items, risks=f"Risk number {n} " * 5))
    close(sandbox, clock, open_run)
    deliver_everything(sandbox, clock)
    leaders = sandbox.workspace.messages_in("product-leads", include_replies=False)
    assert len(leaders) == 1
    parent = leaders[0]
    replies = sandbox.workspace.thread("product-leads", parent.ts)
    replies = [m for m in replies if m.ts != parent.ts]
    assert len(replies) > 10
    everything = _texts(replies)
    # Nothing was cut: the first and last answers are both there.
    assert "Item 0-0 with" in everything
    assert "Item 999-2 with" in everything
    for message in [parent, *replies]:
        assert len(message.blocks) <= 50
    refused = [
        c for c in sandbox.workspace.calls("chat.postMessage") if c.response and not c.response.get("ok")
    ]
    assert refused == []


def test_history_and_home_link_to_posted_digests(
    sandbox: Sandbox, clock: FrozenClock, open_run: Run, answer: AnswerFn
) -> None:
    _scenario(answer)
    close(sandbox, clock, open_run)
    reply = sandbox.driver.slash_command(OWNER, "/ritual", "history monthly-roadmap-checkin")
    text = json.dumps(reply.json) + json.dumps([r.body for r in sandbox.workspace.responses])
    [digest] = sandbox.workspace.messages_in("product-leads")
    permalink = sandbox.client.chat_getPermalink(channel=digest.channel, message_ts=digest.ts)["permalink"]
    assert f"<{permalink}|leaders>" in text
    assert "|marketing>" in text
    assert "|sales>" not in text  # still waiting for approval: nothing posted

    sandbox.driver.open_home(OWNER)
    home = sandbox.workspace.wait_for(lambda: sandbox.workspace.home_view(OWNER))
    home_text = json.dumps(home.blocks)
    assert "Past digests" in home_text
    assert permalink in home_text
    assert "export_csv" in home_text


def test_an_update_that_needs_fewer_parts_marks_the_rest_removed(
    sandbox: Sandbox, clock: FrozenClock, open_run: Run, answer: AnswerFn
) -> None:
    add_participants(sandbox, open_run, "U2P", 60)
    for n in range(60):
        answer(f"U2P{n:05d}", answer_values(roadmap(f"Item {n}"), risks="A long risk description. " * 40))
    close(sandbox, clock, open_run)
    deliver_everything(sandbox, clock)
    [parent] = sandbox.workspace.messages_in("product-leads", include_replies=False)
    before = [m for m in sandbox.workspace.thread("product-leads", parent.ts) if m.ts != parent.ts]
    assert len(before) >= 3
    # Everyone's newest answer is short now: the digest fits fewer parts.
    for n in range(60):
        answer(f"U2P{n:05d}", answer_values(roadmap(f"Item {n}")))
    with sandbox.session_factory.begin() as session:
        run = session.get(Run, open_run.id)
        assert run is not None
        sandbox.app.services.publisher.refresh(session, run, "answers corrected", clock.now())
    deliver_everything(sandbox, clock)
    after = [sandbox.workspace.find_message("product-leads", m.ts) for m in before]
    removed = [m for m in after if "removed in a later edit" in _texts([m])]
    assert removed, "surplus parts must say they were removed, not keep stale text"
    assert "A long risk description" not in _texts(after)
    assert len(sandbox.workspace.messages_in("product-leads", include_replies=False)) == 1


def test_a_change_before_the_first_post_went_out_still_reaches_the_channel(
    sandbox: Sandbox, clock: FrozenClock, open_run: Run, answer: AnswerFn
) -> None:
    _scenario(answer)
    clock.advance(timedelta(minutes=5))
    # Closed, but no tick has sent anything yet when a late answer arrives.
    assert sandbox.app.services.closer.close(open_run.id, clock.now(), note="closed by test")
    answer("U0PM00003", answer_values(roadmap("Audit log export", "Now", "Shipped")), late=True)
    with sandbox.session_factory.begin() as session:
        run = session.get(Run, open_run.id)
        assert run is not None
        sandbox.app.services.publisher.refresh(session, run, "updated after a late answer", clock.now())
    deliver_everything(sandbox, clock)
    [digest] = sandbox.workspace.messages_in("product-leads")
    assert "Audit log export" in _texts([digest])
    assert "Edited" in _texts([digest])
