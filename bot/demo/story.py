"""The demo: a whole monthly roadmap check-in on the simulated workspace, in under a minute.

The real bot (app factory, HTTP endpoint, outbox, tick) runs against the simulated Slack
workspace with a fresh SQLite file and a clock the script moves forward: the run opens, PMs
answer through the modal, one skips, one never answers and is reminded, the run closes, the
sales post waits for approval and is approved. Every post is printed, and its Block Kit is
saved with a Block Kit Builder link.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.demo.okrs import show_key_results
from bot.demo.terminal import builder_link, save_blocks, terminal_text
from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.collect.forms.ids import ADD_ITEM_ACTION, ANSWER_CALLBACK, ITEM_CALLBACK
from rituals.collect.prompts import FILL_ACTION, SKIP_ACTION
from rituals.publish.approval import APPROVE_ACTION
from simulator import Message, ViewRecord

RITUAL = "monthly-roadmap-checkin"
OWNER = "U0PRODOPS"
# Monday 1 February 2027, 10:00 in New York: the first Monday of the month.
OPENS = datetime(2027, 2, 1, 15, 0, tzinfo=UTC)
SKIPPER = "U0PM00004"
SILENT = "U0PM00008"

Echo = Callable[[str], None]

ANSWERS: dict[str, dict[str, Any]] = {
    "U0PM00001": {
        "status": "On track",
        "items": [
            {
                "title": "Self-serve SSO",
                "horizon": "Now",
                "status": "In progress",
                "target_date": "2027-03-15",
                "link": "https://wiki.example/sso",
                "shareable": ["yes"],
            },
            {"title": "Audit log export", "horizon": "Next", "status": "Planned"},
        ],
        "risks": "Identity vendor contract still unsigned",
        "customer_update": "Single sign-on for every plan, from mid-March.",
    },
    "U0PM00002": {
        "status": "At risk",
        "items": [
            {
                "title": "Offline mode for mobile",
                "horizon": "Now",
                "status": "At risk",
                "target_date": "2027-04-01",
                "shareable": ["yes"],
            }
        ],
        "risks": "Two engineers out in March",
        "asks": "A decision on the sync conflict policy by 10 Feb",
    },
    "U0PM00003": {
        "status": "On track",
        "items": [{"title": "Usage-based billing", "horizon": "Later", "status": "Planned"}],
    },
    "U0PM00005": {
        "status": "On track",
        "items": [
            {
                "title": "Payments in India (UPI)",
                "horizon": "Now",
                "status": "Shipped",
                "target_date": "2027-01-28",
                "shareable": ["yes"],
            }
        ],
        "customer_update": "UPI payments are live.",
    },
    "U0PM00006": {
        "status": "Off track",
        "items": [{"title": "Data residency (AU)", "horizon": "Next", "status": "Blocked"}],
        "asks": "Legal review of the hosting contract",
    },
    "U0PM00007": {
        "status": "On track",
        "items": [
            {
                "title": "Portuguese localisation",
                "horizon": "Now",
                "status": "In progress",
                "target_date": "2027-02-20",
                "shareable": ["yes"],
            }
        ],
    },
}


def run_demo(output: Path, echo: Echo) -> None:
    output.mkdir(parents=True, exist_ok=True)
    for leftover in output.glob("ritualbot-demo.db*"):
        leftover.unlink()
    for leftover in [*(output / "blocks").glob("*.json"), *(output / "blocks").glob("*.md")]:
        leftover.unlink()
    clock = FrozenClock(OPENS - timedelta(minutes=1))
    with Sandbox(f"sqlite:///{output / 'ritualbot-demo.db'}", clock) as sandbox:
        Demo(sandbox, clock, output, echo).run()


class Demo:
    def __init__(self, sandbox: Sandbox, clock: FrozenClock, output: Path, echo: Echo) -> None:
        self.sandbox, self.clock, self.output, self.echo = sandbox, clock, output, echo
        self.ws, self.driver = sandbox.workspace, sandbox.driver
        self.saved = 0

    def run(self) -> None:
        definition = self.sandbox.library.get(RITUAL)
        self.section(
            f"{definition.name}: cron {definition.schedule.cron!r} in {definition.schedule.timezone}"
        )
        self.sandbox.app.tick()
        self.clock.set(OPENS + timedelta(seconds=30))
        report = self.sandbox.app.tick()
        self.echo(f"10:00 New York, Monday 1 Feb 2027: run opened; {report.sent.sent} prompts sent by DM.")
        self.show("Ana's prompt", self.prompt("U0PM00001"))

        self.section("PMs answer through the modal")
        for user, answer in ANSWERS.items():
            self.clock.advance(timedelta(minutes=37))
            self.answer(user, answer)
            self.echo(f"  {self.name(user)} answered ({len(answer['items'])} roadmap item(s))")
        self.clock.advance(timedelta(minutes=5))
        self.skip(SKIPPER, "out_of_office", "parental leave until March")
        self.echo(f"  {self.name(SKIPPER)} skipped: out of office")
        self.sandbox.app.tick()

        self.section("Reminders go only to those who have not answered")
        reminded = self.until(
            lambda: [m for m in self.ws.dm_messages(SILENT) if "reminder" in m.text.lower()]
        )
        when = self.clock.now().astimezone(definition.zone)
        self.echo(f"  {when:%a %d %b %H:%M %Z}: {self.name(SILENT)} reminded")
        self.show(f"Reminder to {self.name(SILENT)}", reminded[0])

        self.section("Thursday 17:00 New York: the run closes and compiles")
        self.until(lambda: self.ws.messages_in("product-leads"))
        self.show("Leaders' digest in #product-leads", self.ws.messages_in("product-leads")[0])
        self.show("Launch list in #marketing-launches", self.ws.messages_in("marketing-launches")[0])
        preview = next(m for m in self.ws.dm_messages(OWNER) if APPROVE_ACTION in json.dumps(m.blocks))
        self.show("Sales post, waiting for approval (DM to product ops)", preview)
        self.echo(f"  #sales-roadmap so far: {len(self.ws.messages_in('sales-roadmap'))} posts")

        self.section("Product ops approves the sales post")
        self.driver.click(OWNER, preview, APPROVE_ACTION)
        self.until(lambda: self.ws.messages_in("sales-roadmap"))
        self.show("Customer-safe roadmap in #sales-roadmap", self.ws.messages_in("sales-roadmap")[0])

        show_key_results(self)

        calls = [call.method for call in self.ws.calls()]
        (self.output / "slack-calls.json").write_text(json.dumps(calls, indent=2) + "\n")
        self.section("Done")
        self.echo(
            f"{len(calls)} Web API calls, all recorded in {self.output / 'slack-calls.json'}; "
            f"Block Kit of {self.saved} messages in {self.output / 'blocks'}."
        )

    # --- what the people do ----------------------------------------------------------------

    def answer(self, user: str, answer: dict[str, Any]) -> None:
        self.driver.click(user, self.prompt(user), FILL_ACTION)
        form = self.modal(user, ANSWER_CALLBACK)
        for item in answer["items"]:
            self.driver.click_in_view(user, form, ADD_ITEM_ACTION)
            item_view = self.modal(user, ITEM_CALLBACK)
            self.driver.submit_view(user, item_view, item)
            form = self.modal(user, ANSWER_CALLBACK)
        fields = {key: value for key, value in answer.items() if key != "items"}
        self.driver.submit_view(user, form, fields)

    def skip(self, user: str, reason: str, detail: str) -> None:
        self.driver.click(user, self.prompt(user), SKIP_ACTION)
        view = self.modal(user, "prompt_skip_view")
        self.driver.submit_view(user, view, {"reason": reason, "detail": detail})

    # --- helpers ---------------------------------------------------------------------------

    def until(self, found: Callable[[], Any], step: timedelta = timedelta(hours=1)) -> Any:
        """Move the clock an hour at a time, ticking, until `found()` is truthy (a week at most)."""
        for _ in range(24 * 7):
            result = found()
            if result:
                return result
            self.clock.advance(step)
            self.sandbox.app.tick()
        raise RuntimeError("the demo did not reach its next step within a week of simulated time")

    def prompt(self, user: str) -> Message:
        return next(m for m in self.ws.dm_messages(user) if FILL_ACTION in json.dumps(m.blocks))

    def modal(self, user: str, callback_id: str) -> ViewRecord:
        def ready() -> ViewRecord | None:
            view = self.ws.last_modal(user)
            return view if view is not None and view.callback_id == callback_id else None

        found = self.ws.wait_for(ready)
        assert isinstance(found, ViewRecord)
        return found

    def name(self, user: str) -> str:
        found = self.ws.roster.user(user)
        return found.real_name if found else user

    def section(self, title: str) -> None:
        self.echo(f"\n=== {title} ===")

    def show(self, label: str, message: Message) -> None:
        self.saved += 1
        path = save_blocks(self.output / "blocks", f"{self.saved:02d}", message)
        links = self.output / "blocks" / "block-kit-builder-links.md"
        with links.open("a") as out:
            out.write(f"- [{label}]({builder_link(message.blocks)})\n")
        self.echo(f"\n--- {label} ---")
        self.echo(terminal_text(message, self.ws.roster))
        self.echo(f"  Block Kit: {path} · open it in Block Kit Builder from {links}")
