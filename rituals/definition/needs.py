"""What the rituals need from the workspace, for `ritualbot doctor`: every owner, participant,
user group and channel, each with where it is named."""

from __future__ import annotations

from core.config_files import Problem
from messaging.doctor import Finding, WorkspaceNeeds, note
from messaging.people import is_name
from rituals.definition.live import LiveLibrary
from rituals.definition.loading import RitualLibrary


class RitualNeeds:
    def __init__(self, library: RitualLibrary, unresolved: list[Problem] | None = None) -> None:
        self._library = library
        self._unresolved = unresolved

    def workspace_needs(self) -> WorkspaceNeeds:
        people: dict[str, str] = {}
        groups: dict[str, str] = {}
        reads: dict[str, str] = {}
        posts: dict[str, str] = {}

        for definition in self._library:
            spec = definition.participants
            for owner in definition.owners:
                note(people, owner, f"{definition.id}: owners")
            for user in [*spec.users, *spec.exclude] if spec is not None else []:
                note(people, user, f"{definition.id}: participants")
            if spec is not None and spec.usergroup:
                note(groups, spec.usergroup, f"{definition.id}: participants")
            if spec is not None and spec.channel:
                note(reads, spec.channel, f"{definition.id}: participants")
            for audience in definition.audiences:
                for channel in audience.to:
                    note(posts, channel, f"{definition.id}: audience {audience.name}")
        # Names Slack could not resolve are left out of the definitions (and reported here).
        people = {key: where for key, where in people.items() if not is_name(key)}
        unresolved = self._unresolved
        if unresolved is None:
            unresolved = self._library.warnings if isinstance(self._library, LiveLibrary) else []
        fix = "check the spelling, or use the user id"
        problems = [Finding(f"{problem.path}:{problem.line}", problem.message, fix) for problem in unresolved]
        return WorkspaceNeeds(people, groups, reads, posts, problems)
