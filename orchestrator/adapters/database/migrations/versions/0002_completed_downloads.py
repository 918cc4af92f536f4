"""Count completed downloads (per person) instead of minted links.

Revision ID: 0002_completed_downloads
Revises: 0001_airlock
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from orchestrator.adapters.database.tables import UTCDateTime

revision = "0002_completed_downloads"
down_revision = "0001_airlock"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows counted minted presigned links, which are no longer issued: a link is not a
    # download, so they do not carry over.
    op.execute("DELETE FROM airlock_downloads")
    with op.batch_alter_table("airlock_downloads") as batch:
        batch.drop_column("expires_at")
        batch.alter_column(
            "minted_at", new_column_name="completed_at", existing_type=sa.DateTime(timezone=True)
        )
    op.create_index(
        "ix_airlock_downloads_file_actor", "airlock_downloads", ["request_id", "name", "actor"]
    )


def downgrade() -> None:
    op.drop_index("ix_airlock_downloads_file_actor", table_name="airlock_downloads")
    with op.batch_alter_table("airlock_downloads") as batch:
        batch.alter_column(
            "completed_at", new_column_name="minted_at", existing_type=sa.DateTime(timezone=True)
        )
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))
