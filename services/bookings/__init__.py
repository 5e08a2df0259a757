"""Bookings service: service plans, the prevention-fee ledger, expert availability, bookings, visits,
service records, hazards and their rectification loop, the service archive."""
