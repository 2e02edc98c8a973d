"""Owners' upkeep of the configuration from Slack: `/ritual reload` and `/ritual doctor`."""

from __future__ import annotations

from core.errors import NotAllowed, UserFacingError
from messaging.mrkdwn import mrkdwn_escape
from rituals.services import Services

LINES_SHOWN = 20


def _require_keeper(services: Services, user_id: str) -> None:
    """The configuration is for the admins and whoever owns a ritual."""
    owners = {owner for definition in services.library for owner in definition.owners}
    if user_id not in services.admins and user_id not in owners:
        raise NotAllowed("Only ritual owners and admins can do that.")


def reload_now(services: Services, user_id: str) -> list[str]:
    """Read the ritual files again now: what changed, or why the last good version stays."""
    _require_keeper(services, user_id)
    if services.reload is None:
        raise UserFacingError("This ritualbot runs a fixed set of rituals; there is nothing to reload.")
    outcome = services.reload(services.clock.now(), force=True)
    if outcome.kept_last_good:
        return [
            "The ritual files do not validate, so I keep the last good version:",
            *(f"• `{mrkdwn_escape(str(p))}`" for p in outcome.problems[:LINES_SHOWN]),
        ]
    parts = [
        f"{label}: {', '.join(f'`{ritual}`' for ritual in ids)}"
        for label, ids in (
            ("added", outcome.added),
            ("updated", outcome.updated),
            ("removed", outcome.removed),
        )
        if ids
    ]
    summary = "; ".join(parts) if parts else "nothing changed"
    return [
        f"Reloaded {len(services.library)} rituals ({summary}).",
        *(f"⚠ `{mrkdwn_escape(str(w))}`" for w in outcome.warnings[:LINES_SHOWN]),
    ]


def doctor_report(services: Services, user_id: str) -> list[str]:
    """What the workspace lacks for the rituals, one line per finding with its fix."""
    _require_keeper(services, user_id)
    if services.doctor is None:
        raise UserFacingError("The workspace checks are not available here.")
    findings = services.doctor.examine()
    if not findings:
        return ["✅ The workspace has everything the rituals need."]
    problems = sum(1 for finding in findings if not finding.fixed)
    lines = [
        f"*{problems} problem(s)* between the rituals and this workspace:",
        *(f"• {mrkdwn_escape(str(finding))}" for finding in findings[:LINES_SHOWN]),
    ]
    if len(findings) > LINES_SHOWN:
        lines.append(f"…and {len(findings) - LINES_SHOWN} more; `ritualbot doctor` lists them all.")
    return lines
