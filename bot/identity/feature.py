"""The identity feature: /link and /whoami, and the expiry of link codes."""

from __future__ import annotations

from bot.commands import Command
from bot.feature import Feature
from bot.identity import jobs, linking
from bot.identity.commands import link, whoami
from bot.params import Param

FEATURE = Feature(
    name="identity",
    commands=(
        Command(
            "link",
            "Link your Discord and Telegram accounts so you are one member everywhere",
            link,
            params=(
                Param("code", "The code you got from /link on your other account", required=False),
            ),
        ),
        Command("whoami", "Show who Moot thinks you are, and your communities", whoami),
    ),
    jobs={linking.EXPIRE_JOB: jobs.expire_link_code},
)
