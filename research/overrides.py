"""Overrides: a rule knowingly broken, the reason kept, and the rules' owners told by DM.

An override is made when a touch that breaks a rule is logged with a reason, or when someone
planning outreach decides to go ahead anyway. Each is recorded once per source (the touch, or
the plan's modal), and each owner gets one DM about it through the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging.outbox import enqueue
from research.config import ResearchRules
from research.rules import Violation, as_record
from research.views import override_notice
from storage.models import Account, Override, OverrideStage
from storage.queries import insert_ignoring_conflicts


def record_override(
    session: Session,
    rules: ResearchRules,
    *,
    stage: OverrideStage,
    account: Account,
    contact_id: int | None,
    touch_id: int | None,
    by: str,
    violations: Sequence[Violation],
    reason: str,
    source_key: str,
    now: datetime,
) -> Override:
    """Keep the override and queue the owners' DMs; a repeated source finds the first one."""
    added = insert_ignoring_conflicts(
        session,
        Override,
        [
            {
                "stage": stage.value,
                "account_id": account.id,
                "contact_id": contact_id,
                "touch_id": touch_id,
                "by": by,
                "rules": as_record(violations),
                "reason": reason,
                "source_key": source_key,
                "created_at": now,
            }
        ],
    )
    override = session.scalar(select(Override).where(Override.source_key == source_key))
    assert override is not None
    if added:
        message = override_notice(override, account, violations)
        for owner in rules.owners:
            enqueue(
                session,
                key=f"research:override:{override.id}:{owner}",
                kind="research-override",
                target=owner,
                message=message,
                now=now,
            )
    return override
