"""Telegram, through python-telegram-bot: commands, inline keyboards and direct messages."""

import os

# Opt in to python-telegram-bot's coming behaviour: time periods (such as a 429's retry_after)
# as timedelta. Without it, PTB 22 warns each time it reads one, even inside its own errors.
os.environ.setdefault("PTB_TIMEDELTA", "true")
