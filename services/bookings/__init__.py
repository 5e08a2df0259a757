"""Bookings service: Service plans, the prevention-fee ledger, expert availability, bookings, visits and service records, hazards and their rectification loop, the service archive."""
