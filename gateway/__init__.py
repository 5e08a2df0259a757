"""The gateway: the GraphQL schema that joins the services, accounts and login, and the coverage metrics."""
