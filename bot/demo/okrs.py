"""The demo's key results: two monthly OKR check-ins prefilled from a local metrics server.

It runs beside the roadmap story, on its own simulated workspace and SQLite file, because its
objectives file names the local server's port: an objectives file is written, the OKR check-in
opens on the last weekday of January and reads each key result's source (one is down, and its
owner is told why), PMs confirm their numbers in the modal, and the leaders' digest shows the
key results with a chart in its thread. A month later the numbers moved, and the digest shows
the trend; `/ritual okrs` shows where everything stands.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.configuration import load_configuration
from bot.demo.numbers_source import NumbersServer
from bot.demo.storyteller import Storyteller
from bot.sandbox import Sandbox
from core.clock import FrozenClock
from insights.fetching import FetchPolicy, SourceFetcher
from rituals.collect.forms.ids import ANSWER_CALLBACK, key_result_block, key_result_heading_block
from rituals.collect.prompts import FILL_ACTION
from rituals.definition.loading import RitualLibrary
from simulator import ViewRecord
from storage.models import Run

RITUAL = "okr-checkin"
ANA, BEN, LEADER = "U0PM00001", "U0PM00002", "U0LEAD001"
# The last weekdays of January and February 2027, 10:00 New York; each closes a week later at 17:00.
MONTHS = (
    (datetime(2027, 1, 29, 15, tzinfo=UTC), datetime(2027, 2, 5, 22, tzinfo=UTC)),
    (datetime(2027, 2, 26, 15, tzinfo=UTC), datetime(2027, 3, 5, 22, tzinfo=UTC)),
)
OBJECTIVES = """\
# Written by `ritualbot demo`; the sources are a local stand-in for the company's metrics.
objectives:
  - id: grow-activation
    title: Grow activation
    period: 2027-Q1
    key_results:
      - id: activated-teams
        title: Weekly activated teams
        owner: {ana}
        start: 10
        target: 100
        unit: teams
        source: {{url: "{teams}", value: data.value}}
      - id: paid-conversion
        title: Trial to paid conversion
        owner: ben@ritualbot-sim.example
        start: 2
        target: 5
        unit: "%"
        source: {{url: "{conversion}", value: data.value}}
metrics:
  - id: weekly-active
    title: Weekly active users
    source: {{url: "{weekly}", value: data.value}}
"""
# What each PM reports each month: (key result, a value typed over the prefill, confidence, comment).
CHECK_INS: tuple[dict[str, tuple[str, str | None, str, str]], ...] = (
    {
        ANA: ("activated-teams", None, "on_track", "Onboarding revamp shipped mid-month"),
        BEN: ("paid-conversion", "2.4", "at_risk", "Source down; 2.4% from the billing report"),
    },
    {
        ANA: ("activated-teams", None, "at_risk", "Two enterprise teams paused their rollout"),
        BEN: ("paid-conversion", None, "on_track", "New pricing page won"),
    },
)


def show_key_results(story: Storyteller) -> None:
    """The OKR part of the demo, told on the story's terminal."""
    folder = story.output / "okrs"
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in [*folder.glob("ritualbot-okrs.db*"), *folder.glob("*.png")]:
        leftover.unlink()
    with NumbersServer() as numbers:
        numbers.serve("activated-teams", 42)
        numbers.fail("conversion", 503)
        numbers.serve("weekly-active", 1200)
        text = OBJECTIVES.format(
            ana=ANA,
            teams=numbers.url("activated-teams"),
            conversion=numbers.url("conversion"),
            weekly=numbers.url("weekly-active"),
        )
        (folder / "objectives.yml").write_text(text, encoding="utf-8")
        clock = FrozenClock(MONTHS[0][0] - timedelta(minutes=5))
        fetcher = SourceFetcher(FetchPolicy(first_backoff=0.05))
        database = f"sqlite:///{folder / 'ritualbot-okrs.db'}"
        # Only the OKR check-in runs here, with the objectives file beside it.
        library = RitualLibrary([load_configuration([folder]).library.loaded(RITUAL)])
        with Sandbox(database, clock, rituals_path=[folder], library=library, fetcher=fetcher) as sandbox:
            _OkrStory(story, sandbox, clock, numbers, folder).run()


class _OkrStory:
    def __init__(
        self, story: Storyteller, sandbox: Sandbox, clock: FrozenClock, numbers: NumbersServer, folder: Path
    ) -> None:
        self.story, self.sandbox, self.clock, self.numbers, self.folder = (
            story,
            sandbox,
            clock,
            numbers,
            folder,
        )
        self.ws = sandbox.workspace

    def run(self) -> None:
        story = self.story
        story.section("Key results: an objectives file, numbers from the company's own systems")
        story.say(f"  {self.folder / 'objectives.yml'}: 1 objective, 2 key results with sources, 1 metric")
        story.say("  The conversion source is down today (HTTP 503).")
        first = self.open_month(0)
        story.say(f"  {self.name(ANA)}'s form: {self.prefill(ANA, first, 'activated-teams')}")
        story.say(f"  {self.name(BEN)}'s form: {self.prefill(BEN, first, 'paid-conversion')}")
        notice = next(m for m in self.ws.dm_messages(BEN) if "unavailable" in m.text)
        story.show(f"{self.name(BEN)} is told his source is down (once per run)", notice)
        self.close_month(0, first)

        story.section("A month later: the numbers moved, the conversion source is back")
        self.numbers.serve("activated-teams", 57)
        self.numbers.serve("conversion", 3.1)
        self.numbers.serve("weekly-active", 1450)
        second = self.open_month(1)
        story.say(f"  {self.name(ANA)}'s form: {self.prefill(ANA, second, 'activated-teams')}")
        story.say(f"  {self.name(BEN)}'s form: {self.prefill(BEN, second, 'paid-conversion')}")
        self.close_month(1, second)

        self.sandbox.driver.slash_command(LEADER, "/ritual", "okrs")
        story.show("/ritual okrs (only the leader sees it)", self.ws.ephemeral_for(LEADER)[-1])

    # --- one month ---------------------------------------------------------------------------

    def open_month(self, month: int) -> int:
        opens = MONTHS[month][0]
        self.tick(opens - timedelta(minutes=5))
        self.tick(opens + timedelta(seconds=30))
        with self.sandbox.session_factory() as session:
            run_id = session.scalar(select(func.max(Run.id)).where(Run.ritual_id == RITUAL))
        assert run_id is not None
        when = opens.astimezone(self.sandbox.library.get(RITUAL).zone)
        self.story.say(f"\n{when:%a %d %b %H:%M %Z}: OKR check-in opened; each key result's source was read.")
        return run_id

    def close_month(self, month: int, run_id: int) -> None:
        for user, (key_result, typed, confidence, comment) in CHECK_INS[month].items():
            self.check_in(user, run_id, key_result, typed, confidence, comment)
            value = f"typed {typed}, " if typed else ""
            said = confidence.replace("_", " ")
            self.story.say(f'  {self.name(user)} checked in: {value}{said}, "{comment}"')
        closes = MONTHS[month][1]
        self.tick(closes + timedelta(seconds=30))
        for _ in range(4):  # the digest's replies and the chart wait for the digest itself
            self.tick(self.clock.now() + timedelta(seconds=5))
        digest = [m for m in self.ws.messages_in("product-leads", include_replies=False) if "OKR" in m.text][
            -1
        ]
        self.story.show("Leaders' OKR digest in #product-leads", digest)
        for reply in self.ws.thread("product-leads", digest.ts):
            for record in (f for f in self.ws.files if f.id in reply.files):
                (self.folder / record.filename).write_bytes(record.content or b"")
                self.story.say(f"  In its thread, a chart: {self.folder / record.filename}")
                self.story.say(f"    alt text: {record.alt_txt}")

    def check_in(
        self, user: str, run_id: int, key_result: str, typed: str | None, confidence: str, comment: str
    ) -> None:
        form = self.form(user, run_id)
        values = {
            key_result_block("key_results", key_result, "confidence"): confidence,
            key_result_block("key_results", key_result, "comment"): comment,
        }
        if typed is not None:
            values[key_result_block("key_results", key_result, "value")] = typed
        self.sandbox.driver.submit_view(user, form, values)

    # --- helpers -------------------------------------------------------------------------------

    def tick(self, instant: datetime) -> None:
        self.clock.set(instant)
        self.sandbox.app.tick()

    def form(self, user: str, run_id: int) -> ViewRecord:
        key = f"run:{run_id}:prompt:{user}"
        prompt = next(
            m
            for m in self.ws.dm_messages(user)
            if ((m.metadata or {}).get("event_payload") or {}).get("delivery") == key
        )
        self.sandbox.driver.click(user, prompt, FILL_ACTION)

        def ready() -> ViewRecord | None:
            view = self.ws.last_modal(user)
            return view if view is not None and view.callback_id == ANSWER_CALLBACK else None

        found: ViewRecord = self.ws.wait_for(ready)
        return found

    def prefill(self, user: str, run_id: int, key_result: str) -> str:
        """What the modal shows for a key result: its prefilled value and where it came from."""
        form = self.form(user, run_id)
        value = form.block(key_result_block("key_results", key_result, "value")) or {}
        heading = form.block(key_result_heading_block("key_results", key_result)) or {}
        self.sandbox.driver.close_view(user, form)
        found = self.sandbox.app.insights.catalog.key_result(key_result)
        title = found[1].title if found else key_result
        note = heading["text"]["text"].rsplit("\n", 1)[-1].strip("_")
        shown = value.get("element", {}).get("initial_value", "nothing")
        return f"{title} prefilled with {shown}. {note}"

    def name(self, user: str) -> str:
        found = self.ws.roster.user(user)
        return found.real_name if found else user
