"""Alembic migrations of the service's database: numbered, append-only."""
