"""Before reaching out: check where an account or person stands, plan, and go ahead with a reason.

`check` and `plan` read the same standing; a plan that would break a rule offers to go ahead
anyway, which takes a reason and records an override (the research owners are told), exactly
as logging a touch that breaks a rule does.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import UserFacingError
from research.overrides import record_override
from research.registry import Subject, ensure_account, resolve
from research.services import ResearchServices
from research.standing import Standing, standing
from storage.models import OverrideStage

REASON_MAX = 1000


def check(services: ResearchServices, text: str) -> Standing:
    """Where the account or person named by `text` stands today."""
    with services.session_factory() as session:
        return standing(session, services.rules, resolve(session, text), services.today())


@dataclass(frozen=True)
class GoAhead:
    subject: Subject
    # False when no rule stands in the way any more (nothing to override).
    overridden: bool


def go_ahead(services: ResearchServices, user_id: str, text: str, reason: str, source_key: str) -> GoAhead:
    """Record the decision to reach out although a rule says not now; owners are told."""
    reason = reason.strip()
    if not reason:
        raise UserFacingError("Going ahead needs a reason.")
    now = services.clock.now()
    with services.session_factory.begin() as session:
        subject = resolve(session, text)
        where = standing(session, services.rules, subject, services.today())
        if where.free:
            return GoAhead(subject, overridden=False)
        # Someone nobody has logged yet can still be on the do-not-contact list by domain; the
        # override needs an account to belong to, so the domain becomes one.
        domain = subject.domain
        assert domain is not None, "only an account or an email can break a rule"
        account = subject.account or ensure_account(session, domain, now)
        record_override(
            session,
            services.rules,
            stage=OverrideStage.PLAN,
            account=account,
            contact_id=subject.contact.id if subject.contact else None,
            touch_id=None,
            by=user_id,
            violations=where.violations,
            reason=reason[:REASON_MAX],
            source_key=source_key,
            now=now,
        )
    return GoAhead(subject, overridden=True)
