"""The pages, one module per user group (and the public pages)."""
