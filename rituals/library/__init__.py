"""The built-in rituals: YAML files and their templates, shipped as package data."""

from pathlib import Path

BUILTIN_LIBRARY = Path(__file__).resolve().parent
BUILTIN_TEMPLATES = BUILTIN_LIBRARY / "templates"
