"""Persistence: SQLAlchemy models, sessions, query functions (which never commit) and migrations."""
