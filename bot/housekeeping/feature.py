"""The housekeeping feature: no commands, one daily job that tidies the store."""

from __future__ import annotations

from bot.feature import Feature
from bot.housekeeping.jobs import DAILY_JOB, daily, keep_tidy

FEATURE = Feature(
    name="housekeeping",
    commands=(),
    jobs={DAILY_JOB: daily},
    catch_up=keep_tidy,
)
