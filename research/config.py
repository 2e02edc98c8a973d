"""The research rules: one reviewed YAML file with a top-level `research:` key.

    research:
      owners: [U0RESEARCHOPS]                      # told of every override
      contact_cooldown_days: 30                    # after an interview, call or visit with a contact
      account_limit: {touches: 4, per: quarter}    # across all teams; per: month | quarter | year
      do_not_contact: [ceo@acme.com, initech.com]  # contacts, or whole accounts by domain

The file sits in the built-in library folder or a `RITUALS_PATH` folder beside the rituals, is
checked by `ritualbot validate` (each problem as `file:line: message`), and is optional: with
no file the registry works with no limits. Two files with rules are a mistake, not a merge.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.config_files import (
    ConfigDocument,
    ConfigKind,
    InvalidFiles,
    Problem,
    documents_of,
    validation_problems,
)
from core.time_zones import check_zone
from research.addresses import as_domain, as_email
from storage.models import TouchKind

#: Conversations that start a contact's cooldown unless the rules say otherwise.
COOLDOWN_KINDS = (TouchKind.INTERVIEW, TouchKind.CALL, TouchKind.VISIT)

Period = Literal["month", "quarter", "year"]


class InvalidRules(InvalidFiles):
    """The research rules have problems; the bot must not start with them."""


def _email_or_domain(value: str) -> str:
    entry = as_email(value) or as_domain(value)
    if entry is not None:
        return entry
    raise ValueError(f"expected an email address or a domain such as 'initech.com', got {value!r}")


UserId = Annotated[str, Field(pattern=r"^[UW][A-Z0-9]{2,}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccountLimit(_Model):
    """At most `touches` touches with one account per calendar `per`, counted across all teams."""

    touches: int = Field(ge=1)
    per: Period
    # Which kinds count; every kind unless given (a survey reaches the customer too).
    kinds: tuple[TouchKind, ...] = tuple(TouchKind)


class ResearchRules(_Model):
    owners: tuple[UserId, ...] = ()
    contact_cooldown_days: int | None = Field(default=None, ge=1, le=3650)
    cooldown_kinds: tuple[TouchKind, ...] = COOLDOWN_KINDS
    account_limit: AccountLimit | None = None
    do_not_contact: tuple[Annotated[str, AfterValidator(_email_or_domain)], ...] = ()
    # Where "today" is: a cooldown ending today ends at midnight here.
    timezone: Annotated[str, AfterValidator(check_zone)] = "UTC"

    @field_validator("do_not_contact")
    @classmethod
    def _unique(cls, entries: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({entry for entry in entries if entries.count(entry) > 1})
        if repeated:
            raise ValueError(f"listed more than once: {', '.join(repeated)}")
        return entries

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


#: No file: the registry records and searches, and nothing is ever over a limit.
NO_RULES = ResearchRules()


class RulesFile(_Model):
    """The whole document: only the `research` key."""

    research: ResearchRules


def read_rules(paths: Sequence[Path]) -> tuple[ResearchRules, list[Problem]]:
    """The rules from the research file among `paths` (folders or files), and every problem.

    A file that cannot be read is reported here as by the rituals' loader (`validate` prints
    it once), since nobody can tell whether it meant to hold the rules.
    """
    documents, problems = documents_of(list(paths), ConfigKind.RESEARCH)
    rules = NO_RULES
    first: ConfigDocument | None = None
    for document in documents:
        if first is not None:
            line = document.lines.line(("research",))
            where = f"{first.path}:{first.lines.line(('research',))}"
            message = f"research: the rules are already defined in {where}"
            problems.append(Problem(document.path, line, message))
            continue
        first = document
        try:
            rules = RulesFile.model_validate(document.data).research
        except ValidationError as error:
            problems += validation_problems(document.path, document.lines, error, RulesFile)
    return rules, sorted(problems)


def load_rules(paths: Sequence[Path]) -> ResearchRules:
    """The rules the bot runs with; `InvalidRules` when the file has any problem."""
    rules, problems = read_rules(paths)
    if problems:
        raise InvalidRules(problems)
    return rules
