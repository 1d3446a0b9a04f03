"""Tests through the real Discord and Telegram adapters, against fakes of both platforms."""
