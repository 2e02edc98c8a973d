"""`ritualbot doctor`, `/ritual doctor` and the start-up check: one line per problem with its fix."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from simulator import Channel, SimulatedWorkspace, default_roster
from simulator.scopes import DEFAULT_SCOPES
from tests.conftest import CommandResult, CommandRunner

from .conftest import ANA, OWNER, read_response, response_text


def _lines(sandbox: Sandbox) -> list[str]:
    doctor = sandbox.app.services.doctor
    assert doctor is not None
    return [str(finding) for finding in doctor.examine()]


def test_a_ready_workspace_has_no_problems(sandbox: Sandbox) -> None:
    assert _lines(sandbox) == []


def test_every_problem_with_its_fix(team_sandbox: Sandbox, team_folder: Path) -> None:
    ws = team_sandbox.workspace
    ws.roster.add_channel(Channel("C0OPEN001", "roadmap-open", [OWNER]))
    ws.roster.add_channel(Channel("C0SECRET1", "secret-plans", [OWNER], is_private=True))
    marketing = ws.roster.channel("marketing-launches")
    assert marketing is not None
    marketing.members.remove(ws.bot_user_id)
    ws.state.scopes = DEFAULT_SCOPES - {"canvases:write"}
    (team_folder / "team-sync.yml").write_text(
        (team_folder / "team-sync.yml")
        .read_text()
        .replace("usergroup", "x")
        .replace(
            "  users: [",
            "  usergroup: designers\n  users: [",
        )
        .replace("to: [product-leads]", "to: [product-leads, roadmap-open, secret-plans, no-such-channel]")
    )
    assert team_sandbox.app.services.reload is not None
    team_sandbox.app.services.reload(team_sandbox.clock.now(), force=True)
    lines = _lines(team_sandbox)
    assert lines == [
        "problem: scopes: the token lacks canvases:write → add them under OAuth & Permissions → Scopes "
        "(or paste manifest.yml again) and reinstall the app",
        f"problem: {team_folder / 'team-sync.yml'}:7: participants.users[2]: nobody in Slack has the "
        "email 'nobody@ritualbot-sim.example' → check the spelling, or use the user id",
        "problem: team-sync: participants: no user group @designers → create it in Slack, or fix the "
        "handle in the file",
        "fixed: launch-update: audience marketing, monthly-roadmap-checkin: audience marketing: the bot was "
        "not a member of #marketing-launches → joined it",
        "problem: team-sync: audience leaders: #no-such-channel does not exist, or is private and the bot is "
        "not in it → create it, or invite the bot there with /invite @ritualbot",
        "fixed: team-sync: audience leaders: the bot was not a member of #roadmap-open → joined it",
        "problem: team-sync: audience leaders: #secret-plans does not exist, or is private and the bot is "
        "not in it → create it, or invite the bot there with /invite @ritualbot",
    ]
    assert ws.bot_user_id in marketing.members  # joined: the next check has nothing to say about it
    assert not any("marketing-launches" in line for line in _lines(team_sandbox))


def test_user_groups_on_a_free_plan(sandbox: Sandbox) -> None:
    sandbox.workspace.state.plan = "free"
    lines = _lines(sandbox)
    assert len(lines) == 1
    assert "user groups (@product-managers) need a Slack plan with user groups" in lines[0]


def test_slash_doctor_for_owners_and_admins_only(team_sandbox: Sandbox) -> None:
    denied = team_sandbox.driver.slash_command(ANA, "/ritual", "doctor")
    assert denied.status == 200
    assert "Only ritual owners and admins" in response_text(team_sandbox)
    team_sandbox.driver.slash_command(OWNER, "/ritual", "doctor")
    text = team_sandbox.workspace.wait_for(
        lambda: next(
            (
                read_response(r.body)
                for r in team_sandbox.workspace.responses
                if "problem" in r.body.get("text", "")
            ),
            None,
        ),
        timeout=10,
    )
    assert "nobody@ritualbot-sim.example" in text


def test_the_command_line_exits_1_on_problems(ritualbot: CommandRunner, clock: FrozenClock) -> None:
    with SimulatedWorkspace(default_roster(at=clock.now()), clock=clock) as ws:
        env = {"SLACK_BOT_TOKEN": ws.bot_token, "SLACK_API_URL": ws.api_url}

        def doctor() -> CommandResult:
            return ritualbot("doctor", env=env)

        ok = doctor()
        assert (ok.returncode, ok.stdout) == (0, ""), ok.stderr
        assert "ok: the workspace has everything the rituals need" in ok.stderr
        ws.state.scopes = DEFAULT_SCOPES - {"users:read.email"}
        refused = doctor()
        assert refused.returncode == 1
        assert refused.stdout.startswith("problem: scopes: the token lacks users:read.email → ")
        env["SLACK_BOT_TOKEN"] = "xoxb-someone-elses"
        wrong = doctor()
        assert wrong.returncode == 1
        assert wrong.stdout.strip() == (
            "problem: SLACK_BOT_TOKEN: Slack refused the token (invalid_auth) → copy the Bot User "
            "OAuth Token (xoxb-…) again from the app's OAuth & Permissions page"
        )
