"""`python -m bot` is the `ritualbot` command."""

from bot.cli import main

main(prog_name="ritualbot")
