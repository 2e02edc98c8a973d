"""Who lives in the simulated workspace: people, user groups and channels.

The roster is plain data. The Web API server reads it to answer `users.*`, `usergroups.*` and
`conversations.*`, and the driver reads it to fill in user names in payloads. Ids follow Slack's
shapes (`U…`, `S…`, `C…`) so code that sniffs an id's first letter behaves as it would for real.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

BOT_USER_ID = "U0BOT0001"
BOT_ID = "B0BOT0001"
APP_ID = "A0RITUAL01"
TEAM_ID = "T0SIM0001"
TEAM_DOMAIN = "ritualbot-sim"
TEAM_NAME = "Ritual Simulator"


@dataclass
class User:
    """A workspace member as `users.info` describes one."""

    id: str
    name: str
    real_name: str
    tz: str
    tz_offset: int
    is_bot: bool = False
    deleted: bool = False
    title: str = ""
    email: str = ""
    # The custom status a person sets ("🌴 Vacation", until a Unix time; 0: no expiry).
    status_text: str = ""
    status_emoji: str = ""
    status_expiration: int = 0

    @property
    def tz_label(self) -> str:
        """The zone's abbreviation now, e.g. "EST"; Slack shows a long name, nobody parses it."""
        return datetime.now(_zone(self.tz)).tzname() or self.tz


@dataclass
class UserGroup:
    """A user group (`@product-managers`); Slack ids them `S…`."""

    id: str
    handle: str
    name: str
    users: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class Channel:
    """A public or private channel; the bot can post only where it may see the channel."""

    id: str
    name: str
    members: list[str] = field(default_factory=list)
    is_private: bool = False
    topic: str = ""


@cache
def _zone(name: str) -> ZoneInfo:
    """Zones by name, kept: ZoneInfo holds only a few strongly, and a large roster spread over
    many zones would read each from disk again for every user of every users.list page."""
    return ZoneInfo(name)


def tz_offset(tz: str, at: datetime | None = None) -> int:
    """Seconds east of UTC in `tz` at `at` (default now), which is what Slack reports."""
    instant = at or datetime.now(UTC)
    offset = instant.astimezone(_zone(tz)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def make_user(
    user_id: str,
    name: str,
    real_name: str,
    tz: str,
    *,
    at: datetime | None = None,
    title: str = "",
    deleted: bool = False,
    is_bot: bool = False,
) -> User:
    """A user whose `tz_offset` is computed from the zone, so the two can never disagree."""
    return User(
        id=user_id,
        name=name,
        real_name=real_name,
        tz=tz,
        tz_offset=tz_offset(tz, at),
        is_bot=is_bot,
        deleted=deleted,
        title=title,
        email=f"{name}@{TEAM_DOMAIN}.example",
    )


@dataclass
class Roster:
    """Everyone and everything in the workspace, with lookups by id and by name."""

    users: list[User]
    groups: list[UserGroup]
    channels: list[Channel]
    bot: User

    def __post_init__(self) -> None:
        self._users = {u.id: u for u in [*self.users, self.bot]}
        self._groups = {g.id: g for g in self.groups}
        self._channels = {c.id: c for c in self.channels}

    def add_user(self, user: User) -> User:
        """Add someone after start-up (a new hire in a test)."""
        self.users.append(user)
        self._users[user.id] = user
        return user

    def add_channel(self, channel: Channel) -> Channel:
        self.channels.append(channel)
        self._channels[channel.id] = channel
        return channel

    def add_group(self, group: UserGroup) -> UserGroup:
        self.groups.append(group)
        self._groups[group.id] = group
        return group

    def user(self, user_id: str) -> User | None:
        return self._users.get(user_id)

    def user_by_email(self, email: str) -> User | None:
        """Slack matches an email address without regard to case."""
        wanted = email.strip().casefold()
        return next((u for u in self.users if u.email and u.email.casefold() == wanted), None)

    def all_users(self) -> list[User]:
        """Every member including the bot user, in a stable order (what `users.list` pages over)."""
        return [*self.users, self.bot]

    def group(self, id_or_handle: str) -> UserGroup | None:
        """By id (`S…`) or handle, with or without the leading `@`."""
        found = self._groups.get(id_or_handle)
        if found is not None:
            return found
        handle = id_or_handle.removeprefix("@")
        return next((g for g in self.groups if g.handle == handle), None)

    def channel_by_id(self, channel_id: str) -> Channel | None:
        return self._channels.get(channel_id)

    def channel(self, id_or_name: str) -> Channel | None:
        """By id (`C…`) or name, with or without the leading `#`."""
        found = self._channels.get(id_or_name)
        if found is not None:
            return found
        name = id_or_name.removeprefix("#")
        return next((c for c in self.channels if c.name == name), None)


_PM_SEED: list[tuple[str, str, str]] = [
    ("ana", "Ana Alvarez", "America/New_York"),
    ("ben", "Ben Okafor", "America/Los_Angeles"),
    ("chloe", "Chloe Martin", "Europe/London"),
    ("dieter", "Dieter Schmidt", "Europe/Berlin"),
    ("isha", "Isha Rao", "Asia/Kolkata"),
    ("jack", "Jack Nguyen", "Australia/Sydney"),
    ("maria", "Maria Costa", "America/Sao_Paulo"),
    ("kenji", "Kenji Sato", "Asia/Tokyo"),
]
_ZONES = [tz for _, _, tz in _PM_SEED] + ["America/Chicago", "Africa/Lagos", "Pacific/Auckland"]

PRODOPS_ID = "U0PRODOPS"
PM_GROUP_ID = "S0PMS0001"
LEADS_GROUP_ID = "S0LEADS01"


def _bot(at: datetime | None) -> User:
    return make_user(BOT_USER_ID, "ritualbot", "ritualbot", "America/Los_Angeles", at=at, is_bot=True)


def _staff(at: datetime | None) -> list[User]:
    """The people around the PMs: the ritual owner, leaders, sales and marketing."""
    return [
        make_user(PRODOPS_ID, "pat", "Pat Rivera", "America/New_York", at=at, title="Product Operations"),
        make_user("U0LEAD001", "lena", "Lena Fischer", "Europe/Berlin", at=at, title="VP Product"),
        make_user(
            "U0LEAD002", "omar", "Omar Haddad", "America/Chicago", at=at, title="Chief Product Officer"
        ),
        make_user("U0SALES01", "sam", "Sam Brooks", "America/New_York", at=at, title="Sales Director"),
        make_user("U0MKTG001", "mia", "Mia Laurent", "Europe/London", at=at, title="Product Marketing"),
    ]


def _build(pms: list[User], at: datetime | None, extra: list[User]) -> Roster:
    """Groups and channels around a list of PMs; shared by the small and the generated roster."""
    staff = _staff(at)
    bot = _bot(at)
    pm_ids = [u.id for u in pms if not u.deleted]
    leaders = ["U0LEAD001", "U0LEAD002"]
    everyone = [u.id for u in [*staff, *pms, *extra] if not u.deleted] + [bot.id]
    groups = [
        UserGroup(PM_GROUP_ID, "product-managers", "Product managers", pm_ids, "Every PM"),
        UserGroup(LEADS_GROUP_ID, "product-leaders", "Product leaders", leaders, "Leadership"),
    ]
    channels = [
        Channel("C0LEADS01", "product-leads", [*leaders, PRODOPS_ID, bot.id], is_private=True),
        Channel("C0SALES01", "sales-roadmap", ["U0SALES01", PRODOPS_ID, *leaders, bot.id]),
        Channel("C0MKTG001", "marketing-launches", ["U0MKTG001", PRODOPS_ID, bot.id]),
        # Where the weekly research digest goes when a workspace turns it on.
        Channel("C0RESRCH1", "research-ops", [PRODOPS_ID, *leaders, bot.id]),
        Channel("C0GENERAL", "general", everyone),
    ]
    return Roster(users=[*staff, *pms, *extra], groups=groups, channels=channels, bot=bot)


def default_roster(at: datetime | None = None) -> Roster:
    """Eight PMs around the world, product ops, two leaders, sales, marketing and one leaver.

    The leaver (`U0PM00009`, deleted) is in `users.list` but in no group, as after an offboarding,
    so code that walks users.list has to skip deleted accounts itself.
    """
    pms = [
        make_user(f"U0PM{i:05d}", name, real, tz, at=at, title="Product Manager")
        for i, (name, real, tz) in enumerate(_PM_SEED, start=1)
    ]
    leaver = make_user("U0PM00009", "lee", "Lee Former", "Europe/Paris", at=at, deleted=True)
    return _build(pms, at, [leaver])


def generated_roster(n_pms: int, at: datetime | None = None) -> Roster:
    """A large workspace for benchmarks: `n_pms` PMs spread round-robin over many zones."""
    if n_pms < 1 or n_pms > 99_999:
        raise ValueError("n_pms must be between 1 and 99,999")
    offsets = {tz: tz_offset(tz, at) for tz in _ZONES}
    pms = [
        User(
            id=f"U0PM{i:05d}",
            name=f"pm{i}",
            real_name=f"Product Manager {i}",
            tz=_ZONES[i % len(_ZONES)],
            tz_offset=offsets[_ZONES[i % len(_ZONES)]],
            title="Product Manager",
            email=f"pm{i}@{TEAM_DOMAIN}.example",
        )
        for i in range(1, n_pms + 1)
    ]
    return _build(pms, at, [])
