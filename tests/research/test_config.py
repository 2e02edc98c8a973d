"""The rules file: found beside the rituals, checked with `file:line: message`, optional."""

from __future__ import annotations

from pathlib import Path

import pytest

from research.config import NO_RULES, AccountLimit, InvalidRules, load_rules, read_rules
from rituals.library import BUILTIN_LIBRARY
from storage.models import TouchKind

from .conftest import RULES, write_rules


def test_the_issue_example_reads_as_written(tmp_path: Path) -> None:
    write_rules(tmp_path)
    rules = load_rules([tmp_path])
    assert rules.owners == ("U0PRODOPS",)
    assert rules.contact_cooldown_days == 30
    assert rules.account_limit == AccountLimit(touches=4, per="quarter")
    assert rules.account_limit.kinds == tuple(TouchKind)
    assert rules.do_not_contact == ("ceo@acme.com", "initech.com")
    assert rules.cooldown_kinds == (TouchKind.INTERVIEW, TouchKind.CALL, TouchKind.VISIT)
    assert str(rules.zone) == "America/New_York"


def test_without_a_rules_file_there_are_no_limits(tmp_path: Path) -> None:
    assert load_rules([BUILTIN_LIBRARY, tmp_path]) is NO_RULES
    assert NO_RULES.account_limit is None
    assert NO_RULES.contact_cooldown_days is None


def test_problems_point_at_their_lines(tmp_path: Path) -> None:
    path = write_rules(
        tmp_path,
        """
        research:
          owners: [U0PRODOPS, research-ops]
          contact_cooldown_days: 0
          account_limt: {touches: 4, per: quarter}
          do_not_contact: [ceo@acme.com, "not an address", initech.com]
          timezone: Mars/Olympus
        """,
    )
    rules, problems = read_rules([tmp_path])
    assert rules is NO_RULES
    assert [str(problem) for problem in problems] == [
        f"{path}:2: research.owners[1]: String should match pattern '^[UW][A-Z0-9]{{2,}}$'",
        f"{path}:3: research.contact_cooldown_days: Input should be greater than or equal to 1",
        f"{path}:4: research: unknown key 'account_limt'; did you mean 'account_limit'?",
        f"{path}:5: research.do_not_contact[1]: expected an email address or a domain such as "
        "'initech.com', got 'not an address'",
        f"{path}:6: research.timezone: unknown time zone 'Mars/Olympus'; use an IANA name such as "
        "'America/New_York'",
    ]
    with pytest.raises(InvalidRules) as refused:
        load_rules([tmp_path])
    assert refused.value.problems == problems


def test_an_entry_listed_twice(tmp_path: Path) -> None:
    path = write_rules(tmp_path, "research:\n  do_not_contact: [initech.com, CEO@acme.com, INITECH.com]\n")
    [problem] = read_rules([tmp_path])[1]
    assert str(problem) == f"{path}:2: research.do_not_contact: listed more than once: initech.com"


def test_a_period_the_limit_cannot_count_in(tmp_path: Path) -> None:
    path = write_rules(tmp_path, "research:\n  account_limit: {touches: 4, per: week}\n")
    [problem] = read_rules([tmp_path])[1]
    assert str(problem) == (
        f"{path}:2: research.account_limit.per: Input should be 'month', 'quarter' or 'year'"
    )


def test_rules_are_defined_once(tmp_path: Path) -> None:
    first = write_rules(tmp_path / "team", RULES, "a.yml")
    second = write_rules(tmp_path / "team", "research:\n  contact_cooldown_days: 10\n", "b.yml")
    [problem] = read_rules([tmp_path / "team"])[1]
    assert str(problem) == f"{second}:1: research: the rules are already defined in {first}:1"
