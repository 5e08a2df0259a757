"""The policies part of the GraphQL schema."""
