"""Anze web pages."""
