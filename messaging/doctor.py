"""`ritualbot doctor`: is the workspace ready for what the configuration asks of it?

Each domain says what it needs from Slack (`WorkspaceNeeds`: people, user groups, channels it
reads and channels it posts in, each with where the configuration names it); the doctor checks
the token and its scopes, then every need, and returns one `Finding` per problem with its fix.
It joins public channels it must post in when the token may (`channels:join`), and says so.

The same checks run from the command line (exit code 1 on problems), at start-up (as warnings)
and from `/ritual doctor` (admins).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from messaging.gateway import OutcomeUnknown, RateLimited, Rejected, SlackError, SlackGateway

JOIN_SCOPE = "channels:join"


@dataclass(frozen=True)
class WorkspaceNeeds:
    """What a configuration needs, each with where it is named ("monthly-roadmap-checkin: owners")."""

    people: Mapping[str, str] = field(default_factory=dict)
    usergroups: Mapping[str, str] = field(default_factory=dict)
    read_channels: Mapping[str, str] = field(default_factory=dict)
    post_channels: Mapping[str, str] = field(default_factory=dict)
    # Findings the domain made itself (a name in a file that nobody in Slack has).
    problems: Sequence[Finding] = ()


class NeedsSource(Protocol):
    def workspace_needs(self) -> WorkspaceNeeds: ...


@dataclass(frozen=True)
class Finding:
    """One line of the report: where, what is wrong, and what to do. `fixed`: done already."""

    where: str
    problem: str
    fix: str = ""
    fixed: bool = False

    def __str__(self) -> str:
        mark = "fixed" if self.fixed else "problem"
        return f"{mark}: {self.where}: {self.problem}" + (f" → {self.fix}" if self.fix else "")


def note(found: dict[str, str], key: str, where: str) -> None:
    """Record that `key` is needed at `where`, beside the other places that need it."""
    if key not in found:
        found[key] = where
    elif where not in found[key].split(", "):
        found[key] = f"{found[key]}, {where}"


def merge(needs: Iterable[WorkspaceNeeds]) -> WorkspaceNeeds:
    people: dict[str, str] = {}
    groups: dict[str, str] = {}
    reads: dict[str, str] = {}
    posts: dict[str, str] = {}
    problems: list[Finding] = []
    for need in needs:
        for mine, theirs in (
            (people, need.people),
            (groups, need.usergroups),
            (reads, need.read_channels),
            (posts, need.post_channels),
        ):
            for key, where in theirs.items():
                note(mine, key, where)
        problems += need.problems
    return WorkspaceNeeds(people, groups, reads, posts, problems)


class Doctor:
    def __init__(
        self, gateway: SlackGateway, required_scopes: Iterable[str], sources: Sequence[NeedsSource]
    ) -> None:
        self._gateway = gateway
        self._required = frozenset(required_scopes)
        self._sources = list(sources)

    def examine(self, *, join: bool = True) -> list[Finding]:
        """Every problem, in a stable order; public audience channels are joined when allowed."""
        try:
            identity = self._gateway.identity()
        except Rejected as error:
            return [
                Finding(
                    "SLACK_BOT_TOKEN",
                    f"Slack refused the token ({error.error})",
                    "copy the Bot User OAuth Token (xoxb-…) again from the app's OAuth & Permissions page",
                )
            ]
        except (OutcomeUnknown, RateLimited) as error:
            return [
                Finding(
                    "Slack", f"cannot reach Slack ({error})", "check the network, proxy and SLACK_API_URL"
                )
            ]
        findings: list[Finding] = []
        missing = sorted(self._required - identity.scopes)
        if missing:
            findings.append(
                Finding(
                    "scopes",
                    f"the token lacks {', '.join(missing)}",
                    "add them under OAuth & Permissions → Scopes (or paste manifest.yml again) "
                    "and reinstall the app",
                )
            )
        needs = merge(source.workspace_needs() for source in self._sources)
        findings += needs.problems
        findings += self._people(needs.people)
        findings += self._usergroups(needs.usergroups)
        findings += self._channels(needs.read_channels, post=False, join=False)
        findings += self._channels(
            needs.post_channels, post=True, join=join and JOIN_SCOPE in identity.scopes
        )
        return findings

    def _people(self, people: Mapping[str, str]) -> list[Finding]:
        findings = []
        for user_id, where in sorted(people.items()):
            try:
                person = self._gateway.person(user_id)
            except Rejected as error:
                findings.append(
                    Finding(
                        where,
                        f"no user {user_id} in this workspace ({error.error})",
                        "use their user id, email or @handle",
                    )
                )
                continue
            except SlackError as error:
                findings.append(Finding(where, f"could not look up {user_id} ({error})", "run doctor again"))
                continue
            if person.deleted:
                findings.append(
                    Finding(where, f"{person.name} ({user_id}) is deactivated", "name someone else")
                )
        return findings

    def _usergroups(self, groups: Mapping[str, str]) -> list[Finding]:
        findings = []
        for handle, where in sorted(groups.items()):
            try:
                self._gateway.usergroup_members(handle)
            except Rejected as error:
                if error.error == "plan_upgrade_required":
                    findings.append(
                        Finding(
                            where,
                            f"user groups (@{handle}) need a Slack plan with user groups",
                            "list the participants as users, or name a channel whose members take part",
                        )
                    )
                else:
                    findings.append(
                        Finding(
                            where,
                            f"no user group @{handle}",
                            "create it in Slack, or fix the handle in the file",
                        )
                    )
            except SlackError as error:
                findings.append(Finding(where, f"could not read @{handle} ({error})", "run doctor again"))
        return findings

    def _channels(self, channels: Mapping[str, str], *, post: bool, join: bool) -> list[Finding]:
        findings = []
        for channel, where in sorted(channels.items()):
            label = channel if channel[:1] in ("C", "G") and channel.isupper() else f"#{channel}"
            try:
                conversation = self._gateway.conversation(channel)
            except Rejected:
                findings.append(
                    Finding(
                        where,
                        f"{label} does not exist, or is private and the bot is not in it",
                        "create it, or invite the bot there with /invite @ritualbot",
                    )
                )
                continue
            except SlackError as error:
                findings.append(Finding(where, f"could not look up {label} ({error})", "run doctor again"))
                continue
            if conversation.is_archived:
                findings.append(
                    Finding(where, f"{label} is archived", "unarchive it, or name another channel")
                )
            elif post and not conversation.is_member:
                findings.append(self._join(conversation.id, label, where, conversation.is_private, join))
        return findings

    def _join(self, channel_id: str, label: str, where: str, private: bool, allowed: bool) -> Finding:
        invite = f"invite the bot to {label} with /invite @ritualbot"
        if private or not allowed:
            return Finding(where, f"the bot is not a member of {label}", invite)
        try:
            self._gateway.join(channel_id)
        except SlackError as error:
            return Finding(where, f"the bot is not a member of {label} and could not join ({error})", invite)
        return Finding(where, f"the bot was not a member of {label}", "joined it", fixed=True)
