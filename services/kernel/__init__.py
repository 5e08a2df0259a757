"""Shared kernel: the mechanisms every part uses (settings, database, errors, auth, events, HTTP, paging,
health). It holds no domain rules."""
