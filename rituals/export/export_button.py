"""The "Export CSV" button, on the Home tab and on digest posts; `send_csv` is what it does."""

from __future__ import annotations

from core.types import JsonDict

#: The button's action id; its value is ``ritual_id`` or ``ritual_id|run_id``.
EXPORT_CSV_ACTION = "export_csv"


def export_button(ritual_id: str, run_id: int | None = None) -> JsonDict:
    """An actions block with an "Export CSV" button, for the Home tab and digest posts.

    Without `run_id` the file holds every run of the ritual; with it, that run only.
    """
    value = ritual_id if run_id is None else f"{ritual_id}|{run_id}"
    return {
        "type": "actions",
        # Unique per ritual and run, so a Home tab may carry one button per ritual.
        "block_id": f"{EXPORT_CSV_ACTION}:{value}",
        "elements": [
            {
                "type": "button",
                "action_id": EXPORT_CSV_ACTION,
                "text": {"type": "plain_text", "text": "Export CSV"},
                "value": value,
            }
        ],
    }


def parse_export_value(value: str) -> tuple[str, int | None]:
    """``ritual_id`` or ``ritual_id|run_id`` from the button, back into its parts.

    Raises ValueError on a value `export_button` did not write.
    """
    ritual_id, _, run_part = value.partition("|")
    if not ritual_id or (run_part and not run_part.isdigit()):
        raise ValueError(f"not an export button's value: {value!r}")
    return ritual_id, int(run_part) if run_part else None
