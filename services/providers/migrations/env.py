"""Alembic environment of the providers service."""

from services.kernel.migrations import run_env
from services.providers.models import Base

run_env(Base.metadata)
