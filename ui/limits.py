"""A limit on the size of every HTTP request body, enforced before the body is parsed.

Gradio limits uploaded files (``max_file_size``) but not the JSON of API calls, so one client could send a
request of any size and have it parsed and worked on. This ASGI middleware refuses a body above the limit with
413 and a message: at once when ``Content-Length`` announces it, otherwise as soon as the count passes it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UPLOAD_SLACK = 64 * 1024  # multipart headers around an uploaded file
OPENAI_PREFIX = "/v1/"


def too_large_message(limit: int) -> str:
    return f"请求太大，上限 {limit:,} 字节。请缩短问题或对话历史后重试。"


class _TooLarge(HTTPException):
    """Raised while the body is read; an HTTPException so that FastAPI answers 413, not "cannot parse"."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


class BodyLimit:
    """Refuse request bodies above ``max_bytes`` (uploads: ``upload_bytes`` plus multipart slack)."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes + UPLOAD_SLACK

    def limit_for(self, path: str) -> int:
        return self.upload_bytes if path.rstrip("/").endswith("/upload") else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, limit, scope.get("path", ""))
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if not started:
                await _refuse(send, limit, scope.get("path", ""))


async def _refuse(send: Send, limit: int, path: str) -> None:
    message = too_large_message(limit)
    # The OpenAI-compatible API (/v1/...) answers in OpenAI's error shape, which its clients read.
    if path.startswith(OPENAI_PREFIX):
        error: dict[str, Any] = {"error": {"message": message, "type": "invalid_request_error",
                                           "code": "request_too_large", "param": None}}
    else:
        error = {"error": message, "detail": message}
    body = json.dumps(error, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", b"%d" % len(body))],
        }
    )
    await send({"type": "http.response.body", "body": body})
