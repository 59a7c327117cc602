"""Eval runs as reproducible records: the prompt's text, the settings that change judgement and
the code version, kept with each run (a prompt file edited later cannot be diffed otherwise).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("eval_runs") as batch:
        batch.add_column(sa.Column("prompt_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("settings", sa.Text(), nullable=True))
        batch.add_column(sa.Column("code_version", sa.Text(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward; restore a backup to go back")
