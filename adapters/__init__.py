"""Adapters translate a platform's updates into Moot's neutral events and render its replies."""
