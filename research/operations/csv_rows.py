"""Reading the registry's CSV files: the columns each must have, and each row checked.

    accounts: name,domain[,crm_id,owner]
    contacts: email,name,account_domain[,role]
    touches:  date,contact_email,account_domain,by,kind,topic,summary[,tags,link]

A header that does not fit is reported at line 1 (a misspelt optional column is an error, not
ignored, so nothing is silently dropped); each bad row at its first line, with the column and
what is wrong. Good rows come out in batches, with a progress line for large files.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from core.config_files import Problem
from research.addresses import as_domain, as_email, as_person
from research.touches import LINK_MAX, TOPIC_MAX, parse_tags
from storage.models import TouchKind

BATCH_ROWS = 500
# Validation context: the day touches may not be later than.
TODAY = "today"
PROGRESS_EVERY = 2_000

Progress = Callable[[str], None]
R = TypeVar("R", bound="_Row")


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _checked(convert: Callable[[str], str | None], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        converted = convert(value)
        if converted is None:
            raise ValueError(f"expected {what}, got {value!r}")
        return converted

    return check


Domain = Annotated[str, AfterValidator(_checked(as_domain, "a domain such as acme.com"))]
Email = Annotated[str, AfterValidator(_checked(as_email, "an email address"))]
Person = Annotated[str, AfterValidator(_checked(as_person, "a Slack user id (U…) or an email address"))]
Optional = BeforeValidator(_blank_is_none)
Name = Annotated[str, Field(max_length=200)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class AccountRow(_Row):
    name: str = Field(min_length=1, max_length=200)
    domain: Domain
    crm_id: Annotated[Annotated[str, Field(max_length=100)] | None, Optional] = None
    owner: Annotated[Person | None, Optional] = None


class ContactRow(_Row):
    email: Email
    name: Annotated[Name | None, Optional] = None
    account_domain: Domain
    role: Annotated[Name | None, Optional] = None


class TouchRow(_Row):
    touched_on: date = Field(alias="date")
    contact_email: Annotated[Email | None, Optional] = None
    account_domain: Domain
    by: Person
    kind: TouchKind
    topic: str = Field(min_length=1, max_length=TOPIC_MAX)
    summary: str = ""
    tags: Annotated[str | None, Optional] = None
    link: Annotated[
        Annotated[str, Field(pattern=r"^https?://\S+$", max_length=LINK_MAX)] | None, Optional
    ] = None

    @field_validator("touched_on")
    @classmethod
    def _happened(cls, value: date, info: ValidationInfo) -> date:
        today = (info.context or {}).get(TODAY)
        if today is not None and value > today:
            raise ValueError(f"{value} is in the future; import touches that happened")
        return value

    @property
    def tag_list(self) -> tuple[str, ...]:
        return parse_tags(self.tags)

    @property
    def source_key(self) -> str:
        """The row's identity: the same row imported again is the same touch."""
        fields: list[object] = [self.touched_on.isoformat(), self.contact_email, self.account_domain]
        fields += [self.by, self.kind.value]
        fields += [self.topic, self.summary, sorted(self.tag_list), self.link]
        digest = hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()
        return f"csv:{digest[:40]}"


COLUMNS: dict[type[_Row], tuple[tuple[str, ...], tuple[str, ...]]] = {
    AccountRow: (("name", "domain"), ("crm_id", "owner")),
    ContactRow: (("email", "name", "account_domain"), ("role",)),
    TouchRow: (
        ("date", "contact_email", "account_domain", "by", "kind", "topic", "summary"),
        ("tags", "link"),
    ),
}


@dataclass(frozen=True)
class Parsed:
    line: int
    row: Any


def row_problems(path: Path, line: int, error: ValidationError) -> list[Problem]:
    found = []
    for item in error.errors():
        column = ".".join(str(part) for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "empty, but this column is required"
        found.append(Problem(path, line, f"{column}: {message}" if column else message))
    return found


def header_problems(path: Path, header: list[str] | None, model: type[_Row]) -> list[Problem]:
    required, optional = COLUMNS[model]
    usage = ",".join(required) + (f"[,{','.join(optional)}]" if optional else "")
    if not header:
        return [Problem(path, 1, f"empty file; the first line must be the header {usage}")]
    problems = []
    for column in header:
        if column not in required + optional:
            close = difflib.get_close_matches(column, required + optional, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(Problem(path, 1, f"unknown column {column!r}{hint}; the header is {usage}"))
    for column in required:
        if column not in header:
            problems.append(Problem(path, 1, f"missing column {column!r}; the header is {usage}"))
    return problems


def read_rows(
    path: Path, model: type[R], problems: list[Problem], progress: Progress, today: date
) -> Iterator[list[Parsed]]:
    """Valid rows of `path` in batches; bad rows and a bad header go to `problems`."""
    with path.open(newline="", encoding="utf-8-sig") as file:
        total = sum(1 for _ in csv.reader(file)) - 1
        file.seek(0)
        reader = csv.reader(file)
        header = [column.strip() for column in next(reader, [])]
        found = header_problems(path, header, model)
        problems += found
        if found:
            return
        batch: list[Parsed] = []
        rows = 0
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, as spreadsheets leave at the end
            rows += 1
            if len(cells) != len(header):
                problems.append(
                    Problem(path, start, f"{len(cells)} cells, but the header has {len(header)} columns")
                )
                continue
            try:
                row = model.model_validate(dict(zip(header, cells, strict=True)), context={TODAY: today})
                batch.append(Parsed(start, row))
            except ValidationError as error:
                problems += row_problems(path, start, error)
            if len(batch) >= BATCH_ROWS:
                yield batch
                batch = []
            if total > PROGRESS_EVERY and rows % PROGRESS_EVERY == 0:
                progress(f"{path.name}: {rows:,} of {total:,} rows read")
        if batch:
            yield batch
