"""Who may manage a ritual: its owners, and the admins the deployment names.

Every management action checks it: triggering, closing and nudging runs, pausing and skipping,
reading status and history, approving and editing posts, exporting answers.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import NotAllowed
from rituals.definition.schema import RitualDefinition


def require_manager(definition: RitualDefinition, user_id: str, admins: Sequence[str]) -> None:
    """Management actions are for the ritual's owners and the configured admins only."""
    if user_id not in definition.owners and user_id not in admins:
        owners = ", ".join(f"<@{owner}>" for owner in definition.owners)
        raise NotAllowed(f"Only the owners of {definition.name} ({owners}) or an admin can do that.")
