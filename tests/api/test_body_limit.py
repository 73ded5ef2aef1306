"""The body cap: by Content-Length before the app runs, by the bytes received for chunked bodies, and no wrapping
of requests that carry no body."""

from __future__ import annotations

import asyncio
import json

from starlette.types import Message, Receive, Scope, Send

from fevermap.api.body_limit import BodyLimitMiddleware


async def _echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Reads the whole body, answers 200 with its length."""
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def _run(headers: list[tuple[bytes, bytes]], chunks: list[bytes], max_bytes: int = 10) -> tuple[int, bytes]:
    messages: list[Message] = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    asyncio.run(BodyLimitMiddleware(_echo, max_bytes=max_bytes)(scope, receive, send))
    return int(sent[0]["status"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_content_length_over_the_cap_is_refused_before_the_app() -> None:
    status, body = _run([(b"content-length", b"11")], [b"x" * 11])
    assert status == 413 and json.loads(body)["code"] == "TooBig"
    assert _run([(b"content-length", b"abc")], [b""])[0] == 413
    assert _run([(b"content-length", b"10")], [b"x" * 10]) == (200, b"10")


def test_chunked_bodies_are_counted_as_they_arrive() -> None:
    chunked = [(b"transfer-encoding", b"chunked")]
    assert _run(chunked, [b"x" * 6, b"x" * 4]) == (200, b"10")
    status, body = _run(chunked, [b"x" * 6, b"x" * 6])
    assert status == 413 and json.loads(body)["code"] == "TooBig"


def test_a_request_without_a_body_passes_untouched() -> None:
    assert _run([], [b""]) == (200, b"0")
