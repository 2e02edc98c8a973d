"""The answer being edited: top-level values as prefilled, and the items one by one.

Pure data with JSON round-tripping; :mod:`rituals.collect.draft_store` stores it. An item keeps a
``uid`` for as long as the modal is open (prefilled items get ``p0``, ``p1``, ...; an item added
in its own modal is named after that modal's view id, so saving the same modal twice updates one
item rather than adding two) and a ``rev`` that moves when the item is edited in its own modal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rituals.definition.schema import FormField, RitualDefinition


@dataclass
class DraftItem:
    uid: str
    rev: int
    values: dict[str, Any]


@dataclass
class FormDraft:
    fields: dict[str, Any] = field(default_factory=dict)
    items: dict[str, list[DraftItem]] = field(default_factory=dict)

    # --- building and storing -----------------------------------------------------------
    @classmethod
    def from_answer(cls, definition: RitualDefinition, values: Mapping[str, Any] | None) -> FormDraft:
        """A draft prefilled from an earlier answer (or empty), shaped by today's definition."""
        values = values or {}
        draft = cls()
        for form_field in definition.form:
            value = values.get(form_field.id)
            if form_field.type == "items":
                entries = [item for item in value or [] if isinstance(item, Mapping)][: form_field.max_items]
                draft.items[form_field.id] = [
                    DraftItem(uid=f"p{index}", rev=0, values=_known(form_field, item))
                    for index, item in enumerate(entries)
                ]
            elif value is not None and form_field.type != "key_results":
                # Key results are prefilled from what their owner's domain knows now, not
                # from this copy of an earlier answer.
                draft.fields[form_field.id] = value
        return draft

    def to_json(self) -> dict[str, Any]:
        return {
            "fields": self.fields,
            "items": {
                field_id: [{"uid": i.uid, "rev": i.rev, "values": i.values} for i in entries]
                for field_id, entries in self.items.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FormDraft:
        return cls(
            fields=dict(data.get("fields") or {}),
            items={
                field_id: [DraftItem(str(i["uid"]), int(i["rev"]), dict(i["values"])) for i in entries]
                for field_id, entries in (data.get("items") or {}).items()
            },
        )

    # --- reading ------------------------------------------------------------------------
    def entries(self, field_id: str) -> list[DraftItem]:
        return self.items.setdefault(field_id, [])

    def find(self, field_id: str, uid: str) -> DraftItem | None:
        return next((item for item in self.entries(field_id) if item.uid == uid), None)

    # --- changing (each returns whether anything changed) --------------------------------
    def take_rows(self, rows: Mapping[tuple[str, str], Mapping[str, Any]]) -> bool:
        """Fold in what the item rows show now (choices made directly in the answer modal)."""
        changed = False
        for (field_id, uid), values in rows.items():
            item = self.find(field_id, uid)
            if item is None:
                continue
            for key, value in values.items():
                if item.values.get(key) != value:
                    item.values[key] = value
                    changed = True
        return changed

    def put_item(self, field_id: str, uid: str, values: Mapping[str, Any]) -> bool:
        """Save an item from its own modal: a new one is appended, an edited one gets a new rev."""
        item = self.find(field_id, uid)
        if item is None:
            self.entries(field_id).append(DraftItem(uid=uid, rev=0, values=dict(values)))
            return True
        if item.values == dict(values):
            return False
        item.values = dict(values)
        item.rev += 1
        return True

    def remove(self, field_id: str, uid: str) -> bool:
        entries = self.entries(field_id)
        kept = [item for item in entries if item.uid != uid]
        self.items[field_id] = kept
        return len(kept) != len(entries)

    def move(self, field_id: str, uid: str, delta: int) -> bool:
        entries = self.entries(field_id)
        index = next((n for n, item in enumerate(entries) if item.uid == uid), None)
        if index is None or not 0 <= index + delta < len(entries):
            return False
        entries[index], entries[index + delta] = entries[index + delta], entries[index]
        return True


def _known(items_field: FormField, item: Mapping[str, Any]) -> dict[str, Any]:
    """An earlier item reduced to the sub-fields the definition still has."""
    return {sub.id: item[sub.id] for sub in items_field.item or [] if sub.id in item}
