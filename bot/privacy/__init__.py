"""A person's own data: a copy of everything Moot holds about them, and forgetting them."""
