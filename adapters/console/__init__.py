"""The local console: talk to Moot in a terminal, or script a session through stdin."""
