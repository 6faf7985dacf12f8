"""0005: state that instances on one database share: per-key rate windows, and the
fingerprint of the key the database's secrets are sealed with (never the key).

Revision ID: 0005_shared_state
Revises: 0004_process_instances
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_shared_state"
down_revision = "0004_process_instances"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_windows",
        sa.Column("key_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("window_start", sa.Float, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "store_facts",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("migrations are append-only: restore a backup to go back")
