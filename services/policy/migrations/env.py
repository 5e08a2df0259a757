"""Alembic environment of the policy service."""

from services.kernel.migrations import run_env
from services.policy.models import Base

run_env(Base.metadata)
