"""A fake Telegram Bot API on 127.0.0.1, spoken to over real HTTP by python-telegram-bot.

It serves queued updates to getUpdates, records every call, and answers the methods Moot uses.
It fails the way Telegram does: users in `blocked` have not started the bot, groups in
`removed_from` have kicked it, and `fail_next` scripts the next answers to one method in one
chat (429 with retry_after, 5xx, a group upgraded to a supergroup, a callback query too old).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.loopback import serve

BOT_USER = {"id": 999, "is_bot": True, "first_name": "Moot", "username": "moot_test_bot"}
Params = dict[str, Any]


@dataclass
class Call:
    method: str
    params: Params
    ok: bool = True  # False when the fake answered with an error
    at: float = field(default_factory=time.monotonic)  # when it arrived

    def button(self, label: str) -> str:
        """The data of the button labelled `label` (or beginning so) on this message."""
        keys = [
            k for row in self.params.get("reply_markup", {}).get("inline_keyboard", []) for k in row
        ]
        for key in keys:
            if key["text"].startswith(label):
                return str(key["callback_data"])
        raise AssertionError(f"no button {label!r} among {[k['text'] for k in keys]}")


@dataclass
class FakeTelegram:
    admins: set[tuple[int, int]] = field(default_factory=set)  # (chat id, user id)
    blocked: set[int] = field(default_factory=set)
    removed_from: set[int] = field(default_factory=set)
    # (method, chat id) -> the next answers to give instead of succeeding, in order.
    scripted: dict[tuple[str, int], list[web.Response]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # the fake's own errors, with tracebacks
    # Telegram's limit on messages a second across all chats: more get 429 with retry_after.
    messages_per_second: float | None = None
    # Called with every request as it arrives (getUpdates included, which `calls` leaves out):
    # benchmarks timestamp the moment an answer reaches Telegram with it.
    on_request: Callable[[Call], None] | None = None
    webhook: Params = field(default_factory=dict)  # as setWebhook last set it
    _sent_at: list[float] = field(default_factory=list)
    _updates: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    port: int = 0

    # --- serving ----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self._runner, self.port = await serve(app)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def _file(self, request: web.Request) -> web.Response:
        return web.Response(body=self.files[request.match_info["path"]])

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: Params = {}
        if request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    try:
                        params[key] = json.loads(value)
                    except ValueError:
                        params[key] = value
                elif isinstance(value, web.FileField):
                    with value.file:  # aiohttp spools uploads to a temporary file: close it
                        params[key] = value.file.read()
        call = Call(method, params)
        if self.on_request is not None:
            self.on_request(call)
        if method != "getUpdates":
            self.calls.append(call)
        failure = self._scripted(method, params) or self._over_the_limit(call)
        if failure is not None:
            call.ok = False
            return failure
        handler: Callable[[Params], Any] | None = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response({"ok": True, "result": True})
        try:
            result = (
                await handler(params) if asyncio.iscoroutinefunction(handler) else handler(params)
            )
        except Exception:  # the fake's own fault: kept for the test to show, then a 500
            self.failures.append(f"{method} {params}\n{traceback.format_exc()}")
            raise
        if isinstance(result, web.Response):
            call.ok = result.status < 400
            return result
        return web.json_response({"ok": True, "result": result})

    def _scripted(self, method: str, params: Params) -> web.Response | None:
        keys = params.get("reply_markup", {})
        for row in keys.get("inline_keyboard", []) if isinstance(keys, dict) else []:
            if any(
                len(str(k.get("callback_data", "")).encode()) > CALLBACK_DATA_BYTES for k in row
            ):
                return error(400, "Bad Request: BUTTON_DATA_INVALID")
        chat_id = int(params.get("chat_id", 0) or 0)
        waiting = self.scripted.get((method, chat_id))
        if waiting:
            return waiting.pop(0)
        if chat_id in self.removed_from and method in SENDING:
            return error(403, "Forbidden: bot was kicked from the supergroup chat")
        return None

    def _over_the_limit(self, call: Call) -> web.Response | None:
        """429 for a message beyond `messages_per_second` in the second before it arrived."""
        if self.messages_per_second is None or call.method not in SENDING:
            return None
        self._sent_at = [at for at in self._sent_at if call.at - at < 1.0]
        if len(self._sent_at) >= self.messages_per_second:
            return rate_limited(1)
        self._sent_at.append(call.at)
        return None

    def fail_next(self, method: str, chat_id: int, *answers: web.Response) -> None:
        self.scripted.setdefault((method, chat_id), []).extend(answers)

    # --- Bot API methods --------------------------------------------------------------------

    def _m_getMe(self, _params: Params) -> Any:
        return {
            **BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getUpdates(self, params: Params) -> Any:
        timeout = float(params.get("timeout", 0) or 0)
        try:
            first = await asyncio.wait_for(self._updates.get(), timeout=max(timeout, 0.05))
        except TimeoutError:
            return []
        batch = [first]
        while not self._updates.empty():
            batch.append(self._updates.get_nowait())
        return batch

    def _m_setWebhook(self, params: Params) -> Any:
        self.webhook = dict(params)
        return True

    def _m_deleteWebhook(self, _params: Params) -> Any:
        self.webhook = {}
        return True

    def _m_getWebhookInfo(self, _params: Params) -> Any:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
            "max_connections": self.webhook.get("max_connections", 40),
        }

    def _m_sendMessage(self, params: Params) -> Any:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return error(403, "Forbidden: bot can't initiate conversation with a user")
        return self._message(chat_id, text=params["text"])

    def _m_sendDocument(self, params: Params) -> Any:
        return self._message(
            int(params["chat_id"]), document={"file_id": "doc", "file_unique_id": "doc"}
        )

    def _m_sendPhoto(self, params: Params) -> Any:
        photo = [{"file_id": "photo", "file_unique_id": "photo", "width": 1, "height": 1}]
        return self._message(int(params["chat_id"]), photo=photo)

    def _m_editMessageText(self, params: Params) -> Any:
        return self._message(int(params["chat_id"]), text=params["text"])

    def _m_getChatMember(self, params: Params) -> Any:
        user = {"id": int(params["user_id"]), "is_bot": False, "first_name": "Someone"}
        if (int(params["chat_id"]), int(params["user_id"])) in self.admins:
            return {"status": "creator", "user": user, "is_anonymous": False}
        return {"status": "member", "user": user}

    def _m_getChatAdministrators(self, params: Params) -> Any:
        chat_id = int(params["chat_id"])
        return [
            {
                "status": "creator",
                "user": {"id": user_id, "is_bot": False, "first_name": "Admin"},
                "is_anonymous": False,
            }
            for chat, user_id in sorted(self.admins)
            if chat == chat_id
        ]

    def _m_getFile(self, params: Params) -> Any:
        file_id = str(params["file_id"])
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_size": len(self.files[file_id]),
            "file_path": file_id,
        }

    def _message(self, chat_id: int, **content: Any) -> Any:
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup", "title": "Group"}
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            **content,
        }

    # --- what tests use ---------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update as Telegram would deliver it (the same one twice is a replay)."""
        self._updates.put_nowait(update)

    def edits(self, chat_id: int) -> list[str]:
        return [
            str(c.params["text"])
            for c in self.calls
            if c.method == "editMessageText" and int(c.params["chat_id"]) == chat_id and c.ok
        ]

    def sent(self, chat_id: int) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method in ("sendMessage", "sendDocument", "sendPhoto")
            and int(c.params["chat_id"]) == chat_id
            and c.ok
        ]

    def texts_to(self, chat_id: int) -> list[str]:
        return [str(c.params.get("text", "")) for c in self.sent(chat_id)]

    def last_to(self, chat_id: int, fragment: str) -> Call:
        """The last message to `chat_id` containing `fragment`."""
        said = [c for c in self.sent(chat_id) if fragment in str(c.params.get("text", ""))]
        assert said, f"no message to {chat_id} containing {fragment!r}"
        return said[-1]

    async def wait_for(self, chat_id: int, fragment: str, within: float = 10) -> Call:
        """The first message to `chat_id` containing `fragment`, waiting for it if need be."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for call in self.sent(chat_id):
                if fragment in str(call.params.get("text", "")):
                    return call
            await asyncio.sleep(0.02)
        raise AssertionError(
            f"no message to {chat_id} containing {fragment!r}; got {self.texts_to(chat_id)}"
        )

    def busiest_second(self, since: float = 0.0) -> int:
        """The most sends (messages and edits, refused ones too) that arrived within one second
        of each other (from `since` on, by the monotonic clock)."""
        times = sorted(c.at for c in self.calls if c.method in SENDING and c.at >= since)
        most, first = 0, 0
        for last, at in enumerate(times):
            while at - times[first] >= 1.0:
                first += 1
            most = max(most, last - first + 1)
        return most

    def toasts(self) -> list[str]:
        """The texts button presses were answered with (answerCallbackQuery)."""
        return [
            str(c.params.get("text", ""))
            for c in self.calls
            if c.method == "answerCallbackQuery" and c.ok
        ]

    async def wait_for_toast(self, fragment: str, within: float = 10, *, count: int = 1) -> str:
        """The `count`th press answered with `fragment` (so a second press is waited for too)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = [t for t in self.toasts() if fragment in t]
            if len(found) >= count:
                return found[count - 1]
            await asyncio.sleep(0.02)
        raise AssertionError(f"no button press answered with {fragment!r}; got {self.toasts()}")


SENDING = ("sendMessage", "sendPhoto", "sendDocument", "editMessageText")
CALLBACK_DATA_BYTES = 64  # the most a button's data may hold


def error(code: int, description: str, **parameters: Any) -> web.Response:
    """An error answer as the Bot API gives it."""
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


def rate_limited(retry_after: int) -> web.Response:
    return error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def bad_gateway() -> web.Response:
    return web.Response(status=502, text="<html>502 Bad Gateway</html>")


def migrated(new_chat_id: int) -> web.Response:
    return error(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=new_chat_id,
    )


def query_too_old() -> web.Response:
    return error(
        400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


class Updates:
    """Builds raw updates the way Telegram sends them."""

    def __init__(self) -> None:
        self._ids = itertools.count(1000)

    def user(self, user_id: int, name: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name}

    def message(
        self, chat_id: int, user_id: int, name: str, text: str, **extra: Any
    ) -> dict[str, Any]:
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        if chat_id < 0:
            chat["title"] = "Elm Court (Telegram)"
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.user(user_id, name),
            # A file or photo carries its command as a caption, as Telegram sends them.
            **({"caption": text} if {"document", "photo"} & extra.keys() else {"text": text}),
            **extra,
        }
        return {"update_id": next(self._ids), "message": message}

    def member_change(
        self, chat_id: int, user_id: int, old: str, new: str, *, key: str = "chat_member"
    ) -> dict[str, Any]:
        """A chat_member (or, with key="my_chat_member", the bot's own) status change."""
        user = BOT_USER if key == "my_chat_member" else self.user(user_id, "Someone")
        chat = {"id": chat_id, "type": "supergroup", "title": "Elm Court (Telegram)"}
        change = {
            "chat": chat,
            "from": self.user(11, "Admin"),
            "date": int(time.time()),
            "old_chat_member": {"status": old, "user": user, **_member_fields(old)},
            "new_chat_member": {"status": new, "user": user, **_member_fields(new)},
        }
        return {"update_id": next(self._ids), key: change}

    def press(
        self, chat_id: int, user_id: int, name: str, data: str, *, on_message: int | None = None
    ) -> dict[str, Any]:
        """A press of a button on Moot's message `on_message` (some message, if not given)."""
        shown = self.message(chat_id, 999, "Moot", "(a message with buttons)")["message"]
        if on_message is not None:
            shown["message_id"] = on_message
        query = {
            "id": str(next(self._ids)),
            "from": self.user(user_id, name),
            "chat_instance": "1",
            "data": data,
            "message": shown,
        }
        return {"update_id": next(self._ids), "callback_query": query}


def _member_fields(status: str) -> dict[str, Any]:
    """The fields Telegram sends with each kind of chat member."""
    if status == "administrator":
        rights = (
            "can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members "
            "can_promote_members can_change_info can_invite_users can_post_stories "
            "can_edit_stories can_delete_stories"
        )
        return {"can_be_edited": False, "is_anonymous": False} | dict.fromkeys(
            rights.split(), False
        )
    if status == "creator":
        return {"is_anonymous": False}
    if status == "kicked":
        return {"until_date": 0}
    return {}
