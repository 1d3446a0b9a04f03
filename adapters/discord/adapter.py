"""The Discord adapter.

Every interaction is handled here, in `on_interaction`, from its raw data, whether it came down
the gateway or to the web server by HTTP (adapters/discord/endpoint.py): slash commands map to
Moot's declarations, buttons carry their command in their custom id and modals carry the form's
command, so all of them keep working after a restart without re-registering views. Moot answers
within Discord's 3-second window: if the core has not replied in `answer_within` seconds the
interaction is deferred and the replies follow up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import discord
import yarl

from adapters.discord import failures, render
from adapters.discord.declarations import global_commands, same_commands
from bot.core import Moot
from bot.events import (
    DISCORD,
    Actor,
    Attachment,
    ButtonPressed,
    CalendarEvent,
    CommandInvoked,
    DirectAddress,
    FormSubmitted,
    Inbound,
    Place,
    Reply,
    Visibility,
)
from bot.leases import gateway_role, hold_while
from bot.outlet import RefusedError

log = logging.getLogger(__name__)

ANSWER_WITHIN_SECONDS = 2.0
DISCORD_API = "https://discord.com/api/v10"
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # photos of a repair; the core limits each kind
# Interaction already acknowledged (a replay), unknown interaction (expired): nothing to repair.
QUIET_CODES = (40060, 10062)


class _Client(discord.Client):
    def __init__(self, adapter: DiscordAdapter) -> None:
        super().__init__(intents=discord.Intents(guilds=True), allowed_mentions=render.NO_MENTIONS)
        self._adapter = adapter

    async def on_ready(self) -> None:
        await self._adapter.sync_commands()
        for guild in self.guilds:
            await self._adapter.clear_guild_commands(guild.id)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self._adapter.on_interaction(interaction)


class DiscordAdapter:
    platform = DISCORD

    edit_interval = 1.0  # Discord allows about 5 edits per 5 seconds in a channel

    def __init__(
        self,
        token: str,
        *,
        answer_within: float = ANSWER_WITHIN_SECONDS,
        api_base: str | None = None,
    ) -> None:
        # DISCORD_API_BASE: discord.py keeps it for the whole process. A stand-in for Discord
        # (a test's fake, a proxy) has its gateway where its API says, not at Discord's.
        self._ask_for_gateway = api_base is not None and api_base != DISCORD_API
        if api_base is not None:
            discord.http.Route.BASE = api_base
        self._token = token
        self._answer_within = answer_within
        self._moot: Moot | None = None
        self.client: _Client | None = None
        self._servers: dict[str, str] = {}  # channel id -> its server's id (calendar_of)

    # --- life cycle -------------------------------------------------------------------------

    async def run(self, moot: Moot) -> None:
        """Log in over REST (enough to send and to answer interactions that come by HTTP:
        adapters/discord/endpoint.py), and keep the gateway connection while this process
        holds its role: Discord wants one session per bot, so with several processes on one
        database one of them connects."""
        await self.log_in(moot)
        try:
            await hold_while(moot.leases, gateway_role(DISCORD), self._gateway)
        finally:
            assert self.client is not None
            try:
                await moot.detach(DISCORD)
            finally:
                await self.client.close()

    async def _gateway(self) -> None:
        """Connect to the gateway until cancelled (the role lost, or Moot stopping)."""
        assert self.client is not None
        if self._ask_for_gateway:
            _, url, _ = await self.client.http.get_bot_gateway()
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        try:
            await self.client.connect(reconnect=True)
        finally:
            socket = self.client.ws
            if socket is not None and socket.open:
                await socket.close(code=1000)

    async def stop_receiving(self) -> None:
        """Nothing to stop: interactions that still arrive (by the gateway, or by HTTP until the
        web server stops) are answered that Moot is restarting, since Discord does not keep them
        for later."""

    async def log_in(self, moot: Moot) -> None:
        """Authenticate over REST and start sending for `moot` (the gateway comes after)."""
        self._moot = moot
        self.client = _Client(self)
        await self.client.login(self._token)
        moot.attach(self)

    async def sync_commands(self) -> None:
        """Publish the slash commands, derived from the declarations, once for every server and
        for direct messages; skipped when Discord already has exactly these."""
        assert self._moot is not None
        wanted = global_commands(self._moot.registry.all())
        published = await self._http().get_global_commands(self._application_id())
        if same_commands([dict(c) for c in published], wanted):
            return
        await self._http().bulk_upsert_global_commands(self._application_id(), wanted)

    async def clear_guild_commands(self, guild_id: int) -> None:
        """Remove per-server copies an earlier Moot published (they would show twice). A server
        that refuses does not stop the others: it is logged with what its admin can do."""
        try:
            if await self._http().get_guild_commands(self._application_id(), guild_id):
                await self._http().bulk_upsert_guild_commands(self._application_id(), guild_id, [])
        except discord.HTTPException as error:
            log.warning(
                "could not tidy Moot's old commands in Discord server %s (%s); a server admin "
                "can re-invite Moot with the applications.commands scope",
                guild_id,
                error,
            )

    def _http(self) -> discord.http.HTTPClient:
        assert self.client is not None
        return self.client.http

    def _application_id(self) -> int:
        assert self.client is not None
        application_id = self.client.application_id
        assert application_id is not None, "known after login"
        return application_id

    # --- inbound ----------------------------------------------------------------------------

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        try:
            event = await self._event(interaction)
            if event is not None:
                await self._respond(interaction, event)
        except discord.HTTPException as error:
            if error.code in QUIET_CODES:  # answered already (a replay), or expired meanwhile
                log.info("Discord interaction %s: %s", interaction.id, error.text)
            else:
                log.exception("Discord interaction %s failed", interaction.id)
        except Exception:
            log.exception("Discord interaction %s failed", interaction.id)

    async def _event(self, interaction: discord.Interaction) -> Inbound | None:
        """The neutral event for an interaction; None if Moot has nothing to do (or sent a modal)."""
        data: dict[str, Any] = dict(interaction.data or {})
        who, where, update_id = _actor(interaction), _place(interaction), str(interaction.id)
        if interaction.type is discord.InteractionType.application_command:
            return await self._command(interaction, data, who, where, update_id)
        custom_id = str(data.get("custom_id", ""))
        if interaction.type is discord.InteractionType.component and custom_id.startswith(
            render.BUTTON_PREFIX
        ):
            return ButtonPressed(
                who,
                where,
                custom_id.removeprefix(render.BUTTON_PREFIX),
                update_id,
                message_id=_message_id(interaction),
            )
        if interaction.type is discord.InteractionType.component and custom_id.startswith(
            render.MENU_PREFIX
        ):
            chosen = [str(value) for value in data.get("values", [])]
            if not chosen:
                return None
            return ButtonPressed(
                who, where, chosen[0], update_id, message_id=_message_id(interaction)
            )
        if interaction.type is discord.InteractionType.modal_submit and custom_id.startswith(
            render.FORM_PREFIX
        ):
            values = {
                str(item["custom_id"]): str(item.get("value") or "")
                for row in data.get("components", [])
                for item in row.get("components", [])
            }
            return FormSubmitted(
                who, where, custom_id.removeprefix(render.FORM_PREFIX), values, update_id
            )
        return None

    async def _command(
        self,
        interaction: discord.Interaction,
        data: dict[str, Any],
        who: Actor,
        where: Place,
        update_id: str,
    ) -> Inbound | None:
        assert self._moot is not None
        name = str(data.get("name", ""))
        options: dict[str, str | int | Attachment] = {}
        for option in data.get("options", []):
            if option.get("type") == 11:  # an attachment: its details are in "resolved"
                resolved = data.get("resolved", {}).get("attachments", {}).get(str(option["value"]))
                if resolved is None:
                    continue
                file = discord.Attachment(data=resolved, state=interaction._state)
                if file.size > MAX_ATTACHMENT_BYTES:
                    await self._answer(
                        interaction,
                        "That file is too large; the limit is "
                        f"{MAX_ATTACHMENT_BYTES // 1024 // 1024} MB.",
                        True,
                    )
                    return None
                if not interaction.response.is_done():  # a download can outlast the 3 seconds
                    await interaction.response.defer(ephemeral=True, thinking=True)
                options[option["name"]] = Attachment(
                    file.filename, await file.read(), file.content_type
                )
            else:
                options[option["name"]] = option["value"]
        # A guided command missing its arguments comes back from the core as a form, once the
        # core has checked that this person may use it at all.
        return CommandInvoked(who, where, name, options=options, update_id=update_id)

    # --- answering --------------------------------------------------------------------------

    async def _respond(self, interaction: discord.Interaction, event: Inbound) -> None:
        assert self._moot is not None
        handling = asyncio.ensure_future(self._moot.handle(event))
        deferred = interaction.response.is_done()  # deferred already, before a download
        try:
            replies = await asyncio.wait_for(asyncio.shield(handling), self._answer_within)
        except TimeoutError:
            if not deferred:
                await interaction.response.defer(ephemeral=True, thinking=True)
            deferred = True
            replies = await handling
        answered_privately = False
        for reply in replies:
            if reply.form is not None and not interaction.response.is_done():
                dialog = render.modal(reply.form)
                await interaction.response.send_modal(dialog)
                dialog.stop()
            elif reply.replaces_pressed and _own_private_message(interaction):
                await self._replace_pressed(interaction, reply)
                answered_privately = not deferred
            elif reply.visibility is Visibility.DIRECT:
                if not await self._try_direct(event.actor.user_id, reply):
                    await self._answer(
                        interaction,
                        "I couldn't send you a direct message; check your privacy settings.",
                        True,
                    )
                    answered_privately = True
            elif (
                reply.visibility is Visibility.CHAT and deferred and interaction.channel is not None
            ):
                # After an ephemeral defer, public replies go to the channel as ordinary messages.
                await self._post(interaction.channel, reply)  # type: ignore[arg-type]
            else:
                await self._answer_reply(interaction, reply)
                answered_privately = answered_privately or reply.visibility is not Visibility.CHAT
        if deferred and not answered_privately:
            await interaction.edit_original_response(content="Done.")

    async def _replace_pressed(self, interaction: discord.Interaction, reply: Reply) -> None:
        """Show `reply` in place of the private message whose button or menu was pressed."""
        assert interaction.message is not None
        view = render.view(reply)
        kwargs: dict[str, Any] = {
            "content": render.one_message(reply.text),
            "view": view,
            "allowed_mentions": render.NO_MENTIONS,
        }
        if interaction.response.is_done():  # deferred while the core worked
            await interaction.followup.edit_message(interaction.message.id, **kwargs)
        else:
            await interaction.response.edit_message(**kwargs)
        if view is not None:
            view.stop()

    async def _answer_reply(self, interaction: discord.Interaction, reply: Reply) -> None:
        pieces = render.content(reply.text)
        for number, piece in enumerate(pieces, start=1):
            last = number == len(pieces)
            await self._answer(
                interaction,
                piece,
                reply.visibility is not Visibility.CHAT,
                view=render.view(reply) if last else None,
                file=render.attachment(reply.file) if last else None,
                escaped=True,
            )

    async def _answer(
        self,
        interaction: discord.Interaction,
        text: str,
        ephemeral: bool,
        *,
        view: discord.ui.View | None = None,
        file: discord.File | None = None,
        escaped: bool = False,
    ) -> None:
        kwargs: dict[str, Any] = {
            "content": text if escaped else discord.utils.escape_markdown(text),
            "ephemeral": ephemeral,
            "allowed_mentions": render.NO_MENTIONS,
        }
        if view is not None:
            kwargs["view"] = view
        if file is not None:
            kwargs["file"] = file
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs)
        else:
            await interaction.response.send_message(**kwargs)
        if view is not None:
            view.stop()  # presses are handled in on_interaction; keep no view objects around

    # --- outbound (the core's outlet) -------------------------------------------------------

    async def _post(
        self,
        channel: discord.abc.Messageable,
        reply: Reply,
        key: str | None = None,
        *,
        skip: int = 0,
    ) -> str:
        """Post `reply` (after its first `skip` pieces); the id of the message that carries its
        buttons. With a `key`, each piece carries a nonce Discord enforces, so a send retried
        after a crash is not doubled."""
        sent = ""
        pieces = render.content(reply.text)
        for number, piece in enumerate(pieces, start=1):
            if number <= skip:
                continue
            kwargs: dict[str, Any] = {"content": piece, "allowed_mentions": render.NO_MENTIONS}
            view = render.view(reply) if number == len(pieces) else None
            file = render.attachment(reply.file) if number == len(pieces) else None
            if view is not None:
                kwargs["view"] = view
            if file is not None:
                kwargs["file"] = file
            if key is not None:
                kwargs["nonce"] = f"{key}.{number}"[:25]
            message = await channel.send(**kwargs)
            sent = str(message.id)
            if view is not None:
                view.stop()
        return sent

    async def _channel(self, channel_id: str) -> discord.abc.Messageable | discord.ForumChannel:
        """Any channel residents can type in (text, announcement, voice and stage chat, threads,
        forum posts), or a forum, which takes new posts rather than messages."""
        assert self.client is not None
        channel = self.client.get_channel(int(channel_id)) or await self.client.fetch_channel(
            int(channel_id)
        )
        if not isinstance(channel, discord.abc.Messageable | discord.ForumChannel):
            raise RefusedError(f"Moot cannot post in a {getattr(channel, 'type', '')} channel")
        return channel

    async def _new_forum_post(self, forum: discord.ForumChannel, reply: Reply) -> str:
        """A forum takes a message only as a new post, titled by its first line. The post's first
        message has the post's own id, which is how edits find it again."""
        pieces = render.content(reply.text)
        kwargs: dict[str, Any] = {"allowed_mentions": render.NO_MENTIONS}
        view = render.view(reply) if len(pieces) == 1 else None
        file = render.attachment(reply.file) if len(pieces) == 1 else None
        if view is not None:
            kwargs["view"] = view
        if file is not None:
            kwargs["file"] = file
        created = await forum.create_thread(
            name=render.title(reply.text), content=pieces[0], **kwargs
        )
        if view is not None:
            view.stop()
        if len(pieces) == 1:
            return str(created.message.id)
        return await self._post(created.thread, reply, skip=1)

    # --- the core's outlet: errors become the outbox's neutral failures ------------------------

    async def send_to_chat(
        self, chat_id: str, reply: Reply, *, thread_id: str | None, key: str
    ) -> str:
        with _translated():
            channel = await self._channel(thread_id or chat_id)
            if isinstance(channel, discord.ForumChannel):
                return await self._new_forum_post(channel, reply)
            return await self._post(channel, reply, key)

    async def edit_message(
        self, chat_id: str, message_id: str, reply: Reply, *, thread_id: str | None
    ) -> None:
        """Edit where the message lives: its thread, or for a forum, the post it started."""
        assert self.client is not None
        with _translated():
            channel_id = thread_id or chat_id
            if isinstance(await self._channel(channel_id), discord.ForumChannel):
                channel_id = message_id
            channel = self.client.get_partial_messageable(int(channel_id))
            view = render.view(reply)
            await channel.get_partial_message(int(message_id)).edit(
                content=render.one_message(reply.text),
                view=view,
                allowed_mentions=render.NO_MENTIONS,
            )
            if view is not None:
                view.stop()

    async def sync_event(self, chat_id: str, event: CalendarEvent, event_id: str | None) -> str:
        """A meeting as a scheduled event of the server the chat belongs to (external, with its
        place as the location); a cancelled meeting's event is cancelled."""
        assert self.client is not None
        try:
            return await self._sync_event(chat_id, event, event_id)
        except RefusedError as refusal:
            if isinstance(refusal.__cause__, discord.Forbidden):
                raise RefusedError("Moot may not manage events in that server") from refusal
            raise

    async def calendar_of(self, chat_id: str) -> str:
        """The server a channel belongs to (asked once per channel: a channel never moves)."""
        assert self.client is not None
        found = self._servers.get(chat_id)
        if found is None:
            with _translated():
                channel = await self.client.http.get_channel(int(chat_id))
            if channel.get("guild_id") is None:
                raise RefusedError("a direct message has no server events")
            found = self._servers[chat_id] = str(channel.get("guild_id"))
        return found

    async def _sync_event(self, chat_id: str, event: CalendarEvent, event_id: str | None) -> str:
        assert self.client is not None
        http = self.client.http
        guild_id = int(await self.calendar_of(chat_id))
        with _translated():
            if event_id is not None and event.cancelled:
                await http.edit_scheduled_event(guild_id, int(event_id), status=4)  # CANCELED
                return event_id
            payload: dict[str, Any] = {
                "name": event.title[:100],
                "scheduled_start_time": event.starts_at.isoformat(),
                "scheduled_end_time": event.ends_at.isoformat(),
                "description": event.description[:1000],
                "entity_metadata": {"location": event.location[:100]},
            }
            if event_id is not None:
                await http.edit_scheduled_event(guild_id, int(event_id), **payload)
                return event_id
            created = await http.create_guild_scheduled_event(
                guild_id,
                privacy_level=2,
                entity_type=3,
                **payload,  # GUILD_ONLY, EXTERNAL
            )
            return str(created["id"])

    async def send_direct(self, address: DirectAddress, reply: Reply, *, key: str) -> str:
        with _translated():
            return await self._post(await self._user(address.user_id), reply, key)

    async def _user(self, user_id: str) -> discord.User:
        assert self.client is not None
        return self.client.get_user(int(user_id)) or await self.client.fetch_user(int(user_id))

    async def _try_direct(self, user_id: str, reply: Reply) -> bool:
        """A private answer to the actor; False when Discord will not deliver it."""
        try:
            await self._post(await self._user(user_id), reply)
        except (discord.Forbidden, discord.NotFound):
            return False
        return True


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except Exception as error:
        failure = failures.translate(error)
        if failure is None:
            raise
        raise failure from error


def _message_id(interaction: discord.Interaction) -> str | None:
    return str(interaction.message.id) if interaction.message is not None else None


def _own_private_message(interaction: discord.Interaction) -> bool:
    """Whether the press came from a message only the presser sees (ephemeral, or in a DM)."""
    message = interaction.message
    return message is not None and (message.flags.ephemeral or interaction.guild_id is None)


def _actor(interaction: discord.Interaction) -> Actor:
    user = interaction.user
    permissions = interaction.permissions
    is_admin = interaction.guild_id is not None and (
        permissions.administrator or permissions.manage_guild
    )
    return Actor(DISCORD, str(user.id), user.display_name, is_admin)


def _place(interaction: discord.Interaction) -> Place:
    channel = interaction.channel
    title = getattr(channel, "name", None) or "Discord channel"
    if isinstance(channel, discord.Thread) and channel.parent_id is not None:
        return Place(
            DISCORD, str(channel.parent_id), title, is_private=False, thread_id=str(channel.id)
        )
    return Place(
        DISCORD, str(interaction.channel_id), title, is_private=interaction.guild_id is None
    )
