"""Accounts of the gateway: people who log in, their role and organisation, and their tokens."""
