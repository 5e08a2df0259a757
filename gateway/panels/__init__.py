"""The insurer's panel of agencies (served by the providers service)."""
