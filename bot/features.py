"""The features Moot runs. A new feature is a package under `bot/` added to this list."""

from __future__ import annotations

from bot.community.commands import FEATURE as COMMUNITY
from bot.feature import Feature
from bot.help.commands import FEATURE as HELP
from bot.housekeeping.feature import FEATURE as HOUSEKEEPING
from bot.identity.commands import FEATURE as IDENTITY
from bot.meetings.commands import FEATURE as MEETINGS
from bot.outbox.commands import FEATURE as OUTBOX
from bot.polls.commands import FEATURE as POLLS
from bot.privacy.commands import FEATURE as PRIVACY
from bot.repairs.commands import FEATURE as REPAIRS

ALL_FEATURES: tuple[Feature, ...] = (
    HELP,
    IDENTITY,
    COMMUNITY,
    POLLS,
    MEETINGS,
    REPAIRS,
    OUTBOX,
    HOUSEKEEPING,
    PRIVACY,
)
