"""/web's rule: any member asks for their sign-in and calendar links; only admins choose what
the community shows (`/web public|members|off`)."""

from __future__ import annotations

from bot import roles
from bot.access import MEMBERS, Asker
from bot.params import Args
from storage.models import Role


def _choosing_is_for_admins(asker: Asker, found: None, args: Args) -> str | None:
    if args.optional_text("access") is None or roles.allows(asker.role, Role.ADMIN):
        return None
    return (
        f"Only admins of {asker.community_name} choose what it shows on the web; "
        "/web on its own gives you your sign-in and calendar links."
    )


LINKS_OR_SETTING = MEMBERS.checking(_choosing_is_for_admins)
