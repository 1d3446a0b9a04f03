"""The community feature: /setup, /join, /members, /approve, /reject, /remove, /role,
/joinpolicy, /timezone, /import and /claimcodes, and keeping one membership per community when
two people become one."""

from __future__ import annotations

from bot.access import ADMINS, ORGANISERS
from bot.commands import Command, Where
from bot.community import privacy
from bot.community.commands import (
    approve,
    claim_codes,
    import_members,
    join,
    joinpolicy,
    members,
    reject,
    remove,
    role,
    setup,
    timezone,
)
from bot.feature import Feature
from bot.params import Param, ParamKind
from storage.models import NAME_MAX, JoinPolicy, Role

MEMBER_PARAM = Param("member", "The member's number, as shown by /members", ParamKind.REF)


FEATURE = Feature(
    name="community",
    commands=(
        Command(
            "setup",
            "Link this chat to a new community, or to an existing one with its code",
            setup,
            params=(
                Param(
                    "community",
                    "A name for a new community, or the code of an existing one (CHAT-…)",
                    ParamKind.TEXT,
                    max_length=NAME_MAX,
                    label="A new community's name, or a CHAT- code",
                ),
            ),
            where=Where.GROUP,
            guided=True,
            form_title="Set up this chat for a community",
            chat_admins_only=True,
        ),
        Command(
            "join",
            "Ask to become a member, or claim your place with a joining code",
            join,
            params=(Param("code", "The joining code an organiser gave you", required=False),),
        ),
        Command(
            "members",
            "List the register and requests to join",
            members,
            rule=ORGANISERS,
        ),
        Command(
            "approve",
            "Approve a request to join",
            approve,
            params=(MEMBER_PARAM,),
            scope="member",
            rule=ORGANISERS,
        ),
        Command(
            "reject",
            "Reject a request to join",
            reject,
            params=(MEMBER_PARAM,),
            scope="member",
            rule=ORGANISERS,
        ),
        Command(
            "remove",
            "Take someone off the register",
            remove,
            params=(MEMBER_PARAM,),
            scope="member",
            rule=ORGANISERS,
        ),
        Command(
            "role",
            "Give a member a role",
            role,
            params=(
                MEMBER_PARAM,
                Param("role", "The new role", ParamKind.CHOICE, choices=tuple(Role)),
            ),
            rule=ADMINS,
            scope="member",
        ),
        Command(
            "joinpolicy",
            "Choose whether organisers approve new members",
            joinpolicy,
            params=(
                Param("policy", "approval or open", ParamKind.CHOICE, choices=tuple(JoinPolicy)),
            ),
            rule=ADMINS,
        ),
        Command(
            "timezone",
            "Set the community's time zone",
            timezone,
            params=(Param("zone", "A time zone name such as Europe/London"),),
            rule=ADMINS,
        ),
        Command(
            "import",
            "Import members from a CSV file (columns: name, role, unit)",
            import_members,
            params=(Param("file", "The CSV file", ParamKind.ATTACHMENT),),
            rule=ORGANISERS,
        ),
        Command(
            "claimcodes",
            "The joining codes of imported members who have not claimed their place",
            claim_codes,
            rule=ORGANISERS,
        ),
    ),
    merge_people=privacy.merge_memberships,
)
