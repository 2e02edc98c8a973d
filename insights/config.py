"""The objectives file: objectives with key results, and metrics, as a product-ops person writes them.

A YAML file in a `RITUALS_PATH` folder with a top-level `objectives:` and/or `metrics:` key.
Every model forbids unknown keys, so a misspelt key is an error with "did you mean", not a
silently ignored default. A source's URL comes only from here, never from anything a Slack user
types; its headers may name environment variables (`${METRICS_TOKEN}`), read when the source
is fetched, so secrets stay out of the file.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from string import Template
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Metric",
    "Objective",
    "ObjectivesFile",
    "Source",
    "period_span",
]

#: Seconds a source may take per attempt unless it says otherwise, and the most it may ask for.
DEFAULT_TIMEOUT = 5.0
MAX_TIMEOUT = 30.0

ConfigId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Title = Annotated[str, Field(min_length=1, max_length=150)]
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]|\d{2}))?$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


def _check_owner(value: str) -> str:
    value = value.strip()
    if _USER_ID.match(value):
        return value
    if _EMAIL.match(value):
        return value.lower()
    raise ValueError(f"expected a Slack user id (U…) or an email address, got {value!r}")


def _check_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/?#]+", value) or any(c.isspace() for c in value):
        raise ValueError(f"expected an http(s) URL, got {value!r}")
    return value


def _check_path(value: str) -> str:
    if not re.fullmatch(r"[^.\s]+(\.[^.\s]+)*", value):
        raise ValueError(
            "expected a dotted path into the JSON answer such as 'data.value' or 'items.0.count', "
            f"got {value!r}"
        )
    return value


def _check_headers(headers: dict[str, str]) -> dict[str, str]:
    for name, value in headers.items():
        if not _HEADER_NAME.match(name):
            raise ValueError(f"{name!r} is not a valid HTTP header name")
        if not Template(value).is_valid():
            raise ValueError(
                f"header {name!r}: write environment variables as ${{NAME}} (and a literal $ as $$)"
            )
    return headers


def period_span(period: str) -> tuple[date, date]:
    """The first and last day of `2027`, `2027-H1`, `2027-Q1` or `2027-03`."""
    match = _PERIOD.fullmatch(period.strip())
    if not match:
        raise ValueError(
            f"expected a period such as '2027-Q1', '2027-H2', '2027-03' or '2027', got {period!r}"
        )
    year, part = int(match[1]), match[2]
    if part is None:
        first, months = 1, 12
    elif part.startswith("Q"):
        first, months = 3 * int(part[1]) - 2, 3
    elif part.startswith("H"):
        first, months = 6 * int(part[1]) - 5, 6
    else:
        first, months = int(part), 1
        if not 1 <= first <= 12:
            raise ValueError(f"{period!r} has no month {first}")
    start = date(year, first, 1)
    after = date(year + (first + months - 1) // 12, (first + months - 1) % 12 + 1, 1)
    return start, after - timedelta(days=1)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Model):
    """Where a number comes from: a GET that answers JSON, and the path to the number in it."""

    url: Annotated[str, AfterValidator(_check_url)]
    value: Annotated[str, AfterValidator(_check_path)]
    headers: Annotated[dict[str, str], AfterValidator(_check_headers)] = Field(default_factory=dict)
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0, le=MAX_TIMEOUT)


class KeyResult(_Model):
    """A measurable result: from `start` to `target` (a target below the start means "bring it down")."""

    id: ConfigId
    title: Title
    owner: Annotated[str, AfterValidator(_check_owner)]
    start: float
    target: float
    unit: Annotated[str, Field(max_length=30)] = ""
    source: Source | None = None

    @model_validator(mode="after")
    def _moves(self) -> KeyResult:
        if self.start == self.target:
            raise ValueError("start and target are equal, so there is no way to measure progress")
        return self

    @property
    def bring_down(self) -> bool:
        return self.target < self.start


class Objective(_Model):
    """What the company wants, over a period, measured by its key results."""

    id: ConfigId
    title: Title
    period: str | None = None
    start: date | None = None
    end: date | None = None
    key_results: Annotated[list[KeyResult], Field(min_length=1)]

    @model_validator(mode="after")
    def _has_a_period(self) -> Objective:
        if self.period is not None:
            if self.start is not None or self.end is not None:
                raise ValueError("give period, or start and end dates, not both")
            period_span(self.period)
        elif self.start is None or self.end is None:
            raise ValueError("give period (such as 2027-Q1), or both start and end dates")
        elif self.end < self.start:
            raise ValueError("end is before start")
        return self

    @property
    def span(self) -> tuple[date, date]:
        if self.period is not None:
            return period_span(self.period)
        assert self.start is not None
        assert self.end is not None
        return self.start, self.end

    @property
    def period_label(self) -> str:
        if self.period is not None:
            return self.period
        first, last = self.span
        return f"{first.isoformat()} to {last.isoformat()}"


class Metric(_Model):
    """A figure without a target, for any ritual's digest (weekly active users, ...)."""

    id: ConfigId
    title: Title
    unit: Annotated[str, Field(max_length=30)] = ""
    # Who is told when the source is unavailable; the ritual's owners when not given.
    owner: Annotated[str, AfterValidator(_check_owner)] | None = None
    source: Source


class ObjectivesFile(_Model):
    """One objectives file; either list may be left out. Ids are checked across all files by
    the catalog, which knows where each one is."""

    objectives: list[Objective] = Field(default_factory=list)
    metrics: list[Metric] = Field(default_factory=list)
