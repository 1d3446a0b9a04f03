"""Discord's HTTP interactions endpoint: `POST /discord/interactions` on the web server.

With an Interactions Endpoint URL set in the Developer Portal, Discord posts every interaction
there instead of sending it down the gateway, so any Moot process behind the load balancer
can take it, whichever holds the gateway. Each request must carry Discord's signature
(adapters/discord/signatures.py); anything else is refused with 401 and changes nothing.

An interaction is handled exactly as one from the gateway: `DiscordAdapter.on_interaction`
answers it through discord.py, whose webhook calls go through `_HttpAnswer` for this one
interaction. Its first response (a message, a form, an edit of the pressed message, or the
deferral the adapter makes when the core takes longer than `answer_within`, within Discord's
3 seconds) becomes the HTTP answer's body, as Discord requires; follow-ups and edits go to
Discord's webhook endpoints as usual. A first response carrying a file cannot be a JSON body:
the answer defers and the message then fills the original response.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import discord
from aiohttp import ClientSession, web
from discord.http import MultipartParameters
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from adapters.discord import signatures
from adapters.discord.adapter import DiscordAdapter

log = logging.getLogger(__name__)

LARGEST_INTERACTION = 1024 * 1024  # a press carries its message; far less than this
PING, PONG = 1, 1
DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 5, 6, 7
EPHEMERAL = 64
# How long a file's message waits for the HTTP answer (the deferral) to have gone out.
ANSWER_SENT_WITHIN_SECONDS = 5.0


class InteractionsEndpoint:
    """The aiohttp handler for the endpoint (adapters/web/routes.py), answering for one Discord
    adapter."""

    def __init__(self, adapter: DiscordAdapter, public_key: str) -> None:
        self._adapter = adapter
        self._key = signatures.public_key(public_key)
        self._handling: set[asyncio.Task[None]] = set()

    async def answer(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        if body is None:
            return _refusal(413, "the request is too large to be an interaction")
        headers = request.headers
        if not signatures.signed(
            self._key,
            headers.get(signatures.SIGNATURE_HEADER),
            headers.get(signatures.TIMESTAMP_HEADER),
            body,
            time.time(),
        ):
            return _refusal(401, "invalid request signature")
        try:
            payload = json.loads(body)
            kind = payload["type"]
        except (ValueError, TypeError, KeyError):
            return _refusal(400, "the body is not an interaction")
        if kind == PING:
            return web.json_response({"type": PONG})
        client = self._adapter.client
        if client is None or client.application_id is None:  # not logged in yet
            return _refusal(503, "Moot is starting; try again in a moment")
        try:
            interaction = discord.Interaction(data=payload, state=client._connection)
        except (ValueError, TypeError, KeyError, AttributeError):
            return _refusal(400, "the body is not an interaction")
        answer = _HttpAnswer(client.application_id)
        self._handle(interaction, answer)
        # Were this request dropped meanwhile, the future is cancelled with it, and the answer
        # goes to Discord's callback endpoint instead.
        first = await answer.first
        if first is None:  # as over the gateway: Moot had nothing to say to it
            return _refusal(400, "Moot does not handle this interaction")
        response = web.json_response(first)
        try:
            await response.prepare(request)
            await response.write_eof()
        finally:
            answer.sent.set()
        return response

    def _handle(self, interaction: discord.Interaction, answer: _HttpAnswer) -> None:
        async def handled() -> None:
            async_context.set(answer)  # this task's (and only its) webhook calls
            try:
                await self._adapter.on_interaction(interaction)
            finally:
                answer.finished()

        task = asyncio.get_running_loop().create_task(handled(), name="discord-interaction")
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)


class _HttpAnswer(AsyncWebhookAdapter):
    """discord.py's webhook calls for one interaction that came by HTTP: the first response
    is handed to the HTTP answer instead of Discord's callback endpoint."""

    def __init__(self, application_id: int) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._application_id = application_id
        self.first: asyncio.Future[dict[str, Any] | None] = (
            asyncio.get_running_loop().create_future()
        )
        self.sent = asyncio.Event()  # the HTTP answer has gone out

    def finished(self) -> None:
        """The adapter is done with the interaction; if it never answered, neither do we."""
        if not self.first.done():
            self.first.set_result(None)

    async def create_interaction_response(  # type: ignore[override]
        self,
        interaction_id: int,
        token: str,
        *,
        session: ClientSession,
        proxy: str | None = None,
        proxy_auth: Any = None,
        params: MultipartParameters,
    ) -> dict[str, Any]:
        if self.first.done():  # a second response: Discord refuses it, as over the gateway
            return await super().create_interaction_response(
                interaction_id,
                token,
                session=session,
                proxy=proxy,
                proxy_auth=proxy_auth,
                params=params,
            )  # type: ignore[return-value]
        if not params.files:
            assert params.payload is not None
            self.first.set_result(params.payload)
            return _acknowledged(interaction_id, params.payload)
        assert params.multipart is not None
        response: dict[str, Any] = json.loads(params.multipart[0]["value"])
        data: dict[str, Any] = response.get("data") or {}
        deferral = DEFERRED_UPDATE if response.get("type") == UPDATE_MESSAGE else DEFERRED_MESSAGE
        self.first.set_result(
            {"type": deferral, "data": {"flags": data.get("flags", 0) & EPHEMERAL}}
        )
        async with asyncio.timeout(ANSWER_SENT_WITHIN_SECONDS):
            await self.sent.wait()
        await self.edit_webhook_message(
            self._application_id,
            token,
            "@original",  # type: ignore[arg-type]
            session=session,
            proxy=proxy,
            proxy_auth=proxy_auth,
            multipart=[{"name": "payload_json", "value": json.dumps(data)}, *params.multipart[1:]],
            files=params.files,
        )
        return _acknowledged(interaction_id, response)


def _acknowledged(interaction_id: int, response: dict[str, Any]) -> dict[str, Any]:
    """What Discord's callback endpoint would have said to `response` (discord.py reads it)."""
    return {"interaction": {"id": str(interaction_id)}, "resource": {"type": response["type"]}}


async def _body(request: web.Request) -> bytes | None:
    """The raw body (the signature covers it byte for byte); None when it is too large."""
    if (request.content_length or 0) > LARGEST_INTERACTION:
        return None
    read = bytearray()
    while chunk := await request.content.read(64 * 1024):
        read += chunk
        if len(read) > LARGEST_INTERACTION:
            return None
    return bytes(read)


def _refusal(status: int, reason: str) -> web.Response:
    return web.json_response({"message": reason}, status=status)
