"""Fix: tenants report repairs privately, the repairs team triages, and the tenant hears back."""
