"""A person's own key results on the Home tab (`messaging.home_tab.HomeSection`).

Built when the person opens the tab, like the other sections: their key results grouped by
objective, worst first, as they stand now. Owners named by email are matched through Slack
first (remembered, so this asks Slack only about emails it has not seen).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.types import JsonDict
from insights.catalog import Catalog
from insights.owners import Owners
from insights.standing import current_standings
from insights.views import objective_sections
from messaging.home_tab import context_line
from messaging.layout import cut_to_fit, section
from messaging.limits import SECTION_TEXT
from storage.database import SessionFactory

#: Objectives shown at most; the Home tab's 100 blocks are shared with the other sections.
HOME_OBJECTIVES_MAX = 5
FOOTER = "From your check-ins and their sources. `/ritual okrs` shows everyone's key results."


class KeyResultsHome:
    def __init__(self, session_factory: SessionFactory, catalog: Catalog, owners: Owners) -> None:
        self._session_factory = session_factory
        self._catalog = catalog
        self._owners = owners

    def blocks(self, user_id: str, viewer_tz: ZoneInfo | None) -> list[JsonDict]:
        if not self._catalog.objectives:
            return []
        self._owners.look_up(kr.owner for _, kr in self._catalog.key_results())
        with self._session_factory() as session:
            mine = [s for s in current_standings(session, self._catalog) if s.owner_user == user_id]
        if not mine:
            return []
        sections = objective_sections(mine, owner=False)
        blocks: list[JsonDict] = [section("*Your key results*")]
        # The Home tab cannot continue elsewhere: an objective too long for a section is cut, marked.
        blocks += [section(cut_to_fit(text, SECTION_TEXT)) for text in sections[:HOME_OBJECTIVES_MAX]]
        more = len(sections) - HOME_OBJECTIVES_MAX
        blocks.append(
            context_line(FOOTER if more <= 0 else f"{more} more objective(s) are not shown. {FOOTER}")
        )
        return blocks
