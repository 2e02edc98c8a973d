"""Item 7 and the fuzz: Slack-shaped payloads broken at random, signed and sent to the real
endpoint. Whatever a forged payload holds (a string where an object belongs, junk metadata, a
lone surrogate, numbers for text), the answer is never a 5xx and the log has no ERROR line."""

from __future__ import annotations

import copy
import json
import logging
import random
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.collect.forms.ids import ADD_ITEM_ACTION, ANSWER_CALLBACK
from rituals.collect.prompts import FILL_ACTION, SKIP_ACTION
from rituals.runs.opening import create_manual_run

from .edge import FAULT, FORM, errors_in

pytestmark = FAULT

RITUAL = "monthly-roadmap-checkin"
PM = "U0PM00001"
PAYLOADS = 300
# What a forger puts where Slack puts something else.
JUNK: list[Any] = [
    None,
    "",
    "x",
    0,
    -1,
    10**30,
    1.5,
    True,
    [],
    {},
    ["x"],
    {"x": "y"},
    "\ud800",
    "<not json>",
    '{"r": "x"}',
    '{"run": -1, "version": "a"}',
    "😀" * 50,
    "a" * 5000,
    "null",
    "[]",
]


def captured(sandbox: Sandbox) -> tuple[str, Any]:
    """What the driver just sent: ("payload", the interaction) or ("form", a slash command)."""
    last = sandbox.driver.last
    assert last is not None
    fields = dict(parse_qsl(last.body.decode()))
    if "payload" in fields:
        return "payload", json.loads(fields["payload"])
    return "form", fields


def real_requests(sandbox: Sandbox, clock: FrozenClock) -> list[tuple[str, Any]]:
    """Requests Slack really sends this bot: clicks on a prompt and in the form, submissions, a
    slash command, an event; each is the seed the fuzz breaks."""
    definition = sandbox.library.get(RITUAL)
    with sandbox.session_factory.begin() as session:
        run = create_manual_run(session, definition, clock.now(), note="fuzz")
    assert sandbox.app.services.opener.open(run, clock.now()) is not None
    sandbox.app.tick()
    ws, driver = sandbox.workspace, sandbox.driver
    [prompt] = ws.dm_messages(PM)
    seeds = []
    driver.click(PM, prompt, FILL_ACTION)
    seeds.append(captured(sandbox))
    form = ws.wait_for(lambda: next((v for v in ws.open_views(PM) if v.callback_id == ANSWER_CALLBACK), None))
    driver.click_in_view(PM, form, ADD_ITEM_ACTION)
    seeds.append(captured(sandbox))
    item = ws.wait_for(lambda: ws.last_modal(PM) if ws.last_modal(PM) is not form else None)
    driver.submit_view(PM, item, {"title": "SSO", "horizon": "Now", "status": "Planned"})
    seeds.append(captured(sandbox))
    form = ws.wait_for(lambda: ws.last_modal(PM))
    driver.submit_view(PM, form, {}, enforce_required=False)
    seeds.append(captured(sandbox))
    driver.click(PM, prompt, SKIP_ACTION)
    seeds.append(captured(sandbox))
    skip = ws.wait_for(lambda: ws.last_modal(PM))
    driver.submit_view(PM, skip, {}, enforce_required=False)
    seeds.append(captured(sandbox))
    driver.slash_command("U0PRODOPS", "/ritual", f"status {RITUAL}")
    seeds.append(captured(sandbox))
    driver.open_home(PM)
    seeds.append(("json", {"type": "event_callback", "event": {"type": "app_home_opened", "user": PM}}))
    return seeds


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document (object keys and list indexes), the root excluded."""
    found: list[tuple[Any, ...]] = []
    children = (
        value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    )
    for key, child in children:
        found.append((*prefix, key))
        found += paths(child, (*prefix, key))
    return found


def broken(seed: Any, rng: random.Random) -> Any:
    """The seed with one to three places replaced by junk (or removed)."""
    forged = copy.deepcopy(seed)
    for _ in range(rng.randint(1, 3)):
        places = paths(forged)
        if not places:
            return forged
        *parent_path, key = rng.choice(places)
        parent = forged
        for step in parent_path:
            parent = parent[step]
        if isinstance(parent, dict) and rng.random() < 0.15:
            del parent[key]
        else:
            parent[key] = rng.choice(JUNK)
    return forged


def body_of(kind: str, forged: Any) -> tuple[str, str]:
    """The forged request as Slack would encode its kind (a form field may only be text)."""
    if kind == "payload":
        return urlencode({"payload": json.dumps(forged)}), FORM
    if kind == "form":
        fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in forged.items()}
        # A lone surrogate in a form field goes out as its (invalid) UTF-8 bytes, percent-encoded.
        return urlencode(fields, errors="surrogatepass"), FORM
    return json.dumps(forged), "application/json"


def test_generated_forged_payloads_never_get_a_5xx_or_an_error_line(
    sandbox: Sandbox, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    seeds = real_requests(sandbox, clock)
    caplog.clear()
    statuses: dict[int, int] = {}
    failures: list[str] = []
    with caplog.at_level(logging.INFO):
        for number in range(PAYLOADS):
            rng = random.Random(number)
            kind, seed = seeds[number % len(seeds)]
            forged = broken(seed, rng)
            body, content_type = body_of(kind, forged)
            reply = sandbox.driver.post(body, content_type=content_type)
            statuses[reply.status] = statuses.get(reply.status, 0) + 1
            if reply.status >= 500:
                failures.append(f"seed {number}: HTTP {reply.status}")
            clock.advance(timedelta(seconds=1))
        # Work acknowledged first finishes in the listener threads: let it end before looking.
        sandbox.app.bolt._listener_runner.listener_executor.shutdown(wait=True)
    assert failures == []
    assert errors_in(caplog) == [], statuses
    # The fuzz reached the listeners too, not only the edge's refusals.
    assert statuses.get(200, 0) > PAYLOADS // 10, statuses
