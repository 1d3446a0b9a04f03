"""Discord, through discord.py: slash commands, buttons, modals, ephemeral replies and DMs."""
