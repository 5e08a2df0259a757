"""The metrics part of the GraphQL schema."""
