"""A fake Discord REST API on 127.0.0.1. discord.py talks to it over real HTTP once its route base
points here; interactions are fed to discord.py's own state as the gateway would.

It fails the way Discord does: `fail_next` scripts the next answers for posts into one channel
(429 with retry_after, 5xx, 403 50013 Missing Permissions), users in `blocked_dms` do not accept
direct messages (50007), and a message sent with a nonce that was used already in the channel
returns the first message instead of posting again (`enforce_nonce`).

Channels have kinds (`channels`): text by default, voice and stage channels (which have their own
text chat), threads and forum posts (channels of their own, whose parent is the channel they sit
in), and forums, which take no messages (50008) but new posts (`POST /channels/{forum}/threads`,
the post's first message having the post's id). A message is edited in the channel it lives in,
or Discord answers 10008 Unknown Message.

It also posts interactions to a Moot process's HTTP interactions endpoint as Discord does,
signed with the application's key (`post_interaction`), and keeps Moot's answers as if they
had come to the callback endpoint, so `messages()` shows both paths alike."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import BodyPartReader, WSMsgType, web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.fakes.loopback import serve


def _json(payload: Any, status: int = 200) -> web.Response:
    """JSON with the bare content type discord.py checks for (aiohttp would add a charset)."""
    return web.Response(
        body=json.dumps(payload).encode(),
        status=status,
        headers={"Content-Type": "application/json"},
    )


APPLICATION_ID = 4242
TEXT, VOICE, PUBLIC_THREAD, STAGE, FORUM = 0, 2, 11, 13, 15


def channel_payload(
    channel_id: int, kind: int = TEXT, parent_id: int | None = None, guild_id: int = 1
) -> dict[str, Any]:
    """A guild channel as Discord describes it, with the fields each kind carries."""
    payload: dict[str, Any] = {
        "id": str(channel_id),
        "type": kind,
        "guild_id": str(guild_id),
        "name": f"channel-{channel_id}",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": str(parent_id) if parent_id is not None else None,
    }
    if kind in (VOICE, STAGE):
        payload |= {"bitrate": 64000, "user_limit": 0, "rtc_region": None}
    if kind == PUBLIC_THREAD:
        payload |= {
            "owner_id": "101",
            "message_count": 0,
            "member_count": 1,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": "2026-11-23T09:00:00+00:00",
                "locked": False,
            },
        }
    if kind == FORUM:
        payload |= {"available_tags": [], "flags": 0, "default_reaction_emoji": None}
    return payload


BOT = {
    "id": str(APPLICATION_ID),
    "username": "Moot",
    "discriminator": "0",
    "avatar": None,
    "bot": True,
}


def message_payload(message_id: str, channel_id: str, content: str, flags: int) -> dict[str, Any]:
    """A message as Discord describes it, sent by Moot."""
    return {
        "id": message_id,
        "channel_id": channel_id,
        "type": 0,
        "content": content,
        "author": BOT,
        "attachments": [],
        "embeds": [],
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "mention_everyone": False,
        "tts": False,
        "timestamp": "2026-11-23T09:00:00+00:00",
        "edited_timestamp": None,
        "flags": flags,
        "components": [],
    }


@dataclass
class Request:
    method: str
    path: str
    body: Any  # a JSON object, or a list for bulk command updates
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class FakeDiscord:
    blocked_dms: set[int] = field(default_factory=set)
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    # channel id -> the next answers to posts there, instead of succeeding.
    scripted: dict[str, list[web.Response]] = field(default_factory=dict)
    # (channel id, nonce) -> the message that nonce created.
    nonces: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # Every message actually created in a channel, in order.
    created: list[dict[str, Any]] = field(default_factory=list)
    # The application's commands as Discord holds them: global, and per server.
    global_commands: list[dict[str, Any]] = field(default_factory=list)
    guild_commands: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    refusing_guilds: set[int] = field(default_factory=set)  # no applications.commands scope
    cdn_delay: float = 0.0  # a slow attachment download
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> channel_payload
    # The servers' scheduled events, by id; servers where Moot lacks Manage Events.
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    refusing_event_guilds: set[int] = field(default_factory=set)
    _acknowledged: set[str] = field(default_factory=set)  # interactions answered once
    identified: int = 0  # gateway sessions that identified (see `_gateway`)
    connected: int = 0  # gateway sessions open now
    # The application's signing key for the HTTP interactions endpoint.
    signing_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10_000))
    _runner: web.AppRunner | None = None
    port: int = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/v10/{tail:.*}", self._api)
        app.router.add_get("/cdn/{name}", self._cdn)
        app.router.add_get("/gateway", self._gateway)
        self._runner, self.port = await serve(app)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    def cdn_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/cdn/{name}"

    @property
    def gateway_url(self) -> str:
        """Where discord.py's gateway connection goes once `DiscordWebSocket.DEFAULT_GATEWAY`
        points here, as a `moot` process's does when DISCORD_API_BASE names this fake (it
        asks GET /gateway/bot). Most tests feed interactions directly and never connect."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        """A gateway that says hello, answers IDENTIFY with READY for a bot in no servers, and
        acknowledges heartbeats: enough for discord.py to connect and sit idle. It sends plain
        JSON text frames, which discord.py reads as well as compressed ones."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": 41250}})
        self.connected += 1
        try:
            await self._session(socket)
        finally:
            self.connected -= 1
        return socket

    async def _session(self, socket: web.WebSocketResponse) -> None:
        async for frame in socket:
            if frame.type != WSMsgType.TEXT:
                continue
            op = json.loads(frame.data).get("op")
            if op == 2:  # IDENTIFY
                self.identified += 1
                ready = {
                    "v": 10,
                    "user": BOT,
                    "guilds": [],
                    "session_id": f"session-{self.identified}",
                    "resume_gateway_url": self.gateway_url,
                    "application": {"id": str(APPLICATION_ID), "flags": 0},
                }
                await socket.send_json({"op": 0, "s": 1, "t": "READY", "d": ready})
            elif op == 1:  # HEARTBEAT
                await socket.send_json({"op": 11, "s": None, "t": None, "d": None})

    async def _cdn(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.cdn_delay)
        return web.Response(body=self.files[request.match_info["name"]])

    async def _api(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            body = await request.json()
        elif request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                elif part.filename:
                    files[part.filename] = bytes(await part.read())
        self.requests.append(Request(request.method, path, body, files))
        parts = path.strip("/").split("/")
        if parts[0] == "channels" and request.method == "POST" and self.scripted.get(parts[1]):
            return self.scripted[parts[1]].pop(0)
        return self._answer(request.method, path, body)

    def fail_next(self, channel_id: int, *answers: web.Response) -> None:
        self.scripted.setdefault(str(channel_id), []).extend(answers)

    def _answer(self, method: str, path: str, body: dict[str, Any]) -> web.Response:
        parts = path.strip("/").split("/")
        if path == "/users/@me":
            return _json(BOT)
        if path == "/gateway/bot":
            limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
            return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})
        if path == "/oauth2/applications/@me":
            return _json(
                {
                    "id": str(APPLICATION_ID),
                    "name": "Moot",
                    "icon": None,
                    "description": "",
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "verify_key": "k",
                    "flags": 0,
                    "owner": BOT,
                }
            )
        if parts[0] == "applications":
            return self._commands(method, parts, body)
        if parts[0] == "guilds" and parts[2:3] == ["scheduled-events"]:
            return self._scheduled_event(method, parts, body)
        if parts[0] == "interactions" and parts[2] == "callback":
            if parts[1] in self._acknowledged:  # a second answer to the same interaction
                refusal = "Interaction has already been acknowledged."
                return _json({"code": 40060, "message": refusal}, status=400)
            self._acknowledged.add(parts[1])
        if parts[0] == "interactions":
            return _json(
                {
                    "interaction": {"id": parts[1], "type": 2},
                    "resource": {"type": body.get("type", 4)},
                }
            )
        if path == "/users/@me/channels":
            recipient = int(body["recipient_id"])
            return _json(
                {"id": str(900_000 + recipient), "type": 1, "recipients": [self.user(recipient)]}
            )
        if parts[0] == "users" and method == "GET":
            return _json(self.user(int(parts[1])))
        if parts[0] == "channels" and method == "GET":
            return _json(self.channels.get(parts[1]) or channel_payload(int(parts[1])))
        if parts[0] == "channels" and parts[2:] == ["threads"] and method == "POST":
            return self._new_forum_post(parts[1], body)
        kind = self.channels.get(parts[1], {}).get("type") if parts[0] == "channels" else None
        if kind == FORUM and method == "POST":
            refusal = "Cannot send messages in a non-text channel"
            return _json({"code": 50008, "message": refusal}, status=400)
        if parts[0] == "channels" and method == "PATCH" and len(parts) == 4:
            lives_in = next((m["channel_id"] for m in self.created if m["id"] == parts[3]), None)
            if lives_in is not None and lives_in != parts[1]:
                return _json({"code": 10008, "message": "Unknown Message"}, status=404)
        if (
            parts[0] == "channels"
            and method == "POST"
            and int(parts[1]) - 900_000 in self.blocked_dms
        ):
            return _json(
                {"code": 50007, "message": "Cannot send messages to this user"}, status=403
            )
        channel = parts[1] if parts[0] == "channels" else "0"
        if parts[0] == "channels" and method == "POST" and body.get("enforce_nonce"):
            key = (channel, str(body.get("nonce")))
            if key not in self.nonces:
                self.nonces[key] = self.message(channel, body)
                self.created.append(self.nonces[key])
            return _json(self.nonces[key])
        message = self.message(channel, body)
        if parts[0] == "channels" and method == "POST":
            self.created.append(message)
        return _json(message)

    def _commands(self, method: str, parts: list[str], body: Any) -> web.Response:
        """/applications/{id}/commands and /applications/{id}/guilds/{guild}/commands."""
        guild = int(parts[3]) if len(parts) > 3 and parts[2] == "guilds" else None
        if guild in self.refusing_guilds:
            return _json({"code": 50001, "message": "Missing Access"}, status=403)
        if method == "PUT":
            stored = [
                # As Discord answers: ids and versions added, options not required left out.
                {
                    **c,
                    "id": str(next(self._ids)),
                    "application_id": str(APPLICATION_ID),
                    "version": "1",
                    "options": [
                        {k: v for k, v in o.items() if not (k == "required" and v is False)}
                        for o in c.get("options", [])
                    ],
                }
                for c in body
            ]
            if guild is None:
                self.global_commands = stored
            else:
                self.guild_commands[guild] = stored
            return _json(stored)
        return _json(self.global_commands if guild is None else self.guild_commands.get(guild, []))

    def _scheduled_event(self, method: str, parts: list[str], body: dict[str, Any]) -> web.Response:
        """/guilds/{guild}/scheduled-events[/{event}]: create (POST) and edit (PATCH)."""
        if int(parts[1]) in self.refusing_event_guilds:
            return _json({"code": 50013, "message": "Missing Permissions"}, status=403)
        if method == "POST":
            event = body | {"id": str(next(self._ids)), "guild_id": parts[1], "status": 1}
            self.events[event["id"]] = event
            return _json(event)
        if parts[3] not in self.events:
            return _json({"code": 10070, "message": "Unknown Guild Scheduled Event"}, status=404)
        self.events[parts[3]] |= body
        return _json(self.events[parts[3]])

    def _new_forum_post(self, forum_id: str, body: dict[str, Any]) -> web.Response:
        post_id = str(next(self._ids))
        first = message_payload(post_id, post_id, body["message"].get("content", ""), 0)
        self.created.append(first)
        post = channel_payload(int(post_id), PUBLIC_THREAD, parent_id=int(forum_id))
        self.channels[post_id] = post | {"name": body["name"]}
        return _json(self.channels[post_id] | {"message": first})

    def user(self, user_id: int) -> dict[str, Any]:
        return {
            "id": str(user_id),
            "username": f"user{user_id}",
            "discriminator": "0",
            "avatar": None,
        }

    def message(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return message_payload(
            str(next(self._ids)), channel_id, body.get("content", ""), body.get("flags", 0)
        )

    # --- the HTTP interactions endpoint -----------------------------------------------------

    @property
    def public_key(self) -> str:
        """The key's public half, as the Developer Portal shows it (DISCORD_PUBLIC_KEY)."""
        raw = self.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return raw.hex()

    def signed(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """The headers Discord sends with `body`, signed now (or at `timestamp`)."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = self.signing_key.sign(stamp.encode() + body).hex()
        return {"X-Signature-Ed25519": signature, "X-Signature-Timestamp": stamp}

    async def post_interaction(
        self,
        url: str,
        payload: dict[str, Any],
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """POST an interaction to a Moot process's endpoint as Discord does: signed (unless
        `headers` says otherwise), giving up after Discord's 3 seconds. Moot's answer is kept
        as an answer to the interaction's callback; returns its status and body."""
        body = json.dumps(payload).encode()
        sent = {"Content-Type": "application/json"} | (
            self.signed(body, timestamp) if headers is None else headers
        )
        timeout = aiohttp.ClientTimeout(total=3)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, data=body, headers=sent) as response,
        ):
            text = await response.text()
        answer = json.loads(text) if text.startswith("{") else {"text": text}
        if response.status == 200 and payload.get("type") != 1:
            interaction = str(payload["id"])
            path = f"/interactions/{interaction}/{payload['token']}/callback"
            self.requests.append(Request("POST", path, answer))
            self._acknowledged.add(interaction)
        return response.status, answer

    # --- what tests use ---------------------------------------------------------------------

    def messages(self) -> list[tuple[str, dict[str, Any]]]:
        """(where, body) of everything Moot said: interaction responses, follow-ups, posts."""
        said = []
        for r in self.requests:
            if r.method != "POST":
                continue
            if r.path.startswith("/interactions/"):
                said.append(
                    (
                        f"interaction {r.path.split('/')[2]}",
                        r.body.get("data", {}) | {"_type": r.body.get("type")},
                    )
                )
            elif r.path.startswith("/webhooks/"):
                said.append((f"followup {r.path.split('/')[3]}", r.body))
            elif r.path.startswith("/channels/") and r.path.endswith("/threads"):
                post = r.body.get("message", {}) | {"name": r.body.get("name")}
                said.append((f"forum {r.path.split('/')[2]}", post))
            elif r.path.startswith("/channels/"):
                said.append((f"channel {r.path.split('/')[2]}", r.body))
        return said

    def edits(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(channel, message id, body) of every message edit Discord accepted."""
        accepted = {m["id"] for m in self.created}
        return [
            (r.path.split("/")[2], r.path.split("/")[4], r.body)
            for r in self.requests
            if r.method == "PATCH"
            and r.path.startswith("/channels/")
            and r.path.split("/")[4] in accepted
            and next(m["channel_id"] for m in self.created if m["id"] == r.path.split("/")[4])
            == r.path.split("/")[2]
        ]

    async def wait_for(self, fragment: str, within: float = 10) -> tuple[str, dict[str, Any]]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for where, body in self.messages():
                if fragment in str(body.get("content", "")) or fragment in str(
                    body.get("title", "")
                ):
                    return where, body
            await asyncio.sleep(0.02)
        raise AssertionError(
            f"Moot never said {fragment!r}; said {[b.get('content') for _, b in self.messages()]}"
        )


def rate_limited(retry_after: float) -> web.Response:
    """A 429 as Discord sends it (through its proxy, which discord.py checks for)."""
    return web.Response(
        body=json.dumps(
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
        ).encode(),
        status=429,
        headers={
            "Content-Type": "application/json",
            "Via": "1.1 google",
            "Retry-After": str(retry_after),
        },
    )


def missing_permissions() -> web.Response:
    return _json({"code": 50013, "message": "Missing Permissions"}, status=403)


def service_unavailable() -> web.Response:
    """A 503, which discord.py passes on at once (it retries 500, 502, 504 and 524 itself)."""
    return web.Response(status=503, text="503 Service Unavailable")


_INTERACTION_IDS = itertools.count(7_000_000)


class Interactions:
    """Raw INTERACTION_CREATE payloads, as the gateway delivers them."""

    def __init__(
        self, guild_id: int = 1, channel_id: int = 50, channel: dict[str, Any] | None = None
    ) -> None:
        self._ids = _INTERACTION_IDS  # unique across instances, as Discord's snowflakes are
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.channel = channel or channel_payload(channel_id, guild_id=guild_id) | {
            "name": "general"
        }

    def _base(self, kind: int, user_id: int, name: str, *, admin: bool, dm: bool) -> dict[str, Any]:
        user = {
            "id": str(user_id),
            "username": name.lower(),
            "global_name": name,
            "discriminator": "0",
            "avatar": None,
        }
        payload: dict[str, Any] = {
            "id": str(next(self._ids)),
            "application_id": str(APPLICATION_ID),
            "type": kind,
            "token": f"token-{next(self._ids)}",
            "version": 1,
            "locale": "en-GB",
            "entitlements": [],
            "app_permissions": "2048",
            "attachment_size_limit": 10_485_760,
        }
        if dm:
            channel_id = 900_000 + user_id
            payload |= {
                "channel_id": str(channel_id),
                "channel": {"id": str(channel_id), "type": 1},
                "user": user,
            }
        else:
            permissions = "8" if admin else "2048"  # ADMINISTRATOR, or just SEND_MESSAGES
            payload |= {
                "guild_id": str(self.guild_id),
                "channel_id": str(self.channel_id),
                "channel": self.channel,
                "member": {
                    "user": user,
                    "roles": [],
                    "joined_at": "2026-01-01T00:00:00+00:00",
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                    "permissions": permissions,
                },
            }
        return payload

    def command(
        self,
        user_id: int,
        name: str,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        admin: bool = False,
        dm: bool = False,
        resolved: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        payload = self._base(2, user_id, name, admin=admin, dm=dm)
        typed = [
            {"name": k, "value": v, "type": 11 if k == "file" else (4 if isinstance(v, int) else 3)}
            for k, v in (options or {}).items()
        ]
        payload["data"] = {"id": "1", "name": command, "type": 1, "options": typed} | (
            {"resolved": resolved} if resolved else {}
        )
        return payload

    def press(
        self,
        user_id: int,
        name: str,
        custom_id: str,
        *,
        admin: bool = False,
        dm: bool = False,
        on_ephemeral: bool = False,
    ) -> dict[str, Any]:
        """A button press on Moot's message: a public one, or one only the presser sees."""
        payload = self._base(3, user_id, name, admin=admin, dm=dm)
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        flags = 64 if on_ephemeral else 0
        payload["message"] = message_payload("123", payload["channel_id"], "", flags)
        return payload

    def select(
        self,
        user_id: int,
        name: str,
        custom_id: str,
        value: str,
        *,
        admin: bool = False,
        on_ephemeral: bool = False,
    ) -> dict[str, Any]:
        payload = self.press(user_id, name, custom_id, admin=admin, on_ephemeral=on_ephemeral)
        payload["data"] = {"custom_id": custom_id, "component_type": 3, "values": [value]}
        return payload

    def submit(
        self,
        user_id: int,
        name: str,
        custom_id: str,
        values: dict[str, str],
        *,
        admin: bool = False,
    ) -> dict[str, Any]:
        payload = self._base(5, user_id, name, admin=admin, dm=False)
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
            for k, v in values.items()
        ]
        payload["data"] = {"custom_id": custom_id, "components": rows}
        return payload
