"""The enterprises part of the GraphQL schema."""
