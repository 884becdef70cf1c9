"""An OpenAI-compatible chat API on the app's own server: ``POST /v1/chat/completions`` and ``GET /v1/models``.

Chat front-ends and the ``openai`` client can use policyqa as a model called ``policyqa``. The reply text carries
the ``[n]`` markers and a "来源" list; the structured citations ride in the extra fields ``citations`` and
``refused``. Earlier user/assistant messages become the follow-up history; ``doc`` and ``region`` (extra body
fields) limit the search like the app's filter. Every field is checked and bounded before any work is done on it,
and every rejection is an OpenAI-style JSON error ``{"error": {"message", "type", "code", "param"}}``.

The request is parsed by hand rather than by a pydantic model so that each bad field gets its own message and
status in OpenAI's error shape (FastAPI's validation errors have another shape and status 422).
"""

from __future__ import annotations

import hmac
import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.routing import BaseRoute

from index.settings import Settings
from qa.inputs import InputError, bound_turns, check_request_chars, check_scope, strip_markup
from qa.pipeline import Pipeline
from qa.types import Answer, Turn

MODEL_ID = "policyqa"
SOURCES_HEADING = "来源："
RELATED_HEADING = "可能相关的内容："
RELATED_COUNT = 3
ROLES = {"system", "developer", "user", "assistant"}
FAILED = "抱歉，处理这个问题时出错了，请稍后再试。"
log = logging.getLogger(__name__)


class ApiError(Exception):
    """A request the API refuses; becomes ``{"error": {...}}`` with ``status``."""

    def __init__(
        self, status: int, message: str, kind: str = "invalid_request_error", code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.code, self.param = status, message, kind, code, param

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.kind, "code": self.code, "param": self.param}}
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        return JSONResponse(body, status_code=self.status, headers=headers)


@dataclass(frozen=True)
class ChatRequest:
    question: str
    history: list[Turn]
    doc: str | None
    region: str | None
    stream: bool


def _kind(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def message_text(message: object, i: int) -> tuple[str, str]:
    """(role, text) of ``messages[i]``: content as a string or as a list of ``{"type": "text", "text": ...}``."""
    if not isinstance(message, dict):
        raise ApiError(400, f"messages[{i}] must be an object, not {_kind(message)}", param=f"messages[{i}]")
    role = message.get("role")
    if role not in ROLES:
        raise ApiError(
            400, f"messages[{i}].role must be one of {sorted(ROLES)}, not {str(role)[:40]!r}",
            param=f"messages[{i}].role",
        )
    content = message.get("content")
    if content is None:
        return role, ""
    if isinstance(content, str):
        return role, content
    if isinstance(content, list):
        texts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
                raise ApiError(
                    400, f"messages[{i}].content parts must be text parts {{'type': 'text', 'text': ...}}",
                    param=f"messages[{i}].content",
                )
            texts.append(part["text"])
        return role, "\n".join(texts)
    raise ApiError(
        400, f"messages[{i}].content must be a string or a list of text parts, not {_kind(content)}",
        param=f"messages[{i}].content",
    )


def without_sources(reply: str) -> str:
    """An earlier reply of ours without its sources list: the history keeps only what was answered."""
    for heading in (SOURCES_HEADING, RELATED_HEADING):
        cut = reply.find("\n\n" + heading)
        if cut >= 0:
            reply = reply[:cut]
    return reply


def parse_request(body: bytes, pipeline: Pipeline) -> ChatRequest:
    """Check and bound a ``/v1/chat/completions`` body (already bounded in bytes by ``ui.limits.BodyLimit``)."""
    settings = pipeline.settings
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"the request body is not valid JSON: {exc.msg} (at character {exc.pos + 1})",
                       code="invalid_json") from None
    except (ValueError, RecursionError):  # bad UTF-8, or nesting deeper than the decoder goes
        raise ApiError(400, "the request body is not valid JSON (bad UTF-8 or nested too deep)",
                       code="invalid_json") from None
    if not isinstance(data, dict):
        raise ApiError(400, f"the request body must be a JSON object, not {_kind(data)}", code="invalid_json")
    model = data.get("model", MODEL_ID)
    if model != MODEL_ID:
        raise ApiError(
            404, f"the model {str(model)[:60]!r} does not exist; use {MODEL_ID!r}", code="model_not_found",
            param="model",
        )
    stream = data.get("stream", False)
    if not isinstance(stream, bool) and stream is not None:
        raise ApiError(400, f"stream must be true or false, not {_kind(stream)}", param="stream")
    messages = data.get("messages")
    if not isinstance(messages, list) or not messages:
        what = "missing" if messages is None else f"a {_kind(messages)}" if not isinstance(messages, list) else "empty"
        raise ApiError(400, f"messages must be a non-empty array of messages, but it is {what}", param="messages")
    doc, region = data.get("doc"), data.get("region")
    texts = [message_text(m, i) for i, m in enumerate(messages)]
    try:
        check_request_chars([t for _, t in texts] + [doc, region], settings.max_request_chars)
        doc_name, region_name = check_scope(doc, region, pipeline.documents, pipeline.regions)
    except InputError as exc:
        raise ApiError(400, str(exc), code="invalid_value") from exc
    if texts[-1][0] != "user":
        raise ApiError(400, "the last message must come from the user", param=f"messages[{len(texts) - 1}].role")
    return ChatRequest(texts[-1][1], history_turns(texts[:-1], settings), doc_name, region_name, bool(stream))


def history_turns(texts: list[tuple[str, str]], settings: Settings) -> list[Turn]:
    """Earlier user messages, each with the assistant reply that followed it, bounded like the app's history."""
    rows: list[dict[str, str]] = []
    for role, text in texts:
        if role == "user":
            rows.append({"question": text, "answer": ""})
        elif role == "assistant" and rows and not rows[-1]["answer"]:
            rows[-1]["answer"] = without_sources(text)
    try:
        return bound_turns(rows, settings.max_history_turns, settings.max_question_chars)
    except InputError as exc:  # cannot happen for rows built here; kept so a future change fails as a 400
        raise ApiError(400, str(exc), param="messages") from exc


def reply_text(answer: Answer) -> str:
    """The answer with its ``[n]`` markers, then one line per source (or per related passage on a refusal)."""
    if answer.citations:
        lines = [f"[{c.n}] {_where(c.hit.chunk.title, c.hit.chunk.section_label)}" for c in answer.citations]
        return f"{answer.answer}\n\n{SOURCES_HEADING}\n" + "\n".join(lines)
    if answer.refused and answer.passages:
        lines = [f"- {_where(h.chunk.title, h.chunk.section_label)}" for h in answer.passages[:RELATED_COUNT]]
        return f"{answer.answer}\n\n{RELATED_HEADING}\n" + "\n".join(lines)
    return answer.answer


def _where(title: str, section: str) -> str:
    return f"《{title}》" + (f" › {section}" if section else "")


def extra_fields(answer: Answer) -> dict[str, Any]:
    return {"citations": [c.to_json() for c in answer.citations], "refused": answer.refused}


def completion(answer: Answer, completion_id: str, created: int) -> dict[str, Any]:
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": MODEL_ID,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": reply_text(answer)}, "finish_reason": "stop"}
        ],
        **extra_fields(answer),
    }


def stream_events(answer: Answer, completion_id: str, created: int) -> Iterator[str]:
    """Server-sent events in OpenAI's chunk format: the role, one answer line at a time, the sources, the end."""

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {
            "id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra,
        }
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    text = reply_text(answer)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        yield chunk({"content": line + ("\n" if i < len(lines) - 1 else "")})
    yield chunk({}, "stop", **extra_fields(answer))
    yield "data: [DONE]\n\n"


def check_key(request: Request, key: str) -> None:
    """Refuse a request without the configured bearer token (compared in constant time); no key, no check."""
    if not key:
        return
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), key.encode()):
        raise ApiError(401, "invalid or missing API key (send Authorization: Bearer <key>)", code="invalid_api_key")


def routes(pipeline: Pipeline, settings: Settings) -> list[BaseRoute]:
    """The API's routes, for ``FastAPI(routes=...)`` (Gradio's ``app_kwargs``): served from the first request on.
    ``settings`` gives the API key and the concurrency (the pipeline's own settings give the input limits)."""
    concurrency = settings.answer_concurrency
    router = APIRouter()
    limiter: list[CapacityLimiter] = []  # made on first use: it belongs to the server's event loop
    created = int(time.time())

    async def answer(request: ChatRequest) -> Answer:
        if not limiter:
            limiter.append(CapacityLimiter(max(1, concurrency)))
        asked = strip_markup(request.question)  # an answer quoting the question stays safe to render as HTML
        return await to_thread.run_sync(
            lambda: pipeline.answer(asked, request.history, doc=request.doc, region=request.region),
            limiter=limiter[0],
        )

    @router.post("/v1/chat/completions")
    async def chat_completions(request: Request):
        try:
            check_key(request, settings.api_key)
            parsed = parse_request(await request.body(), pipeline)
            try:
                result = await answer(parsed)
            except Exception as exc:  # the traceback goes to the server log, the caller gets a sentence
                log.exception("answering failed for %r", parsed.question[:200])
                raise ApiError(500, FAILED, kind="server_error", code="internal_error") from exc
            if result.error:
                raise ApiError(400, result.error, code="invalid_question", param="messages")
        except ApiError as exc:
            return exc.response()
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        if parsed.stream:
            return StreamingResponse(
                stream_events(result, completion_id, int(time.time())), media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        return JSONResponse(completion(result, completion_id, int(time.time())))

    @router.get("/v1/models")
    async def models(request: Request):
        try:
            check_key(request, settings.api_key)
        except ApiError as exc:
            return exc.response()
        model = {"id": MODEL_ID, "object": "model", "created": created, "owned_by": "policyqa"}
        return JSONResponse({"object": "list", "data": [model]})

    return list(router.routes)
