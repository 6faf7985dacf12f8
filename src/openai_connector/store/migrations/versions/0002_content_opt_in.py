"""0002: a connector may opt in to keeping (redacted) prompts and outputs in its usage rows.

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
    with op.batch_alter_table("connectors") as batch:
        batch.add_column(
            sa.Column("log_content", sa.Boolean, nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("usage") as batch:
        batch.add_column(sa.Column("content", sa.JSON, nullable=True))


def downgrade() -> None:
    raise NotImplementedError("migrations are append-only: restore a backup to go back")
