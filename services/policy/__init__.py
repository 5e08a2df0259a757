"""Policy service: the firm registry (the coverage denominator), insurers, products and pricing, quotes,
policies, payments, prevention budgets, claims and coverage aggregates."""
