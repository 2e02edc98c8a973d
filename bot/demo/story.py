"""The demo: a whole ritual on the simulated workspace, in under a minute.

The real bot (app factory, HTTP endpoint, outbox, tick) runs against the simulated Slack
workspace with a fresh SQLite file and a clock the script moves forward: the run opens, PMs
answer through the modal (items in the stacked item modal), one skips, one never answers and is
reminded, the run closes, posts that need approval wait for the owner and are approved. Every
post is printed as a terminal shows mrkdwn, its Block Kit saved with a Block Kit Builder link,
and every Web API call with its body in `slack-calls.json`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from bot.configuration import load_configuration
from bot.demo import research
from bot.demo.answers import ROADMAP_STORY, Answers, made_up_answers
from bot.demo.okrs import show_key_results
from bot.demo.terminal import builder_link, mrkdwn_markup, save_blocks, show_blocks
from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.collect.forms.ids import ADD_ITEM_ACTION, ANSWER_CALLBACK, ITEM_CALLBACK
from rituals.collect.prompts import FILL_ACTION, SKIP_ACTION
from rituals.definition.loading import RitualLibrary
from rituals.definition.schema import Audience, RitualDefinition
from rituals.publish.approval_preview import APPROVE_ACTION
from rituals.schedule.occurrences import next_openings
from simulator import EphemeralMessage, Message, ViewRecord

DEFAULT_RITUAL = "monthly-roadmap-checkin"
OWNER = "U0PRODOPS"
SKIPPER = "U0PM00004"
SILENT = "U0PM00008"
PMS = [f"U0PM{n:05d}" for n in range(1, 9)]
# The demo's story starts in the last week of January 2027.
STORY_STARTS = datetime(2027, 1, 25, tzinfo=UTC)

Echo = Callable[[str], None]


def run_demo(
    output: Path, console: Console, ritual_id: str = DEFAULT_RITUAL, rituals_path: Sequence[Path] = ()
) -> None:
    output.mkdir(parents=True, exist_ok=True)
    for leftover in output.glob("ritualbot-demo.db*"):
        leftover.unlink()
    for leftover in [*(output / "blocks").glob("*.json"), *(output / "blocks").glob("*.md")]:
        leftover.unlink()
    database = output / "ritualbot-demo.db"
    clock = FrozenClock(STORY_STARTS)
    configuration = load_configuration(rituals_path)
    # Only the ritual shown runs, so no other ritual's prompts or posts join the story; the
    # weekly research digest is there for the research part to open by hand (it is off).
    shown = dict.fromkeys([ritual_id, research.DIGEST])
    library = RitualLibrary(configuration.library.loaded(shown_id) for shown_id in shown)
    # The registry runs with the demo's own research rules, whatever RITUALS_PATH holds.
    rules = [research.rules_folder(output)]
    with Sandbox(f"sqlite:///{database}", clock, rituals_path=rules, library=library) as sandbox:
        definition = sandbox.library.get(ritual_id)
        opening = next_openings(definition, STORY_STARTS, 1)[0].opens_at
        clock.set(opening - timedelta(minutes=1))
        Demo(sandbox, clock, output, console, definition, opening).run()
    console.print(
        f"\nThe demo's database is [bold]{database.resolve()}[/bold] (SQLite: open it with any SQLite tool)."
    )


class Demo:
    def __init__(
        self,
        sandbox: Sandbox,
        clock: FrozenClock,
        output: Path,
        console: Console,
        definition: RitualDefinition,
        opening: datetime,
    ) -> None:
        self.sandbox, self.clock, self.output, self.console = sandbox, clock, output, console
        self.definition, self.opening = definition, opening
        self.ws, self.driver = sandbox.workspace, sandbox.driver
        self.saved = 0

    def run(self) -> None:
        definition = self.definition
        self.section(
            f"{definition.name}: cron {definition.schedule.cron!r} in {definition.schedule.timezone}"
        )
        self.sandbox.app.tick()
        self.clock.set(self.opening + timedelta(seconds=30))
        report = self.sandbox.app.tick()
        local = self.opening.astimezone(definition.zone)
        self.say(f"{local:%H:%M %Z, %A %d %b %Y}: run opened; {report.sent.sent} prompts sent by DM.")
        self.show("Ana's prompt", self.prompt("U0PM00001"))

        self.section("PMs answer through the modal")
        answered = 0
        for user, answer in self.answers().items():
            self.clock.advance(timedelta(minutes=37))
            if self.answer(user, answer):
                answered += 1
        self.clock.advance(timedelta(minutes=5))
        self.skip(SKIPPER, "out_of_office", "parental leave until March")
        self.say(f"  {self.name(SKIPPER)} skipped: out of office")
        self.sandbox.app.tick()

        self.section("Reminders go only to those who have not answered; then the run closes")
        first_channel = (
            definition.audiences[0].to[0] if definition.audiences and definition.audiences[0].to else None
        )
        reminded: list[Message] = []

        def progress() -> bool:
            if not reminded:
                found = [m for m in self.ws.dm_messages(SILENT) if "reminder" in m.text.lower()]
                if found:
                    reminded.append(found[0])
                    when = self.clock.now().astimezone(definition.zone)
                    self.say(f"  {when:%a %d %b %H:%M %Z}: {self.name(SILENT)} reminded")
                    self.show(f"Reminder to {self.name(SILENT)}", found[0])
            return bool(first_channel and self.ws.messages_in(first_channel))

        self.until(progress)
        if not reminded:
            self.say(f"  {self.name(SILENT)} was not reminded: the ritual's reminders fell in their night.")
        self.say(f"  The run closed with {answered} of {len(PMS)} answered.")

        for audience in definition.audiences:
            if audience.to:
                self.publish(audience, audience.to[0])

        if definition.id == DEFAULT_RITUAL:
            # The other domains' parts belong to the default story's weeks (February 2027).
            research.show_research(self)
            show_key_results(self)

        calls = [
            {
                "method": call.method,
                "at": call.at.isoformat(),
                "body": call.params,
                "status": call.status,
                "ok": bool(call.response and call.response.get("ok")),
            }
            for call in self.ws.calls()
        ]
        (self.output / "slack-calls.json").write_text(json.dumps(calls, indent=2, default=str) + "\n")
        self.section("Done")
        self.say(
            f"{len(calls)} Web API calls, each with its body, in {self.output / 'slack-calls.json'}; "
            f"Block Kit of {self.saved} messages in {self.output / 'blocks'}."
        )

    def publish(self, audience: Audience, channel: str) -> None:
        """Show an audience's post, approving it first when it waits for the owner."""
        name = audience.name.capitalize()
        if audience.approval == "owner":
            preview = next(m for m in self.ws.dm_messages(OWNER) if APPROVE_ACTION in json.dumps(m.blocks))
            self.show(f"{name} post, waiting for approval (DM to product ops)", preview)
            self.say(f"  #{channel} so far: {len(self.ws.messages_in(channel))} posts")
            self.section(f"Product ops approves the {audience.name} post")
            self.driver.click(OWNER, preview, APPROVE_ACTION)
        self.until(lambda: bool(self.ws.messages_in(channel, include_replies=False)))
        post = self.ws.messages_in(channel, include_replies=False)[0]
        self.show(f"{name} post in #{channel}", post)
        if audience.full_answers != "none":
            self.until(lambda: len(self.ws.thread(channel, post.ts)) > 1)
            for canvas in self.ws.canvases:
                path = self.output / "blocks" / f"canvas-{canvas.id}.md"
                path.write_text(canvas.markdown)
                self.say(f"  Every answer is in a canvas, linked in the post's thread; its Markdown: {path}")
        else:
            replies = [m for m in self.ws.thread(channel, post.ts) if m.ts != post.ts]
            if replies:
                self.say(f"  …and {len(replies)} more message(s) in its thread.")

    def answers(self) -> Answers:
        if self.definition.id == DEFAULT_RITUAL:
            return ROADMAP_STORY
        people = [user for user in PMS if user not in (SKIPPER, SILENT)]
        return made_up_answers(self.definition, people, self.opening.date())

    # --- what the people do ----------------------------------------------------------------

    def answer(self, user: str, answer: dict[str, Any]) -> bool:
        """Fill in and send the form; True when the bot took it (it answers nothing), else say why."""
        self.driver.click(user, self.prompt(user), FILL_ACTION)
        form = self.modal(user, ANSWER_CALLBACK)
        items = 0
        for form_field in self.definition.form:
            if form_field.type != "items":
                continue
            for item in answer.get(form_field.id) or []:
                add = form.block(f"_add.{form_field.id}")
                assert add is not None, f"no room for another item in {form_field.id}"
                # The driver clicks the first button with an action id; show it this field's own.
                self.driver.click_in_view(
                    user, replace(form, definition={**form.definition, "blocks": [add]}), ADD_ITEM_ACTION
                )
                self.driver.submit_view(user, self.modal(user, ITEM_CALLBACK), item)
                form = self.modal(user, ANSWER_CALLBACK)
                items += 1
        fields = {
            key: value
            for key, value in answer.items()
            if not isinstance(value, list) or key not in self._items()
        }
        reply = self.driver.submit_view(user, form, fields)
        if reply:
            self.say(f"  ⚠ {self.name(user)}'s answer was sent back: {json.dumps(reply)[:300]}")
            return False
        self.say(f"  {self.name(user)} answered ({items} item(s))")
        return True

    def _items(self) -> set[str]:
        return {f.id for f in self.definition.form if f.type == "items"}

    def skip(self, user: str, reason: str, detail: str) -> None:
        self.driver.click(user, self.prompt(user), SKIP_ACTION)
        view = self.modal(user, "prompt_skip_view")
        self.driver.submit_view(user, view, {"reason": reason, "detail": detail})

    # --- helpers ---------------------------------------------------------------------------

    def until(self, found: Callable[[], Any], step: timedelta = timedelta(hours=1)) -> Any:
        """Move the clock an hour at a time, ticking, until `found()` is truthy (ten days at most)."""
        for _ in range(24 * 10):
            result = found()
            if result:
                return result
            self.clock.advance(step)
            self.sandbox.app.tick()
        raise RuntimeError("the demo did not reach its next step within ten days of simulated time")

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

    def say(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    def say_mrkdwn(self, text: str) -> None:
        self.console.print(mrkdwn_markup(text, self.name), highlight=False)

    def section(self, title: str) -> None:
        self.console.print()
        self.console.rule(f"[bold]{title}[/bold]")

    def show(self, label: str, message: Message | EphemeralMessage) -> None:
        self.saved += 1
        path = save_blocks(self.output / "blocks", f"{self.saved:02d}", message.text, message.blocks)
        links = self.output / "blocks" / "block-kit-builder-links.md"
        with links.open("a") as out:
            out.write(f"- [{label}]({builder_link(message.blocks)})\n")
        self.console.print(f"\n[bold]--- {label} ---[/bold]")
        show_blocks(self.console, message.blocks, self.name, message.text)
        self.say(f"  Block Kit: {path} · open it in Block Kit Builder from {links}")
