"""Errors that end a command with a clear, private answer to the person who sent it."""


class UserError(Exception):
    """Something the person can put right; the message is shown to them as it is."""


class UsageError(UserError):
    """The command was typed wrongly; the usage line is added to the message."""


class NotAllowedError(UserError):
    """The person may not do this here."""
