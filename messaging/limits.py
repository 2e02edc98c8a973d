"""Slack's limits, in one place, each with where it comes from.

Every module that lays out a message, a modal or the Home tab takes its numbers from here, so
a limit that Slack changes is changed once. Where Slack's own number is undocumented or counts
characters differently from us, the budget we keep is below it and says why.

Sources: Slack's Block Kit reference (docs.slack.dev/reference/block-kit), the modal and view
reference (docs.slack.dev/reference/views), slack_sdk's model validators (`*_max_length`), and
bolt-js issues #2509 and #2867 for the undocumented per-message text budget.
"""

from __future__ import annotations

# --- Messages (chat.postMessage, chat.update) --------------------------------------------------

#: Blocks in one message (Block Kit reference, "blocks").
MESSAGE_BLOCKS = 50
#: Slack answers `msg_blocks_too_long` at about 12,000 characters of block text in a message
#: even when each block is within its own limit (bolt-js #2509, maintainer: "12,000 text
#: characters with a buffer for block containers").
MESSAGE_BLOCK_TEXT = 12_000
#: What we lay out per message: a margin below MESSAGE_BLOCK_TEXT for what Slack's accounting
#: adds around blocks.
MESSAGE_TEXT_BUDGET = 11_000
#: The top-level `text` is truncated above 40,000 characters (chat.postMessage reference,
#: `message_truncated`).
MESSAGE_TEXT = 40_000
#: Slack recommends at most 4,000 characters of top-level `text`. It is the notification
#: fallback, so we keep it shorter still.
FALLBACK_TEXT = 3_000

# --- Blocks ----------------------------------------------------------------------------------

#: A section block's `text` (slack_sdk `SectionBlock.text_max_length`).
SECTION_TEXT = 3_000
#: A section's `fields`: how many, and the text of each (slack_sdk `SectionBlock`).
SECTION_FIELDS = 10
SECTION_FIELD_TEXT = 2_000
#: A context block's mrkdwn element is a text object like a section's.
CONTEXT_TEXT = 3_000
#: A header block's plain text (slack_sdk `HeaderBlock.text_max_length`).
HEADER_TEXT = 150
#: A context block's elements (slack_sdk `ContextBlock.elements_max_length`).
CONTEXT_ELEMENTS = 10
#: An actions block's elements (slack_sdk `ActionsBlock.elements_max_length`).
ACTIONS_ELEMENTS = 25
#: A button's text and value (slack_sdk `ButtonElement`).
BUTTON_TEXT = 75
BUTTON_VALUE = 2_000

# --- Inputs and menus ------------------------------------------------------------------------

#: An input block's label and hint (slack_sdk `InputBlock.label_max_length`).
INPUT_LABEL = 2_000
#: A placeholder (slack_sdk `*.placeholder_max_length`).
PLACEHOLDER = 150
#: `plain_text_input` `max_length` (plain-text input element reference: 1..3,000).
TEXT_INPUT = 3_000
#: Options in a static select, and the length of an option's text and value
#: (slack_sdk `StaticSelectElement.options_max_length`, `Option`).
SELECT_OPTIONS = 100
OPTION_TEXT = 75
OPTION_VALUE = 150
#: Options in checkboxes and radio buttons (Block Kit reference).
CHOICE_OPTIONS = 10

# --- Views (modals and the Home tab) ---------------------------------------------------------

#: Blocks in a modal or the Home tab (slack_sdk `View.blocks_max_length`).
VIEW_BLOCKS = 100
#: A modal's `title`, `submit` and `close` (modal view reference).
MODAL_TITLE = 24
#: A view's `private_metadata` (modal view reference).
PRIVATE_METADATA = 3_000
#: Views on a modal's stack: the root and two pushed (modals reference, `push_limit_reached`).
MODAL_STACK = 3
#: A view's JSON above this many bytes is refused as `view_too_large` (views.open reference).
VIEW_BYTES = 250_000
#: A block's `block_id` and an element's `action_id` (slack_sdk `Block.block_id_max_length`).
BLOCK_ID = 255
ACTION_ID = 255

# --- Rate limits (per method, per workspace, shared by every replica) -------------------------

#: Calls per minute Slack promises at least, by tier (rate limits reference; java-slack-sdk's
#: per-method table): users.list and usergroups.users.list are Tier 2, chat.update and
#: conversations.open Tier 3, views.* and users.info Tier 4.
TIER_2_PER_MINUTE = 20
TIER_3_PER_MINUTE = 50
TIER_4_PER_MINUTE = 100
#: chat.postMessage: about one message a second per channel, short bursts allowed.
POSTS_PER_CHANNEL_PER_MINUTE = 60

# --- Files -----------------------------------------------------------------------------------

#: A file's `alt_txt` for screen readers (files.getUploadURLExternal: `alt_txt_too_large`).
FILE_ALT_TEXT = 1_000

# --- Interactions ----------------------------------------------------------------------------

#: Seconds Slack waits for an acknowledgement, and for a `trigger_id` to be used.
ACK_SECONDS = 3
#: A request's signature is good for this many seconds (slack_sdk `SignatureVerifier`).
SIGNATURE_WINDOW_SECONDS = 300
