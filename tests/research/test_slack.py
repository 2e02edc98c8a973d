"""The registry in Slack, end to end: signed requests into the bot's endpoint, the simulated
workspace answering over HTTP, and the database underneath."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from bot.sandbox import Sandbox
from research.home import HOME_LOG_ACTION
from research.log.menus import ACCOUNT_ACTION, CONTACT_ACTION
from research.log.modal import LOG_CALLBACK, NEW_NAME, NEW_ROLE
from research.results import SEARCH_PAGE_ACTION
from research.views import PLAN_OVERRIDE_ACTION
from simulator import ViewRecord
from storage.models import Contact, Override, OverrideStage, Touch, TouchKind

from .conftest import OWNER, Registry

ANA, BEN = "U0PM00001", "U0PM00002"


def text_of(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def command(slack: Sandbox, text: str, user: str = ANA) -> dict[str, Any]:
    reply = slack.driver.slash_command(user, "/research", text)
    assert reply.status == 200
    return reply.json or {}


def modal(slack: Sandbox, user: str, callback_id: str = LOG_CALLBACK) -> ViewRecord:
    def ready() -> ViewRecord | None:
        view = slack.workspace.last_modal(user)
        return view if view is not None and view.callback_id == callback_id else None

    found = slack.workspace.wait_for(ready)
    assert isinstance(found, ViewRecord)
    return found


@pytest.fixture
def seeded(slack: Sandbox) -> Registry:
    registry = Registry(slack.session_factory)
    acme = registry.account("acme.com", "Acme Health", owner="U0LEAD001")
    jane = registry.contact("jane@acme.com", acme, "Jane Doe")
    registry.touch(
        acme,
        date(2027, 1, 4),
        contact_id=jane,
        by=BEN,
        topic="Onboarding <!channel>",
        summary="Jane says onboarding takes two weeks & SSO is the worst part.",
        tags=("onboarding",),
        link="https://notes.example/jane",
    )
    registry.account("globex.com", "Globex")
    return registry


def test_help_and_unknown_subcommands(slack: Sandbox) -> None:
    body = command(slack, "help")
    assert body["response_type"] == "ephemeral"
    text = text_of(body["blocks"])
    for usage in ("check ACCOUNT|EMAIL", "plan ACCOUNT|EMAIL", "log [ACCOUNT|EMAIL]", "search TEXT"):
        assert f"/research {usage}" in text
    assert "I don't know `/research frobnicate`" in text_of(command(slack, "frobnicate"))
    assert "Usage: `/research check ACCOUNT|EMAIL`" in text_of(command(slack, "check"))


def test_check_shows_status_owner_and_last_touches_escaped(slack: Sandbox, seeded: Registry) -> None:
    text = text_of(command(slack, "check <mailto:jane@acme.com|jane@acme.com>")["blocks"])
    assert "⏳ in cooldown until 2027-02-03 (last interview on 2027-01-04 by <@U0PM00002>)" in text
    assert "Relationship owner: <@U0LEAD001>" in text
    assert "Touches in 2027-Q1: 1 of 4" in text
    assert "Onboarding &lt;!channel&gt;" in text
    assert "<!channel>" not in text
    assert "✅ free to contact" in text_of(command(slack, "check globex.com"))
    assert "⛔ on the do-not-contact list (initech.com)" in text_of(command(slack, "check initech.com"))


def test_plan_says_whom_to_ask_and_going_ahead_takes_a_reason_and_tells_the_owner(
    slack: Sandbox, seeded: Registry
) -> None:
    body = command(slack, "plan jane@acme.com")
    text = text_of(body["blocks"])
    assert "would break a research rule" in text
    assert "Talked to them last: <@U0PM00002>" in text
    [plan] = slack.workspace.ephemeral_for(ANA)
    slack.driver.click(ANA, plan, PLAN_OVERRIDE_ACTION)
    reason_modal = modal(slack, ANA, "research_go_ahead")
    with pytest.raises(ValueError, match="required"):
        slack.driver.submit_view(ANA, reason_modal, {})
    answer = slack.driver.submit_view(ANA, reason_modal, {"reason": "Jane asked us <!here> to call back"})
    assert answer["response_action"] == "update"
    with slack.session_factory() as session:
        override = session.scalar(select(Override))
        assert override is not None
        assert (override.stage, override.by, override.reason) == (
            OverrideStage.PLAN,
            ANA,
            "Jane asked us <!here> to call back",
        )
    slack.app.tick()
    [notice] = slack.workspace.dm_messages(OWNER)
    text = text_of(notice.blocks)
    assert "<@U0PM00001> is reaching out to *Acme Health* (acme.com)" in text
    assert "Jane asked us &lt;!here&gt; to call back" in text
    assert "Fine to reach out to *Globex*" in text_of(command(slack, "plan globex.com"))


def test_search_is_ranked_escaped_and_paged(slack: Sandbox, seeded: Registry) -> None:
    acme = seeded.account("initrode.com", "Initrode")
    for day in range(1, 13):
        seeded.touch(acme, date(2027, 1, day), topic=f"Renewal call {day}", summary="renewal at risk")
    first = command(slack, "search renewal")
    assert first["text"].startswith("Results 1 to 10 of 12")
    [results] = slack.workspace.ephemeral_for(ANA)
    slack.driver.click(ANA, results, f"{SEARCH_PAGE_ACTION}_next")
    replaced = slack.workspace.wait_for(
        lambda: next((e for e in slack.workspace.ephemeral_for(ANA) if "Results 11 to 12" in e.text), None)
    )
    assert "Renewal call 1" in text_of(replaced.blocks)
    found = text_of(command(slack, "search onboarding tag:onboarding by:<@U0PM00002|ben>")["blocks"])
    assert "*Onboarding &lt;!channel&gt;*" in found
    assert "*onboarding*" in found  # the match in the snippet, in bold
    assert "&amp; SSO" in found
    assert "<https://notes.example/jane|notes>" in found


def test_logging_with_the_menus_adds_a_new_contact_inline(slack: Sandbox, seeded: Registry) -> None:
    command(slack, "log")
    view = modal(slack, ANA)
    options = slack.driver.suggest(ANA, view, ACCOUNT_ACTION, "ac")
    assert [option["text"]["text"] for option in options] == ["Acme Health (acme.com)"]
    account = options[0]
    assert slack.driver.pick(ANA, view, ACCOUNT_ACTION, account) is None  # no dispatch: Slack keeps it
    contacts = slack.driver.suggest(ANA, view, CONTACT_ACTION, "Sam@Acme.com")
    assert contacts[0]["text"]["text"] == "Add sam@acme.com as a new contact"
    slack.driver.pick(ANA, view, CONTACT_ACTION, contacts[0])
    slack.workspace.wait_for(lambda: slack.workspace.view(view.id).block(NEW_NAME))
    assert slack.workspace.view(view.id).block(NEW_ROLE) is not None
    answer = slack.driver.submit_view(
        ANA,
        view,
        {
            NEW_NAME: "Sam Lee",
            NEW_ROLE: "IT admin",
            "kind": "call",
            "topic": "SCIM",
            "summary": "Wants SCIM before renewal",
            "tags": "SCIM, #Renewal",
        },
    )
    assert answer["response_action"] == "update"
    assert "Logged: *Call* with *Acme Health*" in text_of(answer["view"])
    with slack.session_factory() as session:
        sam = session.scalar(select(Contact).where(Contact.email == "sam@acme.com"))
        assert sam is not None
        assert (sam.name, sam.role) == ("Sam Lee", "IT admin")
        touch = session.scalar(select(Touch).where(Touch.contact_id == sam.id))
        assert touch is not None
        assert (touch.kind, touch.by, touch.touched_on) == (TouchKind.CALL, ANA, date(2027, 1, 13))


def test_the_contacts_menu_narrows_to_the_chosen_account(slack: Sandbox, seeded: Registry) -> None:
    seeded.contact("jane@globex.com", seeded.account("globex.example", "Globex Europe"), "Jane Roe")
    command(slack, "log acme.com")
    view = modal(slack, ANA)
    assert view.block("account")["element"]["initial_option"]["text"]["text"] == "Acme Health (acme.com)"
    assert [option["text"]["text"] for option in slack.driver.suggest(ANA, view, CONTACT_ACTION, "jane")] == [
        "Jane Doe <jane@acme.com>"
    ]


def test_logging_against_a_rule_needs_a_reason_next_to_the_reason_box(
    slack: Sandbox, seeded: Registry
) -> None:
    command(slack, "log jane@acme.com")
    view = modal(slack, ANA)
    assert view.block("contact")["element"]["initial_option"]["text"]["text"] == "Jane Doe <jane@acme.com>"
    values = {"topic": "Follow-up", "summary": "More about SSO"}
    answer = slack.driver.submit_view(ANA, view, values)
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {
        "reason": "This touch is in cooldown until 2027-02-03 (last interview on 2027-01-04). "
        "Give a reason to log it anyway."
    }
    with slack.session_factory() as session:
        assert len(session.scalars(select(Touch)).all()) == 1
    answer = slack.driver.submit_view(ANA, view, {**values, "reason": "She called us"})
    assert answer["response_action"] == "update"
    slack.app.tick()
    [notice] = slack.workspace.dm_messages(OWNER)
    assert "<@U0PM00001> logged a touch with *Acme Health*" in text_of(notice.blocks)


def test_a_future_date_and_a_missing_account_are_inline_errors(slack: Sandbox, seeded: Registry) -> None:
    command(slack, "log")
    view = modal(slack, ANA)
    answer = slack.driver.submit_view(
        ANA, view, {"date": date(2027, 1, 20), "topic": "Later", "summary": "Not yet"}, enforce_required=False
    )
    assert answer["response_action"] == "errors"
    assert answer["errors"]["account"] == "Pick the account."
    assert answer["errors"]["date"].startswith("Log a touch once it has happened")


def test_the_message_shortcut_logs_a_message_as_a_note(slack: Sandbox, seeded: Registry) -> None:
    posted = slack.client.chat_postMessage(channel="C0GENERAL", text="Acme wants SSO &amp; SCIM &lt;soon&gt;")
    message = slack.workspace.find_message("C0GENERAL", posted["ts"])
    slack.driver.message_shortcut(ANA, message, "research_log_message")
    view = modal(slack, ANA)
    summary = view.block("summary")["element"]
    assert summary["initial_value"] == "Acme wants SSO & SCIM <soon>"
    link = view.block("link")["element"]["initial_value"]
    assert link.startswith("https://")
    assert posted["ts"].replace(".", "") in link
    [account] = slack.driver.suggest(ANA, view, ACCOUNT_ACTION, "acme")
    answer = slack.driver.submit_view(ANA, view, {"account": account, "topic": "SSO in #general"})
    assert answer["response_action"] == "update"
    with slack.session_factory() as session:
        touch = session.scalar(select(Touch).where(Touch.topic == "SSO in #general"))
        assert touch is not None
        assert (touch.summary, touch.link) == ("Acme wants SSO & SCIM <soon>", link)


def test_home_shows_my_touches_and_the_accounts_near_their_limit(slack: Sandbox, seeded: Registry) -> None:
    [acme] = [account for account, name in seeded.accounts if name == "Acme Health"]
    for day in (5, 6):
        seeded.touch(acme, date(2027, 1, day), by=ANA, kind=TouchKind.EMAIL, topic=f"Email {day} <@U0X>")
    slack.driver.open_home(ANA)
    home = slack.workspace.wait_for(lambda: slack.workspace.home_view(ANA))
    text = text_of(home.blocks)
    assert "*Customer research*" in text
    assert "Email 6 &lt;@U0X&gt;" in text
    assert "*Acme Health* (acme.com): 3 of 4 in 2027-Q1, near the limit" in text
    slack.driver.click_home(ANA, HOME_LOG_ACTION)
    assert modal(slack, ANA).title == "Log research"


def test_no_research_section_for_a_workspace_that_does_not_use_it(slack: Sandbox) -> None:
    slack.driver.open_home(ANA)
    home = slack.workspace.wait_for(lambda: slack.workspace.home_view(ANA))
    assert "Customer research" not in text_of(home.blocks)
