"""The demo's research part: one registry for every team, checked before outreach.

Product ops imports last quarter's touches from CSV (twice: the second import adds nothing). Ana
wants to interview a hospital's head of nursing whom Ben interviewed ten days ago: `/research
plan` says she is in cooldown and whom to ask; Ana goes ahead with a reason, and product ops is
told by DM. She logs the interview through the modal (menus that search as she types), searches
everyone's notes, and the weekly research digest sums up the week in #research-ops.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.demo.storyteller import Storyteller
from research.log.menus import ACCOUNT_ACTION, CONTACT_ACTION
from research.log.modal import LOG_CALLBACK
from research.operations.importing import import_accounts, import_contacts, import_touches
from research.views import GO_AHEAD_CALLBACK, PLAN_OVERRIDE_ACTION
from rituals.runs.trigger import trigger_run

ANA, OWNER = "U0PM00001", "U0PRODOPS"
MONDAY = datetime(2027, 2, 8, 14, 0, tzinfo=UTC)
DIGEST = "weekly-research-digest"

RULES = """\
research:
  owners: [U0PRODOPS]
  contact_cooldown_days: 30
  account_limit: {touches: 4, per: quarter}
  do_not_contact: [board@stjude.example]
  timezone: America/New_York
"""
ACCOUNTS = """\
name,domain,crm_id,owner
Mercy General Hospital,mercy.example,CRM-0042,U0PM00002
St. Jude Clinics,stjude.example,CRM-0077,U0PM00005
Lakeside Health,lakeside.example,,
"""
CONTACTS = """\
email,name,account_domain,role
nadia.cole@mercy.example,Nadia Cole,mercy.example,Head of nursing
raj.patel@mercy.example,Raj Patel,mercy.example,IT director
ines.vidal@stjude.example,Ines Vidal,stjude.example,Practice manager
"""
TOUCHES = (
    "date,contact_email,account_domain,by,kind,topic,summary,tags,link\n"
    "2027-01-06,raj.patel@mercy.example,mercy.example,U0PM00003,call,Single sign-on,"
    '"SSO with their identity provider is a must before the renewal; setup took two weeks",'
    "sso;renewal,https://notes.example/mercy-sso\n"
    "2027-01-19,ines.vidal@stjude.example,stjude.example,U0PM00005,interview,Shift scheduling,"
    '"Nurses swap shifts in a paper binder; onboarding new staff to the schedule takes a month",'
    "scheduling;onboarding,https://notes.example/stjude-shifts\n"
    "2027-01-21,,lakeside.example,U0PM00006,survey,NPS,"
    '"Scores up after the mobile release; two detractors mention slow reports",nps,\n'
    "2027-01-25,nadia.cole@mercy.example,mercy.example,U0PM00002,interview,Shift handover,"
    '"Handover notes get lost between shifts; onboarding agency nurses is the biggest pain",'
    "handover;onboarding,https://notes.example/mercy-handover\n"
)


IMPORTERS = (("accounts", import_accounts), ("contacts", import_contacts), ("touches", import_touches))


def rules_folder(output: Path) -> Path:
    """The demo's research rules, in a folder the bot reads like `RITUALS_PATH`."""
    folder = output / "research"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "research.yml").write_text(RULES, encoding="utf-8")
    return folder


def show_research(demo: Storyteller) -> None:
    demo.section("Customer research: one registry for every team")
    _import(demo)
    _plan_and_go_ahead(demo)
    _log_the_interview(demo)
    _search_and_check(demo)
    _weekly_digest(demo)


def _import(demo: Storyteller) -> None:
    folder = demo.output / "research"
    files = {}
    for name, text in (("accounts", ACCOUNTS), ("contacts", CONTACTS), ("touches", TOUCHES)):
        files[name] = folder / f"{name}.csv"
        files[name].write_text(text, encoding="utf-8")
    session_factory, now = demo.sandbox.session_factory, demo.clock.now()
    today = now.date()
    for attempt in ("Product ops imports last quarter's notes", "…and imports the same files again"):
        demo.say(f"  {attempt}:")
        for name, importer in (
            ("accounts", import_accounts),
            ("contacts", import_contacts),
            ("touches", import_touches),
        ):
            report = importer(session_factory, files[name], now, today, demo.say)
            demo.say(f"    {report.summary(name)}")


def _plan_and_go_ahead(demo: Storyteller) -> None:
    demo.say(f"\n  {demo.name(ANA)} plans to interview Nadia Cole, whom Ben interviewed ten days ago:")
    demo.driver.slash_command(ANA, "/research", "plan nadia.cole@mercy.example")
    plan = demo.ws.ephemeral_for(ANA)[-1]
    demo.show("/research plan (only Ana sees it)", plan)
    demo.driver.click(ANA, plan, PLAN_OVERRIDE_ACTION)
    reason = demo.modal(ANA, GO_AHEAD_CALLBACK)
    demo.driver.submit_view(ANA, reason, {"reason": "Nadia asked to see the handover prototype this week"})
    demo.say("  Ana goes ahead anyway, with a reason; product ops is told by DM:")
    demo.sandbox.app.tick()
    demo.show("Override notice (DM to product ops)", demo.ws.dm_messages(OWNER)[-1])


def _log_the_interview(demo: Storyteller) -> None:
    demo.clock.advance(timedelta(hours=2))
    demo.driver.slash_command(ANA, "/research", "log")
    form = demo.modal(ANA, LOG_CALLBACK)
    [mercy] = demo.driver.suggest(ANA, form, ACCOUNT_ACTION, "merc")
    demo.driver.pick(ANA, form, ACCOUNT_ACTION, mercy)
    nadia = demo.driver.suggest(ANA, form, CONTACT_ACTION, "nadia")[0]
    demo.driver.pick(ANA, form, CONTACT_ACTION, nadia)
    demo.say(
        f"\n  Ana logs the interview; the menus found {mercy['text']['text']} and {nadia['text']['text']}."
    )
    answer = demo.driver.submit_view(
        ANA,
        form,
        {
            "topic": "Handover prototype",
            "summary": "Nadia liked the shift handover checklist; wants it on the ward tablets first.",
            "tags": "handover, prototype",
            "link": "https://notes.example/mercy-prototype",
            "reason": "Nadia asked to see the handover prototype this week",
        },
    )
    demo.say_mrkdwn(f"  The modal answers: {answer['view']['blocks'][0]['text']['text'].splitlines()[0]}")
    demo.say("  Mercy General now has 3 of its 4 touches this quarter: near its limit.")


def _search_and_check(demo: Storyteller) -> None:
    demo.driver.slash_command(ANA, "/research", "search onboarding nurses")
    demo.show("/research search onboarding nurses", demo.ws.ephemeral_for(ANA)[-1])
    demo.driver.slash_command(ANA, "/research", "check mercy.example")
    demo.show("/research check mercy.example", demo.ws.ephemeral_for(ANA)[-1])


def _weekly_digest(demo: Storyteller) -> None:
    # Monday 8 February, 09:00 in New York: the digest of the week before.
    demo.clock.set(MONDAY)
    trigger_run(demo.sandbox.app.services, demo.sandbox.library.get(DIGEST), note="demo")
    demo.until(lambda: demo.ws.messages_in("research-ops"), step=timedelta(minutes=5))
    demo.show("Weekly research digest in #research-ops", demo.ws.messages_in("research-ops")[0])
