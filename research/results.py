"""A page of search results in Slack: ranked hits with their snippets, and Previous / Next.

A page shows up to ten hits, and fewer when their text would pass what one message may carry
(Slack refuses a message of more than about 12,000 characters of block text); Next then starts
where the page stopped, so nothing is cut off or skipped.
"""

from __future__ import annotations

import json
import re
from typing import Any

from core.types import JsonDict
from messaging.layout import context, section, sections
from messaging.limits import BUTTON_VALUE, MESSAGE_BLOCKS, MESSAGE_TEXT_BUDGET
from messaging.mrkdwn import link, mrkdwn_escape
from research.search import HIGHLIGHT_END, HIGHLIGHT_START, Hit, SearchPage
from research.views import person

# Previous and Next share a listener; their action ids differ, as Slack wants in one block.
SEARCH_PAGE_ACTION = "research_search_page"
SEARCH_PAGE_ACTIONS = re.compile(rf"^{SEARCH_PAGE_ACTION}_(previous|next)$")
# A search query rides in its pager buttons; longer queries are cut to fit a button's value.
QUERY_IN_BUTTON = BUTTON_VALUE - 100
# The summary line and the buttons under the hits.
_FRAME_TEXT = 600


def highlighted(snippet: str) -> str:
    """A search snippet as mrkdwn: the text escaped, the matched words in bold."""
    flat = " ".join(snippet.split())
    return mrkdwn_escape(flat).replace(HIGHLIGHT_START, "*").replace(HIGHLIGHT_END, "*")


def _hit(hit: Hit) -> list[JsonDict]:
    notes = f" · {link(hit.link, 'notes')}" if hit.link else ""
    tags = f" · {' '.join('#' + mrkdwn_escape(tag) for tag in hit.tags)}" if hit.tags else ""
    head = (
        f"*{mrkdwn_escape(hit.topic) or '(no topic)'}* — {mrkdwn_escape(hit.account)} · {hit.touched_on} · "
        f"{hit.kind.value} · {person(hit.by)}{notes}{tags}"
    )
    snippet = highlighted(hit.snippet)
    return sections(f"{head}\n>{snippet}" if snippet else head)


def pager_value(query: str, offset: int) -> str:
    return json.dumps({"q": query[:QUERY_IN_BUTTON], "o": offset})


def parse_pager_value(value: str) -> tuple[str, int]:
    data: dict[str, Any] = json.loads(value)
    return str(data["q"]), max(0, int(data["o"]))


def search_reply(query: str, page: SearchPage) -> tuple[str, list[JsonDict]]:
    """One page of results, best first, with Previous and Next when there are more."""
    shown = mrkdwn_escape(query)
    if not page.hits:
        text = f"No research notes match `{shown}`." if page.offset == 0 else "No more results."
        return text, [section(text)]
    shown_hits = _fitting([_hit(hit) for hit in page.hits])
    last = page.offset + len(shown_hits)
    summary = f"Results {page.offset + 1} to {last} of {page.total} for `{shown}`, best match first"
    blocks = [context(summary), *(block for hit in shown_hits for block in hit)]
    buttons = []
    if page.offset > 0:
        buttons.append(_page_button("previous", "◀ Previous", query, max(0, page.offset - page.limit)))
    if last < page.total:
        buttons.append(_page_button("next", "Next ▶", query, last))
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return summary.replace("`", ""), blocks


def _fitting(hits: list[list[JsonDict]]) -> list[list[JsonDict]]:
    """The leading hits whose blocks fit one message beside the summary and the buttons."""
    kept: list[list[JsonDict]] = []
    blocks, characters = 2, _FRAME_TEXT
    for hit in hits:
        size = sum(len(block["text"]["text"]) for block in hit)
        if kept and (blocks + len(hit) > MESSAGE_BLOCKS or characters + size > MESSAGE_TEXT_BUDGET):
            break
        kept.append(hit)
        blocks, characters = blocks + len(hit), characters + size
    return kept


def _page_button(direction: str, label: str, query: str, offset: int) -> JsonDict:
    return {
        "type": "button",
        "action_id": f"{SEARCH_PAGE_ACTION}_{direction}",
        "text": {"type": "plain_text", "text": label},
        "value": pager_value(query, offset),
    }
