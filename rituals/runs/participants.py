"""Who is asked: a ritual's participants resolved to people, when a run opens."""

from __future__ import annotations

from messaging.gateway import Person, SlackGateway
from rituals.definition.schema import RitualDefinition


def resolve_participants(definition: RitualDefinition, gateway: SlackGateway) -> list[Person]:
    """Everyone the definition names (users, a user group, a channel's members), minus
    exclusions, bots and deactivated accounts, with names and time zones for the run."""
    spec = definition.participants
    if spec is None:
        return []  # a digest-only ritual asks nobody
    user_ids: set[str] = set(spec.users)
    if spec.usergroup:
        user_ids |= set(gateway.usergroup_members(spec.usergroup))
    if spec.channel:
        user_ids |= set(gateway.channel_members(spec.channel))
    user_ids -= set(spec.exclude)
    people = gateway.people(sorted(user_ids))
    return [person for _, person in sorted(people.items()) if not person.is_bot and not person.deleted]
