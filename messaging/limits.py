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
#: characters with a buffer for block containers"). We keep a margin for what its accounting
#: adds around blocks.
MESSAGE_TEXT_BUDGET = 11_000
#: The top-level `text` is truncated above 40,000 characters; Slack recommends at most 4,000.
#: It is the notification fallback, so we keep it short.
FALLBACK_TEXT = 3_000

# --- Blocks ----------------------------------------------------------------------------------

#: A section block's `text` (slack_sdk `SectionBlock.text_max_length`).
SECTION_TEXT = 3_000
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

# --- Files -----------------------------------------------------------------------------------

#: A file's `alt_txt` for screen readers (files.getUploadURLExternal: `alt_txt_too_large`).
FILE_ALT_TEXT = 1_000

# --- Interactions ----------------------------------------------------------------------------

#: Seconds Slack waits for an acknowledgement, and for a `trigger_id` to be used.
ACK_SECONDS = 3
#: A request's signature is good for this many seconds (slack_sdk `SignatureVerifier`).
SIGNATURE_WINDOW_SECONDS = 300
