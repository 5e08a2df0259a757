"""Prevention ledgers and service plans per policy (served by the bookings service)."""
