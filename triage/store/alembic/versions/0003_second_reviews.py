"""Second reviews: a share of reviewers' decisions is reviewed again, blind, to measure agreement.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "second_reviews",
        sa.Column("report_id", sa.Text(), nullable=False),
        sa.Column("system_label", sa.Text(), nullable=True),
        sa.Column("first_actor", sa.Text(), nullable=True),
        sa.Column("first_label", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=True),
        sa.Column("second_actor", sa.Text(), nullable=True),
        sa.Column("second_label", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("report_id"),
    )
    op.create_index("idx_second_reviews_second_actor", "second_reviews", ["second_actor"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward; restore a backup to go back")
