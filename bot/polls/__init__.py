"""Decide: quick polls through to secret ballots, ranked choice and participatory budgets."""
