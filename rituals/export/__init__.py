"""Compiled answers as files for leaders: CSV and JSON to work with, Markdown to read."""
