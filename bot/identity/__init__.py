"""People and their platform accounts: recognising who spoke, `/link`, `/whoami`."""
