"""Telegram, through python-telegram-bot: commands, inline keyboards and direct messages."""
