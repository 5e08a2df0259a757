"""Anze gateway."""
