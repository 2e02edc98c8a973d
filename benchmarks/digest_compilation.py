"""Digest compilation: load, compile, render and lay out the leaders' digest for N answers.

Baseline: the same answers rendered by a one-line Jinja loop over titles, in the same process,
so the ratio shows what compiling (grouping, changes, escaping, splitting) costs over bare
templating. Run: `.venv/bin/python -m benchmarks.digest_compilation [-n 1000] [--runs 15]`.

It also prints what leaders get in the channel, in characters and messages: the digest that
leads with what needs them (every answer in a canvas for the run: `full_answers: canvas`, as
the built-in rituals have it), against every answer in the post itself (the same ritual
without it, which is how the leaders' digest was laid out before), and the canvas's size.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from jinja2 import Environment

from benchmarks.common import report, scratch_database, timed
from messaging.layout import compose
from rituals.definition.loading import load_library
from rituals.publish.digest import load_run_data
from rituals.publish.full_answers import document_markdown
from rituals.publish.publisher import render
from storage.database import create_database_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import Answer, Participant, ParticipantState, Run, RunOrigin, RunState

RITUAL = "monthly-roadmap-checkin"


def _seed(session_factory: object, answers: int) -> int:
    now = datetime(2027, 2, 1, 15, tzinfo=UTC)
    with session_factory.begin() as session:  # type: ignore[attr-defined]
        run = Run(
            ritual_id=RITUAL,
            occurrence_key="2027-02-01T10:00",
            scheduled_for=now,
            closes_at=now,
            state=RunState.CLOSED,
            origin=RunOrigin.SCHEDULE,
            created_at=now,
        )
        session.add(run)
        session.flush()
        for n in range(answers):
            user = f"U0PM{n:05d}"
            session.add(
                Participant(
                    run_id=run.id,
                    user_id=user,
                    display_name=f"pm {n}",
                    timezone="UTC",
                    state=ParticipantState.ANSWERED,
                    reminders_sent=0,
                )
            )
            items = [
                {
                    "title": f"Item {n}-{i}",
                    "horizon": ["Now", "Next", "Later"][i % 3],
                    # Some of everything a leader looks for: risks, blocks, decisions to take.
                    "status": ["Planned", "In progress", "At risk", "Blocked", "Shipped"][(n + i) % 5],
                    "target_date": "2027-03-01",
                    "link": None,
                    "shareable": i % 2 == 0,
                }
                for i in range(4)
            ]
            session.add(
                Answer(
                    run_id=run.id,
                    ritual_id=RITUAL,
                    user_id=user,
                    version=1,
                    late=False,
                    submitted_at=now,
                    values={
                        "status": ["On track", "At risk", "Off track"][n % 3],
                        "roadmap": items,
                        "risks": "None",
                        "asks": f"Decision on scope for item {n}" if n % 10 == 0 else None,
                    },
                )
            )
        return int(run.id)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    arguments = parser.parse_args()
    engine = create_database_engine(scratch_database())
    upgrade(engine)
    session_factory = create_session_factory(engine)
    run_id = _seed(session_factory, arguments.n)
    library = load_library()
    definition = library.get(RITUAL)
    audience = definition.audience("leaders")
    baseline_template = Environment(autoescape=True).from_string(
        "{% for r in rows %}{% for i in r.values['roadmap'] %}• {{ i.title }}\n{% endfor %}{% endfor %}"
    )

    def ours() -> None:
        with session_factory() as session:
            run = session.get(Run, run_id)
            assert run is not None
            rendered = render(library, definition, load_run_data(session, definition, run), audience)
            compose(rendered.title, rendered.body)

    def baseline() -> None:
        with session_factory() as session:
            rows = list(session.query(Answer).filter(Answer.run_id == run_id))
            baseline_template.render(rows=rows)

    ours(), baseline()  # warm up
    samples = [timed(ours) for _ in range(arguments.runs)]
    base = [timed(baseline) for _ in range(arguments.runs)]
    with session_factory() as session:
        run = session.get(Run, run_id)
        assert run is not None
        rendered = render(library, definition, load_run_data(session, definition, run), audience)
    split = compose(rendered.title, rendered.body)
    inline = definition.model_copy(
        update={"audiences": [a.model_copy(update={"full_answers": "none"}) for a in definition.audiences]}
    )
    with session_factory() as session:
        run = session.get(Run, run_id)
        assert run is not None
        everything = render(library, inline, load_run_data(session, inline, run), inline.audience("leaders"))
        canvas = document_markdown(session, definition, run)
    everything_split = compose(everything.title, everything.body)
    print(
        f"{arguments.n} answers, every answer in the post: {len(everything.body):,} characters in "
        f"{len(everything_split.messages)} messages (1 parent + {len(everything_split.replies)} replies)"
    )
    print(
        f"{arguments.n} answers, the leaders' digest: {len(rendered.body):,} characters in "
        f"{len(split.messages)} message(s), and every answer in a canvas of {len(canvas):,} characters"
    )
    report(f"leaders digest, {arguments.n} answers", samples, base)


if __name__ == "__main__":
    main()
