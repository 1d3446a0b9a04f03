"""The Telegram adapter. Long polling by default, a webhook when TELEGRAM_WEBHOOK_URL is set, and
any Bot API server through TELEGRAM_BASE_URL (a self-hosted one, or the tests' fake)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import httpx
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    Chat,
    Document,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    PhotoSize,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from adapters.telegram import failures, translate
from adapters.telegram.render import chunks, keyboard
from adapters.telegram.webhook import WebhookServer
from bot import forms, held, webhooks
from bot.core import Moot
from bot.events import (
    TELEGRAM,
    Actor,
    Attachment,
    ButtonPressed,
    CommandInvoked,
    DirectAddress,
    Form,
    FormSubmitted,
    Inbound,
    Place,
    Reply,
    Visibility,
    render_moments,
)
from bot.leases import gateway_role, hold_while
from bot.outlet import DeliveryError

if TYPE_CHECKING:
    from moot.settings import Settings

log = logging.getLogger(__name__)

ADMIN_CACHE_SECONDS = 600.0  # member updates keep it current meanwhile, where Telegram sends them
ADMIN_RETRY_SECONDS = 30.0  # after Telegram would not say
ADMIN_STATUSES = ("creator", "administrator")
UPDATES = ["message", "callback_query", "chat_member", "my_chat_member"]
TOAST_LIMIT = 200  # what answerCallbackQuery shows
START_PAYLOAD = "answers"
GONE = ("left", "kicked")
INTRODUCTION = (
    "Hello! I'm Moot: polls and ballots, meetings and repairs for your community, here in this "
    "group. An admin can make this group a community's home with /setup <name>, or join it to "
    "an existing community with /setup <CHAT-code>. Send /help to see more."
)
WELCOME = (
    "Hello! I'm Moot: I help your residents' association, tenants' group or land trust decide, "
    "meet and get repairs done, in the chats you already use. Send /help to see what you can do."
)
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # photos of a repair; the core limits each kind
RATE_LIMIT_RETRIES = 3
# Across all chats: a little under Telegram's limit for bots (30 a second), so that a send held
# up on its way (a busy machine, the network) does not bring 31 into one second at Telegram.
MESSAGES_PER_SECOND = 28


@dataclass(frozen=True)
class TelegramOptions:
    token: str
    base_url: str = "https://api.telegram.org/bot"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    webhook_max_connections: int = 40
    poll_timeout: timedelta = timedelta(seconds=10)

    @property
    def base_file_url(self) -> str:
        root, _, _ = self.base_url.rstrip("/").rpartition("/")
        return f"{root}/file/bot"

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramOptions:
        assert settings.telegram_token is not None
        return cls(
            token=settings.telegram_token,
            base_url=settings.telegram_base_url,
            webhook_url=settings.telegram_webhook_url,
            webhook_listen=settings.telegram_webhook_listen,
            webhook_port=settings.telegram_webhook_port,
            webhook_secret=settings.telegram_webhook_secret,
            webhook_max_connections=settings.telegram_webhook_max_connections,
        )


class TelegramAdapter:
    platform = TELEGRAM
    edit_interval = 3.0  # 20 messages a minute in one group, edits included

    def __init__(self, options: TelegramOptions) -> None:
        self._options = options
        self._moot: Moot | None = None
        self._app: Application | None = None  # type: ignore[type-arg]
        # Each group's admins (user ids) and until when to trust the list.
        self._admins: dict[int, tuple[frozenset[int], float]] = {}
        self._webhook: WebhookServer | None = None
        self._admin_reads: dict[int, asyncio.Future[tuple[frozenset[int], float]]] = {}

    # --- life cycle -------------------------------------------------------------------------

    def _build(self) -> Application:  # type: ignore[type-arg]
        # python-telegram-bot keeps two connection pools, one for getUpdates; left to itself,
        # each builds its own TLS context, loading the certificate bundle again (a fiftieth of
        # a second and a megabyte each). They share one; otherwise these are its defaults.
        tls = httpx.create_ssl_context()
        app = (
            ApplicationBuilder()
            .token(self._options.token)
            .base_url(self._options.base_url)
            .base_file_url(self._options.base_file_url)
            .request(HTTPXRequest(httpx_kwargs={"verify": tls}))
            .get_updates_request(HTTPXRequest(connection_pool_size=1, httpx_kwargs={"verify": tls}))
            .rate_limiter(
                # Telegram allows about 30 messages a second in all: evenly spaced, with no
                # burst allowance, so a thousand reminders never meet a 429 (each of which
                # pauses every send for a second).
                AIORateLimiter(
                    overall_max_rate=1,
                    overall_time_period=1 / MESSAGES_PER_SECOND,
                    max_retries=RATE_LIMIT_RETRIES,
                )
            )
            .concurrent_updates(True)
            .build()
        )
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_handler(ChatMemberHandler(self._on_member, ChatMemberHandler.CHAT_MEMBER))
        app.add_handler(ChatMemberHandler(self._on_my_member, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        app.add_handler(
            MessageHandler(filters.TEXT | filters.Document.ALL | filters.PHOTO, self._on_message)
        )
        app.add_error_handler(self._on_error)
        return app

    async def run(self, moot: Moot) -> None:
        self._moot = moot
        app = self._app = self._build()
        async with app:
            # Stopped in order however early a cancellation comes (a shutdown during start-up).
            try:
                await app.start()
                moot.attach(self)
                if self._options.webhook_url:
                    await self._listen(app)
                    await self._publish_commands(app)
                    await asyncio.Event().wait()
                else:
                    await self._publish_commands(app)
                    # Telegram gives a bot's updates to one poller at a time: with several Moot
                    # processes on one database, the holder of the bot's role polls.
                    bot = self._options.token.partition(":")[0]  # the bot's id, not the secret
                    role = gateway_role(f"{TELEGRAM}:{bot}")
                    await hold_while(moot.leases, role, lambda: self._poll(app))
            finally:
                await moot.detach(TELEGRAM)
                await self.stop_receiving()
                if app.running:
                    await app.stop()

    async def _publish_commands(self, app: Application) -> None:  # type: ignore[type-arg]
        """The command menu, from the declarations. Failing, it stops the adapter."""
        assert self._moot is not None
        await app.bot.set_my_commands(
            [BotCommand(c.name, c.description[:256]) for c in self._moot.registry.all()]
        )

    async def _listen(self, app: Application) -> None:  # type: ignore[type-arg]
        """Serve the webhook, then register it, unless it is registered as it should be
        already (by this process or another, since it last changed)."""
        options = self._options
        assert options.webhook_url is not None
        assert options.webhook_secret is not None, "settings require it with a webhook"
        webhook = self._webhook = WebhookServer(
            app.bot,
            app.process_update,
            path=urlparse(options.webhook_url).path,
            secret=options.webhook_secret,
        )
        await webhook.start(options.webhook_listen, options.webhook_port)
        moot, bot_id = self._running(), str(app.bot.id)
        wanted = webhooks.digest(
            options.webhook_url, options.webhook_secret, options.webhook_max_connections, UPDATES
        )
        told = await app.bot.get_webhook_info()  # its address: someone may have removed it
        if told.url == options.webhook_url and (
            await webhooks.registered(moot, TELEGRAM, bot_id) == wanted
        ):
            log.info("Telegram's webhook is registered already")
            return
        await app.bot.set_webhook(
            options.webhook_url,
            secret_token=options.webhook_secret,
            max_connections=options.webhook_max_connections,
            allowed_updates=UPDATES,
        )
        await webhooks.remember(moot, TELEGRAM, bot_id, wanted)

    async def _poll(self, app: Application) -> None:  # type: ignore[type-arg]
        """Long-poll for updates until cancelled (the role lost, or Moot stopping)."""
        assert app.updater is not None
        await app.updater.start_polling(timeout=self._options.poll_timeout, allowed_updates=UPDATES)
        try:
            await asyncio.Event().wait()
        finally:
            if app.updater.running:
                await app.updater.stop()

    async def stop_receiving(self) -> None:
        if self._webhook is not None:
            await self._webhook.stop()
            self._webhook = None
        updater = self._app.updater if self._app is not None else None
        if updater is not None and updater.running:
            await updater.stop()

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram update failed: %s", context.error, exc_info=context.error)

    # --- inbound ----------------------------------------------------------------------------

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or user.is_bot:
            return
        text = message.text or message.caption or ""
        where = translate.place(message.chat, message)
        moot = self._running()
        if text.startswith("/"):
            # A new command abandons a form in progress (forms in progress are in the store:
            # the next message may reach another Moot process).
            await forms.abandon(moot, TELEGRAM, where.chat_id, str(user.id))
            parsed = translate.split_command(text, context.bot.username)
            if parsed is None:
                return
            name, args = parsed
            if name == "start" and where.is_private:
                await self._welcome(str(user.id), where)
                return
            who = translate.actor(user, is_chat_admin=await self._is_admin(message.chat, user.id))
            attachments = await self._attachments(message, who, where)
            if attachments is None:
                return
            event: Inbound = CommandInvoked(
                who, where, name, args, attachments=attachments, update_id=str(update.update_id)
            )
            await self._handle(event, message)
        elif progress := await forms.answer(
            moot, TELEGRAM, where.chat_id, str(user.id), text, str(update.update_id)
        ):
            await self._carry_on(progress, message)
        elif where.is_private:
            await message.reply_text("Send /help to see what I can do.")

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.data is None:
            return
        message = query.message if isinstance(query.message, Message) else None
        chat = message.chat if message is not None else None
        if chat is None:
            await self._answer(query, None)
            return
        who = translate.actor(
            query.from_user, is_chat_admin=await self._is_admin(chat, query.from_user.id)
        )
        place = translate.place(chat, message)
        shown_on = str(message.message_id) if message is not None else None
        event = ButtonPressed(who, place, query.data, str(update.update_id), message_id=shown_on)
        replies = await self._replies(event)
        # In a group, the presser's short answer ("Your vote for Yes is counted") is the press's
        # own acknowledgement: a toast only they see, never a message in the group.
        toast = None if place.is_private else next(filter(_fits_a_toast, replies), None)
        if not await self._answer(query, toast) and toast is not None:
            toast = None  # too late to answer (pressed while Moot was down): send it instead
        if place.is_private and message is not None:  # Moot's own message in a private chat
            replacing = next((r for r in replies if r.replaces_pressed), None)
            if replacing is not None:
                await self._replace(message, replacing)
                replies = [r for r in replies if r is not replacing]
        await self._deliver([r for r in replies if r is not toast], event, message)

    async def _replace(self, message: Message, reply: Reply) -> None:
        """Show `reply` in place of the private message whose button was pressed."""
        try:
            await self.edit_message(
                str(message.chat_id), str(message.message_id), reply, thread_id=None
            )
        except DeliveryError:  # too old to edit, or deleted: send it as a new message instead
            await self._send(str(message.chat_id), reply)

    async def _answer(self, query: CallbackQuery, toast: Reply | None) -> bool:
        """Answer a button press (with a toast's text); False if Telegram no longer takes it."""
        try:
            text = render_moments(toast.text) if toast is not None else None
            await query.answer(text, show_alert=False)
        except TelegramError as error:  # "query is too old": a press made while Moot was down
            log.info("could not answer a button press (%s); handled it anyway", error)
            return False
        return True

    async def _welcome(self, user_id: str, where: Place) -> None:
        """/start (a deep link from a group included): hello, or the private answers that
        could not reach this person before they opened the chat (on any Moot process), which
        the outbox sends."""
        if not await held.release(self._running(), TELEGRAM, user_id, where.chat_id):
            await self._send(where.chat_id, Reply(WELCOME))

    async def _attachments(
        self, message: Message, who: Actor, where: Place
    ) -> tuple[Attachment, ...] | None:
        """A file sent with the command: a document, or a photo (Telegram sends a photo in
        several sizes, compressed; the largest is taken)."""
        file: Document | PhotoSize
        if message.document is not None:
            file = message.document
            name, content_type = file.file_name or "file", file.mime_type
        elif message.photo:
            file, name, content_type = message.photo[-1], "photo.jpg", "image/jpeg"
        else:
            return ()
        if (file.file_size or 0) > MAX_ATTACHMENT_BYTES:
            await self._send_private(
                who,
                where,
                Reply(
                    f"That file is too large; the limit is {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB."
                ),
            )
            return None
        data = await (await file.get_file()).download_as_bytearray()
        return (Attachment(name, bytes(data), content_type),)

    async def _is_admin(self, chat: Chat, user_id: int) -> bool:
        """Telegram's chat admins are community admins. Each group's admins are read once (one
        request, however many people press at once) and kept, updated by member updates, so
        checks never spend the group's 20-requests-a-minute budget."""
        if chat.type == Chat.PRIVATE:
            return False
        known = self._admins.get(chat.id)
        if known is None or known[1] <= time.monotonic():
            reading = self._admin_reads.get(chat.id)
            if reading is None:
                reading = asyncio.ensure_future(self._read_admins(chat))
                self._admin_reads[chat.id] = reading
                reading.add_done_callback(lambda _: self._admin_reads.pop(chat.id, None))
            known = await asyncio.shield(reading)
        return user_id in known[0]

    async def _read_admins(self, chat: Chat) -> tuple[frozenset[int], float]:
        try:
            members = await chat.get_administrators()
        except TelegramError as error:
            log.warning("could not read the admins of Telegram chat %s: %s", chat.id, error)
            previous = self._admins.get(chat.id, (frozenset[int](), 0.0))[0]
            known = (previous, time.monotonic() + ADMIN_RETRY_SECONDS)
        else:
            ids = frozenset(m.user.id for m in members if m.status in ADMIN_STATUSES)
            known = (ids, time.monotonic() + ADMIN_CACHE_SECONDS)
        self._admins[chat.id] = known
        return known

    async def _on_my_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Moot itself was added to a group, or removed or kicked from one."""
        changed = update.my_chat_member
        assert self._moot is not None
        if changed is None or changed.chat.type == Chat.PRIVATE:
            return
        chat_id, before, now = (
            str(changed.chat.id),
            changed.old_chat_member,
            changed.new_chat_member,
        )
        self._admins.pop(changed.chat.id, None)  # read afresh: Moot's own standing changed
        if now.status in GONE and before.status not in GONE:
            reason = (
                "Moot was removed from the group" if now.status == "left" else "Moot was kicked"
            )
            await self._moot.chat_left(TELEGRAM, chat_id, reason)
        elif before.status in GONE and now.status not in GONE:
            await self._moot.chat_back(TELEGRAM, chat_id)
            try:
                await self._bot().send_message(chat_id, INTRODUCTION)
            except TelegramError as error:  # added without the right to post
                log.info("could not introduce Moot in Telegram chat %s: %s", chat_id, error)

    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup with a new id: its community, cards and outbox follow."""
        message = update.effective_message
        assert self._moot is not None
        if message is None:
            return
        if message.migrate_to_chat_id is not None:  # said in the old group
            old, new = message.chat.id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id is not None:  # said in the new supergroup
            old, new = message.migrate_from_chat_id, message.chat.id
        else:
            return
        await self._moot.chat_moved(TELEGRAM, str(old), str(new))

    async def _on_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Someone's standing in a group changed: keep that group's admins current."""
        changed = update.chat_member
        if changed is None:
            return
        known = self._admins.get(changed.chat.id)
        if known is None:
            return  # read in full at the next check
        user = changed.new_chat_member.user.id
        ids = known[0] - {user}
        if changed.new_chat_member.status in ADMIN_STATUSES:
            ids = ids | {user}
        self._admins[changed.chat.id] = (ids, known[1])

    async def _handle(self, event: Inbound, message: Message | None) -> None:
        await self._deliver(await self._replies(event), event, message)

    async def _replies(self, event: Inbound) -> list[Reply]:
        assert self._moot is not None
        return await self._moot.handle(event)

    async def _deliver(self, replies: list[Reply], event: Inbound, message: Message | None) -> None:
        asked = isinstance(event, CommandInvoked) and message is not None
        if asked and message is not None and any(r.removes_request for r in replies):
            try:
                await message.delete()
            except TelegramError as error:  # Moot is not an admin there, or may not delete
                log.info(
                    "could not remove a message in Telegram chat %s: %s", message.chat_id, error
                )
        for reply in replies:
            if reply.form is not None:
                await self._start_form(reply.form, event, message)
            elif reply.visibility is Visibility.CHAT:
                await self._send(event.place.chat_id, reply, event.place.thread_id)
            else:
                await self._send_private(event.actor, event.place, reply)

    # --- forms: one question a message, answered by replying ---------------------------------

    async def _start_form(self, form: Form, event: Inbound, message: Message | None) -> None:
        in_private = form.private and not event.place.is_private
        asked_in = event.actor.user_id if in_private else event.place.chat_id
        progress = forms.FormInProgress(form, event.place, event.actor, asked_in)
        moot = self._running()
        await forms.begin(moot, progress)  # before asking: the reply may reach another process
        try:
            await self._ask(progress, None if in_private else message)
        except Forbidden:  # Telegram won't let Moot start the private conversation
            await forms.abandon(moot, TELEGRAM, asked_in, event.actor.user_id)
            await self._send_private(event.actor, event.place, Reply(form.title))

    async def _ask(self, progress: forms.FormInProgress, message: Message | None) -> None:
        question = progress.question
        optional = " (optional: send - to skip)" if not question.required else ""
        header = f"{progress.form.title}\n" if progress.index == 0 else ""
        in_place = progress.asked_in == progress.place.chat_id
        await self._bot().send_message(
            progress.asked_in,
            f"{header}{progress.actor.display_name}, {question.label}?{optional}\n(Reply to this message.)",
            reply_markup=ForceReply(selective=True, input_field_placeholder=question.label[:64]),
            reply_parameters=ReplyParameters(message.message_id) if message is not None else None,
            message_thread_id=_thread(progress.place) if in_place else None,
        )

    async def _carry_on(self, progress: forms.FormInProgress, message: Message) -> None:
        """A reply answered a question (on whichever process asked it): the next question, or
        the answers to the core, under the last answer's update id (its replay guard takes them
        once, however often Telegram posts that reply), and then the form is over."""
        if not progress.done:
            await self._ask(progress, message)
            return
        submitted = FormSubmitted(
            progress.actor,
            progress.place,
            progress.form.form_id,
            progress.values,
            update_id=progress.update_id,
        )
        await self._handle(submitted, message)
        await forms.submitted(self._running(), progress)

    # --- outbound ---------------------------------------------------------------------------

    def _running(self) -> Moot:
        assert self._moot is not None, "the adapter handles updates only while running"
        return self._moot

    def _bot(self) -> Bot:
        assert self._app is not None, "the adapter sends only while running"
        bot: Bot = self._app.bot
        return bot

    async def _send(self, chat_id: str, reply: Reply, thread_id: str | None = None) -> str:
        """Send `reply`; the id of the message that carries its buttons."""
        bot = self._bot()
        pieces = chunks(render_moments(reply.text))
        sent = ""
        for number, piece in enumerate(pieces, start=1):
            message = await bot.send_message(
                chat_id,
                piece,
                reply_markup=keyboard(reply) if number == len(pieces) else None,
                message_thread_id=int(thread_id) if thread_id else None,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
            sent = str(message.message_id)
        if reply.file is None:
            return sent
        upload = InputFile(reply.file.data, filename=reply.file.filename)
        thread = int(thread_id) if thread_id else None
        if reply.file.content_type.startswith("image/"):  # shown inline, as a picture
            await bot.send_photo(chat_id, photo=upload, message_thread_id=thread)
        else:
            await bot.send_document(chat_id, document=upload, message_thread_id=thread)
        return sent

    async def _send_private(self, who: Actor, where: Place, reply: Reply) -> None:
        """Telegram has no ephemeral messages: a private answer to something said in a group
        goes by direct message, and if Telegram will not allow that yet, the group hears how to
        open one (without the private content)."""
        if where.is_private:
            await self._send(where.chat_id, reply)
            return
        if await self._try_direct(who.user_id, reply):
            return
        if reply.holds_secret:  # never stored, so it cannot wait for their /start
            told = (
                f"{who.display_name}, Telegram won't let me message you first, and I keep no "
                "secret ballot for later. Tap the button below, then Start, and vote again."
            )
        elif await held.hold(self._running(), TELEGRAM, who.user_id, reply):
            told = (
                f"{who.display_name}, I have a private answer for you, but Telegram won't let me "
                "message you first. Tap the button below, then Start, and it will arrive."
            )
        else:
            return  # the group has already been told how to get them
        bot = self._bot()
        await bot.send_message(
            where.chat_id,
            told,
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("Open a chat with me", url=_start_link(bot.username))]]
            ),
            message_thread_id=_thread(where),
        )

    # --- the core's outlet: errors become the outbox's neutral failures ------------------------

    async def send_to_chat(
        self, chat_id: str, reply: Reply, *, thread_id: str | None, key: str
    ) -> str:
        try:
            return await self._send(chat_id, reply, thread_id)
        except TelegramError as error:
            raise failures.translate(error) from error

    async def edit_message(
        self, chat_id: str, message_id: str, reply: Reply, *, thread_id: str | None
    ) -> None:
        try:
            await self._bot().edit_message_text(
                chunks(render_moments(reply.text))[0],
                chat_id=chat_id,
                message_id=int(message_id),
                reply_markup=keyboard(reply),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise failures.translate(error) from error
        except TelegramError as error:
            raise failures.translate(error) from error

    async def send_direct(self, address: DirectAddress, reply: Reply, *, key: str) -> str:
        try:
            return await self._send(address.direct_chat_id or address.user_id, reply)
        except TelegramError as error:
            raise failures.translate(error) from error

    async def _try_direct(self, user_id: str, reply: Reply) -> bool:
        """A private answer to the actor; False when Telegram will not let Moot message them."""
        try:
            await self._send(user_id, reply)
        except Forbidden:
            return False
        return True


def _thread(place: Place) -> int | None:
    return int(place.thread_id) if place.thread_id else None


def _fits_a_toast(reply: Reply) -> bool:
    """A private answer short and plain enough to be a button press's toast."""
    return (
        reply.visibility is not Visibility.CHAT
        and reply.form is None
        and reply.file is None
        and not reply.choices
        and len(render_moments(reply.text)) <= TOAST_LIMIT
    )


def _start_link(username: str) -> str:
    """Opens a private chat with the bot; pressing Start there sends /start with the payload."""
    return f"https://t.me/{username}?start={START_PAYLOAD}"
