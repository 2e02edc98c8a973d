"""Everything the app factory wires for key results and metrics, built from one catalog."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from core.errors import UserFacingError
from core.types import JsonDict
from insights.catalog import Catalog
from insights.checkins import KeyResultCheckins
from insights.digest import KeyResultCharts, KeyResultsDigest, MetricsDigest
from insights.fetching import SourceFetcher
from insights.home import KeyResultsHome
from insights.owners import Directory, Owners
from insights.sources import RunSources
from insights.standing import current_standings
from insights.views import status_message
from messaging.mrkdwn import mrkdwn_escape
from storage.database import SessionFactory


@dataclass(frozen=True)
class DigestParts:
    """What the rituals' digests get: the template names and the charts under the posts."""

    contributions: tuple[KeyResultsDigest, MetricsDigest]
    files: tuple[KeyResultCharts, ...]


def digest_parts(catalog: Catalog) -> DigestParts:
    """Needed before the rituals are loaded: their templates are checked against these samples
    (`bot.configuration` keeps the one set the Publisher renders too)."""
    return DigestParts((KeyResultsDigest(catalog), MetricsDigest(catalog)), (KeyResultCharts(catalog),))


@dataclass(frozen=True)
class Insights:
    catalog: Catalog
    session_factory: SessionFactory
    owners: Owners
    sources: RunSources
    checkins: KeyResultCheckins
    home: KeyResultsHome

    def status(self, objective: str | None = None) -> tuple[str, list[JsonDict]]:
        """Every key result where it stands (or one objective's), as one Slack message."""
        scope = None
        if objective is not None:
            if self.catalog.objective(objective) is None:
                known = sorted(self.catalog.objective_ids)
                close = difflib.get_close_matches(objective, known, n=1)
                hint = f" Did you mean `{close[0]}`?" if close else ""
                listed = ", ".join(f"`{o}`" for o in known) or "none yet"
                raise UserFacingError(
                    f"No objective `{mrkdwn_escape(objective)}`.{hint} Objectives: {listed}."
                )
            scope = {objective}
        with self.session_factory() as session:
            standings = current_standings(session, self.catalog, scope)
        return status_message(standings, empty="No objectives are defined yet: see docs/okrs.md.")


def wire_insights(
    catalog: Catalog, session_factory: SessionFactory, directory: Directory | None, fetcher: SourceFetcher
) -> Insights:
    owners = Owners(directory)
    return Insights(
        catalog=catalog,
        session_factory=session_factory,
        owners=owners,
        sources=RunSources(session_factory, catalog, fetcher, owners),
        checkins=KeyResultCheckins(catalog),
        home=KeyResultsHome(session_factory, catalog, owners),
    )
