"""Where a command's document goes: standard output, or a file written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import click

output_option = click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file instead of standard output.",
)


def write_document(text: str, output: Path | None) -> None:
    # Bytes, so no text layer rewrites a CSV's own \r\n line ends; atomic: a failed command
    # leaves no half-written file behind.
    with click.open_file(str(output) if output else "-", "wb", atomic=output is not None) as stream:
        stream.write(text.encode("utf-8"))
