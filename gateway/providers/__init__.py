"""The providers part of the GraphQL schema."""
