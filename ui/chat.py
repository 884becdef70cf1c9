"""What the chat does with a question, a vote and a "查看原文" click; ui/app.py lays out the page and wires these.

The session keeps, next to the chat's messages, one record per message (``None`` for a question, the answer's
JSON plus an ``id`` for an answer): a 👍/👎 on message i is tied to record i, a [n] link or "查看原文" names an
answer by its id. Both lists are trimmed together, so a long session never grows past the request limit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from qa.inputs import InputError, bound_turns, check_scope, strip_markup
from qa.pipeline import Pipeline
from qa.types import Answer, Turn
from ui import document_view, render
from ui.feedback import save_vote

ALL = ""
THINKING = "正在查找相关条文……"
FAILED = "抱歉，处理这个问题时出错了，请稍后再试或换个问法。"
RETRY_ALL = "在全部文件中查找"
STREAM_PAUSE_S = 0.04
# The browser sends the whole chat with every question; the oldest messages leave the screen after this many,
# so a long session never grows past the request limit.
MAX_CHAT_MESSAGES = 100

Message = dict[str, Any]
log = logging.getLogger(__name__)


def parse_scope(scope: str | None) -> tuple[str | None, str | None]:
    """(doc, region) for ``pipeline.answer`` from a dropdown value."""
    scope = scope or ALL
    if scope.startswith("doc:"):
        return scope[4:] or None, None
    if scope.startswith("region:"):
        return None, scope[7:] or None
    return None, None


def scope_choices(pipeline: Pipeline) -> list[tuple[str, str]]:
    """Dropdown entries: all documents, one document (by title) or one region."""
    choices = [("查找范围：全部文件", ALL)]
    choices += [(f"只查文件：《{title}》", f"doc:{name}") for name, title in sorted(pipeline.documents.items())]
    choices += [(f"只查地区：{region}", f"region:{region}") for region in pipeline.regions]
    return choices


def filter_hint(scope: str, pipeline: Pipeline) -> str:
    """The line under a refusal when a filter was on: it may be the filter, not the documents, that lacks it."""
    doc, region = parse_scope(scope)
    if doc:
        where = f"《{pipeline.documents.get(doc, doc)}》"
    elif region:
        where = f"地区“{region}”的文件"
    else:
        return ""
    return f"（当前只在{where}中查找，其他文件可能有答案：点击下方“{RETRY_ALL}”。）"


def trimmed(chat: list[Message] | None, records: list[Any] | None, room: int) -> tuple[list[Message], list[Any]]:
    """The chat and its records with the oldest messages dropped so that ``room`` more fit."""
    chat, records = list(chat or []), list(records or [])
    records = (records + [None] * len(chat))[: len(chat)]  # the browser's chat decides the length
    keep = max(0, MAX_CHAT_MESSAGES - room)
    return chat[len(chat) - keep :] if keep else [], records[len(records) - keep :] if keep else []


def answer_message(answer: Answer, answer_id: int, hint: str = "") -> str:
    """An answer as the chat shows it: escaped text, [n] as links, then its sources (shown on a phone)."""
    text = render.as_text(answer.answer)
    if hint:
        text += "\n" + render.as_text(hint)
    return render.linked_markers(text, answer_id, (c.n for c in answer.citations)) + render.inline_sources(
        answer, answer_id
    )


@dataclass
class ChatHandlers:
    pipeline: Pipeline
    feedback_file: Path

    @property
    def settings(self):
        return self.pipeline.settings

    def turns_from(self, history: object) -> list[Turn]:
        """The earlier turns kept for a follow-up: the last few, each cut to the question limit."""
        return bound_turns(history, self.settings.max_history_turns, self.settings.max_question_chars)

    def respond(
        self, message: str, chat: list[Message], records: list[Any], history: list[dict[str, Any]], scope: str,
        next_id: int,
    ) -> Iterator[tuple[Any, ...]]:
        """Outputs: input box, chat, records, history, next id, sources panel, status, retry button."""
        message = message or ""
        chat, records = trimmed(chat, records, 2)
        chat += [{"role": "user", "content": render.question_text(message)}, {"role": "assistant", "content": THINKING}]
        records += [None, None]
        hidden = gr.update(visible=False)
        yield "", chat, records, history, next_id, render.LOADING, "", hidden
        try:
            doc, region = check_scope(*parse_scope(scope), self.pipeline.documents, self.pipeline.regions)
            turns = self.turns_from(history)
        except InputError as exc:
            chat[-1] = {"role": "assistant", "content": render.as_text(str(exc))}
            yield "", chat, records, history, next_id, render.PLACEHOLDER, "", hidden
            return
        try:
            answer = self.pipeline.answer(strip_markup(message), turns, doc=doc, region=region)
        except Exception:  # keep the session usable; the traceback goes to the server log
            log.exception("answering failed for %r", message[:200])
            chat[-1] = {"role": "assistant", "content": FAILED}
            yield "", chat, records, history, next_id, render.PLACEHOLDER, "", hidden
            return
        shown: list[str] = []
        for piece in render.answer_sentences(answer):
            shown.append(render.as_text(piece))
            chat[-1] = {"role": "assistant", "content": "\n".join(shown)}
            yield "", chat, records, history, next_id, render.LOADING, "", hidden
            time.sleep(STREAM_PAUSE_S)
        if answer.error:
            chat[-1] = {"role": "assistant", "content": render.as_text(answer.answer)}
            yield "", chat, records, history, next_id, render.sources_html(answer), "", hidden
            return
        answer_id = int(next_id or 0)
        hint = filter_hint(scope, self.pipeline) if answer.refused else ""
        chat[-1] = {"role": "assistant", "content": answer_message(answer, answer_id, hint)}
        records[-1] = {"id": answer_id, **answer.to_json(), "related": render.related_records(answer.passages)}
        turn = {"question": answer.question[: self.settings.max_question_chars], "answer": answer.answer}
        history = [*(history or []), turn][-self.settings.max_history_turns :]
        retry = gr.update(visible=bool(hint))
        yield "", chat, records, history, answer_id + 1, render.sources_html(answer, answer_id), "", retry

    @staticmethod
    def last_question(records: list[Any]) -> str:
        """The question of the latest answer (for "在全部文件中查找")."""
        for record in reversed(records or []):
            if isinstance(record, dict):
                return str(record.get("question", ""))
        return ""

    def vote(self, like: gr.LikeData, records: list[Any], comment: str) -> tuple[str, str]:
        """A 👍/👎 on one answer of the chat, saved with that answer's record. Outputs: status, comment box."""
        index = like.index if isinstance(like.index, int) else -1
        record = records[index] if 0 <= index < len(records or []) else None
        if not isinstance(record, dict):
            return "这条消息不是可评价的回答。", comment
        if like.liked is True:
            kind = "up"
        elif like.liked is False:
            kind = "down"
        else:  # a vote taken back: nothing to record
            return "", comment
        answer = {k: v for k, v in record.items() if k != "id"}
        saved, status = save_vote(self.feedback_file, answer, kind, comment)
        if saved:
            status = f"{status}（第 {sum(isinstance(r, dict) for r in records[: index + 1])} 个回答）"
        return status, "" if saved else comment  # an unsaved comment stays in the box for another try

    def view_document(self, request: str, records: list[Any]) -> tuple[Any, str]:
        """The document panel for "查看原文". Outputs: the panel (shown), its HTML."""
        parsed = document_view.parse_request(request)
        citation = document_view.find_citation(records, parsed) if parsed else None
        return gr.update(visible=True), document_view.document_html(self.pipeline.index, citation)
