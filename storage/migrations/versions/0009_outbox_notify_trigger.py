"""PostgreSQL tells listening replicas of new deliveries itself, from a trigger

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

Before, every transaction that queued a delivery sent `SELECT pg_notify(...)` itself: one more
round trip on each answer submission. The trigger notifies once per statement that inserted
rows, inside the same transaction, so the NOTIFY is still delivered at commit and never for a
transaction rolled back. PostgreSQL folds identical notifications of one transaction into one.
SQLite has no NOTIFY; its replicas poll.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        # The channel is `messaging.outbox.NOTIFY_CHANNEL`, written out: a migration keeps saying
        # what it did when it ran. "Or replace": a database whose tables were dropped and made
        # again (by hand, or a benchmark's reset) still holds the function.
        """
        CREATE OR REPLACE FUNCTION ritualbot_deliveries_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM inserted) THEN
                PERFORM pg_notify('ritualbot_outbox', '');
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    # Per statement, with the rows it inserted: a run's prompts queued in one INSERT notify
    # once, and an INSERT whose keys were all queued before (ON CONFLICT DO NOTHING) not at all.
    op.execute(
        """
        CREATE TRIGGER deliveries_notify_replicas
        AFTER INSERT ON deliveries
        REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION ritualbot_deliveries_inserted()
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS deliveries_notify_replicas ON deliveries")
    op.execute("DROP FUNCTION IF EXISTS ritualbot_deliveries_inserted()")
