"""Time zones a person may name: canonical IANA places, never abbreviations or old aliases.

`zoneinfo` opens every name in the database, including fixed offsets and rules that are not
places (`EST` is UTC-5 all year, so a New York team would run an hour off all summer; `CET`,
`PST8PDT`) and backward-compatible links (`US/Eastern`, `Asia/Calcutta`). A ritual's zone must
name where its people are: the places listed in the tz database's `zone.tab` and
`zone1970.tab`, plus UTC. For a link that stands for one place, the message names that place.
"""

from __future__ import annotations

import difflib
from functools import cache
from importlib import resources

UTC_NAMES = frozenset({"UTC", "Etc/UTC"})
_EXAMPLE = "America/New_York"


class UnknownZone(ValueError):
    """Not a canonical IANA place name; the message says what to write instead."""


@cache
def _tz_file(name: str) -> str:
    return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")


@cache
def canonical_zones() -> frozenset[str]:
    """Every place name of the tz database, and UTC."""
    places: set[str] = set(UTC_NAMES)
    for table in ("zone.tab", "zone1970.tab"):
        for line in _tz_file(table).splitlines():
            if line and not line.startswith("#"):
                places.add(line.split("\t")[2])
    return frozenset(places)


@cache
def _links() -> dict[str, str]:
    """Alias -> the zone it stands for (`US/Eastern` -> `America/New_York`)."""
    links: dict[str, str] = {}
    for line in _tz_file("tzdata.zi").splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()
            links[alias] = target
    return links


def check_zone(name: str) -> str:
    """`name` if it is a canonical place (or UTC), else :class:`UnknownZone` saying what to use."""
    if name in canonical_zones():
        return name
    target = _links().get(name)
    if target in canonical_zones() and "/" in name:
        raise UnknownZone(f"{name!r} is an old alias; use the canonical name {target!r}")
    if name in _links() or name.startswith("Etc/") or name.replace("-", "").replace("+", "").isalnum():
        raise UnknownZone(
            f"{name!r} is an abbreviation or a fixed offset, not a place, so it ignores daylight saving "
            f"where your people are; name the place, such as {_EXAMPLE!r}"
        )
    close = difflib.get_close_matches(name, sorted(canonical_zones()), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UnknownZone(f"unknown time zone {name!r}{hint}; use an IANA name such as {_EXAMPLE!r}")
