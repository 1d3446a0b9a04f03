"""The identity feature's commands: /link and /whoami."""

from __future__ import annotations

from sqlmodel import Session, select

from bot import codes, roles
from bot.context import Context
from bot.errors import UserError
from bot.identity import linking
from storage.models import Account, Community, Membership, Person


async def link(ctx: Context) -> None:
    given = ctx.args.optional_text("code")
    if given is None:
        code = await ctx.runtime.write(lambda s: linking.issue_code(s, ctx.person_id, ctx.now))
        minutes = int(linking.CODE_LIFETIME.total_seconds() // 60)
        ctx.reply_privately(
            f"Your link code is {code}\nWithin {minutes} minutes, send me\n/link {code}\n"
            "from your other account (Discord or Telegram). It works once."
        )
        return
    code = codes.normalise(given)
    if not codes.looks_like(linking.LINK_CODE, code):
        raise UserError("Link codes look like LINK-ABCD-EFGH; check the code and try again.")
    merges = ctx.runtime.people.merges
    result = await ctx.runtime.write(
        lambda s: linking.redeem_code(s, code, ctx.person_id, ctx.now, merges)
    )
    ctx.reply_privately(
        "\n".join(
            [
                f"Linked. You are one member, {result.name}, on {', '.join(result.platforms)}.",
                *result.notes,
            ]
        )
    )


async def whoami(ctx: Context) -> None:
    person_id = ctx.person_id

    def profile(session: Session) -> str:
        person = session.get_one(Person, person_id)
        lines = [f"You are {person.name} (person {person_id})."]
        for account in session.exec(select(Account).where(Account.person_id == person_id)):
            lines.append(f"· {account.platform}: {account.display_name}")
        memberships = session.exec(
            select(Membership, Community)
            .join(Community, Community.id == Membership.community_id)  # type: ignore[arg-type]
            .where(Membership.person_id == person_id)
        ).all()
        for membership, community in memberships:
            marker = " (current)" if community.id == person.current_community_id else ""
            lines.append(
                f"{community.name}{marker}: #{membership.number}, {membership.role}, {membership.status}"
            )
        if not memberships:
            lines.append("You are not a member of any community yet: send /join in its group chat.")
        return "\n".join(lines)

    text = await ctx.runtime.read(profile)
    if ctx.role is not None and ctx.community_name:
        text += f"\nHere, in {ctx.community_name}, you are {roles.as_title(ctx.role)}."
    ctx.reply_privately(text)
