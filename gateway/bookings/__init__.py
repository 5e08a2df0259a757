"""The bookings part of the GraphQL schema."""
