"""Alembic environment of the providers service."""

from services.providers.models import Base
from services.kernel.migrations import run_env

run_env(Base.metadata)
