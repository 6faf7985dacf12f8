"""0004: saved process instances of the embedded BPMN engine.

Revision ID: 0004_process_instances
Revises: 0003_connector_last_test
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_process_instances"
down_revision = "0003_connector_last_test"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "process_instances",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("process_id", sa.String(200), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("saved", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("migrations are append-only: restore a backup to go back")
