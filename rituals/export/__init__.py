"""Compiled answers as files for leaders: CSV and JSON to work with, Markdown to read; the Export
CSV button that sends one to a person's DM."""
