"""Untrusted text written into files people open elsewhere: spreadsheets and Markdown readers.

A CSV cell that starts like a formula (``=HYPERLINK(…)``, ``@SUM(…)``) is run by spreadsheets,
so it gets a leading apostrophe. In Markdown, characters that would become markup are
backslash-escaped: inline markup (``*`` ``_`` `````` ``[`` ``]`` ``<`` ``>`` ``~`` ``&``
``\\``) everywhere, and block markers (``#``, ``-``, ``+``, ``=``, ``1.``) only at the start of
a line, where they would make a heading, a list or a rule. Nothing else is touched, so the text
stays readable as plain text too.
"""

from __future__ import annotations

import re

# Spreadsheets evaluate a cell starting with these as a formula (tab and CR as well: some
# programs strip them and look again).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_INLINE = re.compile(r"([\\`*_\[\]<>~&])")
_BLOCK_START = re.compile(r"^([ \t]*)([#+=-]|\d+[.)])", re.MULTILINE)


def csv_safe(text: str) -> str:
    """Neutralise a would-be formula (``=HYPERLINK(…)``, ``@SUM(…)``) with a leading apostrophe."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def md_escape(text: str) -> str:
    """Escape what would turn `text` into markup, and nothing more."""
    escaped = _INLINE.sub(r"\\\1", text)

    def block(match: re.Match[str]) -> str:
        lead, marker = match[1], match[2]
        return f"{lead}{marker[:-1]}\\{marker[-1]}" if marker[0].isdigit() else f"{lead}\\{marker}"

    return _BLOCK_START.sub(block, escaped)
