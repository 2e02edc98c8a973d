"""What the demo's product managers answer: a written story for the monthly roadmap check-in,
and plausible answers made from the form for any other ritual."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from rituals.collect.forms.elements import CHECKBOX_VALUE
from rituals.definition.schema import FormField, RitualDefinition

# By user, by field id (block id in the modal); items fields hold a list of items.
Answers = dict[str, dict[str, Any]]

_SHAREABLE = [CHECKBOX_VALUE]

ROADMAP_STORY: Answers = {
    "U0PM00001": {
        "status": "On track",
        "roadmap": [
            {
                "title": "Self-serve SSO",
                "horizon": "Now",
                "status": "In progress",
                "target_date": "2027-03-15",
                "link": "https://wiki.example/sso",
                "shareable": _SHAREABLE,
            },
            {"title": "Audit log export", "horizon": "Next", "status": "Planned"},
        ],
        "risks": "Identity vendor contract still unsigned",
        "customer_update": "Single sign-on for every plan, from mid-March.",
    },
    "U0PM00002": {
        "status": "At risk",
        "roadmap": [
            {
                "title": "Offline mode for mobile",
                "horizon": "Now",
                "status": "At risk",
                "target_date": "2027-04-01",
                "shareable": _SHAREABLE,
            }
        ],
        "risks": "Two engineers out in March",
        "asks": "A decision on the sync conflict policy by 10 Feb",
    },
    "U0PM00003": {
        "status": "On track",
        "roadmap": [{"title": "Usage-based billing", "horizon": "Later", "status": "Planned"}],
    },
    "U0PM00005": {
        "status": "On track",
        "roadmap": [
            {
                "title": "Payments in India (UPI)",
                "horizon": "Now",
                "status": "Shipped",
                "target_date": "2027-01-28",
                "shareable": _SHAREABLE,
            }
        ],
        "customer_update": "UPI payments are live.",
    },
    "U0PM00006": {
        "status": "Off track",
        "roadmap": [{"title": "Data residency (AU)", "horizon": "Next", "status": "Blocked"}],
        "asks": "Legal review of the hosting contract",
    },
    "U0PM00007": {
        "status": "On track",
        "roadmap": [
            {
                "title": "Portuguese localisation",
                "horizon": "Now",
                "status": "In progress",
                "target_date": "2027-02-20",
                "shareable": _SHAREABLE,
            }
        ],
    },
}


def _value(form_field: FormField, n: int, opens: date) -> Any:
    """Answer number `n` to one field, as the modal's element takes it."""
    options = form_field.options or []
    values: dict[str, Any] = {
        "text": f"{form_field.label} {n + 1}",
        "long_text": f"Notes on {form_field.label.lower()} from team {n + 1}.",
        "number": str(int(form_field.min if form_field.min is not None else 0) + 10 * (n % 5)),
        "select": options[n % len(options)] if options else None,
        "multi_select": options[: 1 + n % 2],
        "date": (opens + timedelta(days=14 * (n + 1))).isoformat(),
        "url": f"https://wiki.example/team-{n + 1}",
        "user": "U0PM00001",
        "users": ["U0PM00001", "U0PM00002"],
        "checkbox": _SHAREABLE if n % 2 == 0 else [],
    }
    return values[form_field.type]


def made_up_answers(definition: RitualDefinition, people: list[str], opens: date) -> Answers:
    """Every required field and a few optional ones, items included, different per person."""
    answers: Answers = {}
    for n, user in enumerate(people):
        answer: dict[str, Any] = {}
        for form_field in definition.form:
            if form_field.optional and n % 2:
                continue
            if form_field.type == "key_results":
                continue  # one group per key result the person owns: none without objectives
            if form_field.type == "items":
                subs = form_field.item or []
                answer[form_field.id] = [
                    {sub.id: _value(sub, n + i, opens) for sub in subs if not sub.optional}
                    for i in range(1 + n % 2)
                ]
            else:
                answer[form_field.id] = _value(form_field, n, opens)
        answers[user] = answer
    return answers
