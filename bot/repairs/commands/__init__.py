"""Fix's command handlers, a module per sub-feature: tenants, team, settings, records."""
