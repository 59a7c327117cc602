"""Media a citizen sent: one row per WhatsApp media id (fetched once, kept by sha256) and one
transcript per voice-note file.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("media_id", sa.Text(), primary_key=True),
        sa.Column("sha256", sa.Text(), nullable=True),
        sa.Column("mime_type", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),  # fetched | failed | refused
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("updated_at", sa.Text(), nullable=True),
    )
    op.create_index("idx_media_sha256", "media", ["sha256"])
    op.create_table(
        "transcripts",
        sa.Column("sha256", sa.Text(), primary_key=True),
        sa.Column("status", sa.Text(), nullable=False),  # done | failed
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("transcript", sa.Text(), nullable=True),  # the Transcript shape, JSON
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward; restore a backup to go back")
