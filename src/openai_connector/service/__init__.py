"""The REST service: connector registry, keys, operations catalogue, usage (FastAPI).

``create_app(settings)`` builds the application; ``openai-connector serve`` runs it with
uvicorn. Import this package only where the service is needed: it loads FastAPI and
SQLAlchemy.
"""

from __future__ import annotations

from .app import create_app
from .settings import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]
