"""The features Moot runs. A new feature is a package under `bot/` added to this list."""

from __future__ import annotations

from bot.community.feature import FEATURE as COMMUNITY
from bot.feature import Feature
from bot.help.feature import FEATURE as HELP
from bot.housekeeping.feature import FEATURE as HOUSEKEEPING
from bot.identity.feature import FEATURE as IDENTITY
from bot.meetings.feature import FEATURE as MEETINGS
from bot.outbox.feature import FEATURE as OUTBOX
from bot.polls.feature import FEATURE as POLLS
from bot.privacy.feature import FEATURE as PRIVACY
from bot.repairs.feature import FEATURE as REPAIRS
from bot.web.feature import FEATURE as WEB

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
    WEB,
)
