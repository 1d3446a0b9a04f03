"""The `moot` program: settings, wiring the core to the adapters, and the command line."""
