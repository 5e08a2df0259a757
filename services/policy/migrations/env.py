"""Alembic environment of the policy service."""

from services.policy.models import Base
from services.kernel.migrations import run_env

run_env(Base.metadata)
