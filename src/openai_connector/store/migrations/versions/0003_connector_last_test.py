"""0003: a connector keeps the outcome of its last connection test (the console lists it).

Revision ID: 0003_connector_last_test
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_connector_last_test"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connectors") as batch:
        batch.add_column(sa.Column("last_test_time", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_test", sa.JSON, nullable=True))


def downgrade() -> None:
    raise NotImplementedError("migrations are append-only: restore a backup to go back")
