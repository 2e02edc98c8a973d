"""People in ritual files named by email or @handle, replaced by their Slack user ids.

Owners, `participants.users` and `participants.exclude` may name people as colleagues know
them. The running bot replaces every name with the user id Slack resolves it to before any
ritual runs, so the rest of the code only ever sees ids; a name Slack does not know is left out
and reported as a problem at its line (by `validate` with a token, `doctor` and the logs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from core.config_files import Loc, Problem, format_loc
from messaging.people import is_name
from rituals.definition.loading import LoadedRitual, RitualLibrary
from rituals.definition.schema import RitualDefinition

# Names to user ids (None: unknown), as messaging.people.PeopleDirectory.resolve gives them.
Resolve = Callable[[Iterable[str]], Mapping[str, str | None]]


def _named_places(definition: RitualDefinition) -> list[tuple[Loc, str]]:
    """Where people are named in a definition, with each name."""
    places: list[tuple[Loc, str]] = [(("owners", i), ref) for i, ref in enumerate(definition.owners)]
    spec = definition.participants
    if spec is not None:  # a digest-only ritual asks nobody
        places += [(("participants", "users", i), ref) for i, ref in enumerate(spec.users)]
        places += [(("participants", "exclude", i), ref) for i, ref in enumerate(spec.exclude)]
    places += [(("holidays", "people", ref), ref) for ref in definition.holidays.people]
    return places


def names_in(library: RitualLibrary) -> set[str]:
    return {
        ref for ritual_id in library.ids() for _, ref in _named_places(library.get(ritual_id)) if is_name(ref)
    }


def with_user_ids(library: RitualLibrary, resolve: Resolve) -> tuple[RitualLibrary, list[Problem]]:
    """The library with every name replaced by its user id, and a problem per unknown name."""
    names = names_in(library)
    if not names:
        return library, []
    resolved = resolve(names)
    rituals: list[LoadedRitual] = []
    problems: list[Problem] = []
    for ritual_id in library.ids():
        loaded = library.loaded(ritual_id)
        for loc, ref in _named_places(loaded.definition):
            if is_name(ref) and resolved.get(ref) is None:
                line = loaded.lines.line(loc) if loaded.lines is not None else loaded.id_line
                kind = "@handle" if ref.startswith("@") else "email"
                problems.append(
                    Problem(loaded.path, line, f"{format_loc(loc)}: nobody in Slack has the {kind} {ref!r}")
                )
        rituals.append(_replaced(loaded, resolved))
    return RitualLibrary(rituals), problems


def _replaced(loaded: LoadedRitual, resolved: Mapping[str, str | None]) -> LoadedRitual:
    definition = loaded.definition

    def ids(refs: list[str]) -> list[str]:
        out = [resolved.get(ref) if is_name(ref) else ref for ref in refs]
        return list(dict.fromkeys(user_id for user_id in out if user_id is not None))

    spec = definition.participants
    participants = (
        spec.model_copy(update={"users": ids(spec.users), "exclude": ids(spec.exclude)})
        if spec is not None
        else None
    )
    people = {
        user_id: place
        for ref, place in definition.holidays.people.items()
        if (user_id := resolved.get(ref) if is_name(ref) else ref) is not None
    }
    holidays = definition.holidays.model_copy(update={"people": people})
    updated = definition.model_copy(
        update={"owners": ids(definition.owners), "participants": participants, "holidays": holidays}
    )
    return LoadedRitual(updated, loaded.path, loaded.id_line, loaded.lines)
