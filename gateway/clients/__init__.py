"""Typed clients of the three services, bound per request to the caller's token."""
