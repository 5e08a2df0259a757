"""Alembic environment of the gateway's accounts database."""

from gateway.accounts.models import Base
from services.kernel.migrations import run_env

run_env(Base.metadata)
