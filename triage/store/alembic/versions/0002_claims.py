"""Claims: a reviewer takes a report (or an admin assigns it), so two people do not review it at once.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("report_id", sa.Text(), nullable=False),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column("assigned_by", sa.Text(), nullable=True),
        sa.Column("claimed_at", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("report_id"),
    )
    op.create_index("idx_claims_username", "claims", ["username"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward; restore a backup to go back")
