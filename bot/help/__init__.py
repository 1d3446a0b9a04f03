"""`/help`: what this person can do here, by role, derived from the command declarations."""
