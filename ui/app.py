"""The Gradio chat app: ask in everyday language, read the answer, check every statement against its source."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # imported after the line above: analytics stay off
from starlette.middleware import Middleware

from index.settings import Settings
from qa.inputs import InputError, bound_turns, bound_turns_json, check_request_chars, check_scope, strip_markup
from qa.pipeline import Pipeline
from qa.types import Answer, Turn
from ui import render
from ui.feedback import check_writable, save_vote
from ui.limits import BodyLimit

TITLE = "policyqa · 政策问答"
EXAMPLES = [
    "我是香港的博士，做研发每月能拿多少补贴？",
    "香港的研发开支税务扣减是多少？",
    "東麗區2025年每萬人口高價值發明專利目標是多少？",
    "信阳市到2027年数据产业规模要达到多少？",
    "What is Zhongshan's target for R&D spending as a share of GDP by 2020?",
]
ALL = ""
THINKING = "正在查找相关条文……"
FAILED = "抱歉，处理这个问题时出错了，请稍后再试或换个问法。"
STREAM_PAUSE_S = 0.04
# The browser sends the whole chat with every question; the oldest messages leave the screen after this many,
# so a long session never grows past the request limit.
MAX_CHAT_MESSAGES = 100
BYTES_PER_CHAR = 8  # an HTTP body may hold max_request_chars characters as JSON escapes ("\\uXXXX") and framing
CSS = """
#pq-feedback-status { min-height: 1.5em; }
"""

Message = dict[str, Any]
log = logging.getLogger(__name__)


def scope_choices(pipeline: Pipeline) -> list[tuple[str, str]]:
    """Dropdown entries: all documents, one document (by title) or one region."""
    choices = [("查找范围：全部文件", ALL)]
    choices += [(f"只查文件：《{title}》", f"doc:{name}") for name, title in sorted(pipeline.documents.items())]
    choices += [(f"只查地区：{region}", f"region:{region}") for region in pipeline.regions]
    return choices


def parse_scope(scope: str | None) -> tuple[str | None, str | None]:
    """(doc, region) for ``pipeline.answer`` from a dropdown value."""
    scope = scope or ALL
    if scope.startswith("doc:"):
        return scope[4:] or None, None
    if scope.startswith("region:"):
        return None, scope[7:] or None
    return None, None


def turns_from(history: object, settings: Settings) -> list[Turn]:
    """The earlier turns kept for a follow-up: the last few, each question and answer cut to the question limit."""
    return bound_turns(history, settings.max_history_turns, settings.max_question_chars)


def create_app(pipeline: Pipeline) -> gr.Blocks:
    settings = pipeline.settings
    feedback_file = settings.feedback_file
    feedback_problem = check_writable(feedback_file)
    if feedback_problem:
        log.warning("feedback cannot be saved (%s); 👍/👎 clicks will say so", feedback_problem)

    def respond(
        message: str, chat: list[Message], history: list[dict[str, Any]], scope: str
    ) -> Iterator[tuple[Any, ...]]:
        message = message or ""
        chat = [*(chat or [])[-(MAX_CHAT_MESSAGES - 2) :], {"role": "user", "content": render.question_text(message)}]
        chat.append({"role": "assistant", "content": THINKING})
        yield "", chat, history, render.LOADING, None, ""
        try:
            doc, region = check_scope(*parse_scope(scope), pipeline.documents, pipeline.regions)
            turns = turns_from(history, settings)
        except InputError as exc:
            chat[-1] = {"role": "assistant", "content": render.as_text(str(exc))}
            yield "", chat, history, render.PLACEHOLDER, None, ""
            return
        try:
            answer = pipeline.answer(strip_markup(message), turns, doc=doc, region=region)
        except Exception:  # keep the session usable; the traceback goes to the server log
            log.exception("answering failed for %r", message[:200])
            chat[-1] = {"role": "assistant", "content": FAILED}
            yield "", chat, history, render.PLACEHOLDER, None, ""
            return
        shown: list[str] = []
        for piece in render.answer_sentences(answer):
            shown.append(render.as_text(piece))
            chat[-1] = {"role": "assistant", "content": "\n".join(shown)}
            yield "", chat, history, render.LOADING, None, ""
            time.sleep(STREAM_PAUSE_S)
        if answer.error:
            yield "", chat, history, render.sources_html(answer), None, ""
            return
        turn = {"question": answer.question[: settings.max_question_chars], "answer": answer.answer}
        history = [*(history or []), turn][-settings.max_history_turns :]
        yield "", chat, history, render.sources_html(answer), answer.to_json(), ""

    def vote(kind: str, last: dict[str, Any] | None, comment: str) -> tuple[str, str]:
        saved, status = save_vote(feedback_file, last, kind, comment)
        return status, "" if saved else comment  # an unsaved comment stays in the box for another try

    def clear() -> tuple[Any, ...]:
        return [], [], render.PLACEHOLDER, None, "", "", ""

    def answer_api(question: str, history_json: str = "[]", doc: str = "", region: str = "") -> dict:
        """Answer a question from the policy documents; returns the JSON of `policyqa ask --json`.

        history_json: earlier turns as a JSON list of {"question", "answer"}; doc: a seed file name or
        document title to search only that document; region: only documents of this region.
        """
        try:
            # Sizes and shapes first: nothing below parses or searches an unbounded input.
            check_request_chars([question, history_json, doc, region], settings.max_request_chars)
            turns = bound_turns_json(
                history_json, settings.max_history_turns, settings.max_question_chars, settings.max_request_chars
            )
            doc_name, region_name = check_scope(doc, region, pipeline.documents, pipeline.regions)
        except InputError as exc:
            raise gr.Error(str(exc), title="请求有误", print_exception=False) from exc
        # Tags are dropped so that an answer quoting the question is safe for a caller who renders it as HTML.
        asked = strip_markup(question) if isinstance(question, str) else question
        try:
            result: Answer = pipeline.answer(asked, turns, doc=doc_name, region=region_name)
        except Exception as exc:  # the traceback goes to the server log, the caller gets a sentence
            log.exception("answering failed for %r", str(question)[:200])
            raise gr.Error(FAILED, print_exception=False) from exc
        return result.to_json()

    # Stored uploads (Gradio's upload route is open to anyone) are deleted after upload_keep_seconds.
    keep = max(1, settings.upload_keep_seconds)
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(keep, keep)) as demo:
        gr.Markdown(
            "## 政策问答\n用日常的话提问（简体、繁体或英文均可）。答案只取自政策文件原文，每句话都标注出处 [n]，"
            "“来源”栏列出原文并标出依据的句子；文件里没有的内容，会直接告诉您没有找到。"
        )
        history = gr.State([])
        last = gr.State(None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=340):
                # Messages are plain text: no markdown (a user's [link](…) or ![image](…) stays text), no LaTeX.
                chatbot = gr.Chatbot(
                    label="对话", show_label=False, height=560, buttons=["copy"], feedback_options=None,
                    elem_id="pq-chat", placeholder="请在下方输入问题，或点击示例问题。",
                    render_markdown=False, latex_delimiters=[],
                )
                with gr.Row(equal_height=True):
                    msg = gr.Textbox(
                        show_label=False, placeholder="请输入您的问题，按回车发送", scale=5, min_width=200,
                        lines=1, max_lines=6, container=False, elem_id="pq-input",
                    )
                    send = gr.Button("发送", variant="primary", scale=1, min_width=70, elem_id="pq-send")
                with gr.Row(equal_height=True):
                    scope = gr.Dropdown(
                        choices=scope_choices(pipeline), value=ALL, show_label=False, container=False, scale=4,
                        min_width=200, elem_id="pq-scope",
                    )
                    clear_btn = gr.Button("清空", scale=1, min_width=70, elem_id="pq-clear")
                with gr.Row(equal_height=True):
                    up = gr.Button("👍 有帮助", scale=1, min_width=90, elem_id="pq-up")
                    down = gr.Button("👎 没帮助", scale=1, min_width=90, elem_id="pq-down")
                    comment = gr.Textbox(
                        show_label=False, placeholder="可选：补充说明（随评价一起提交）", scale=3, min_width=160,
                        container=False, elem_id="pq-comment",
                    )
                status = gr.Markdown("", elem_id="pq-feedback-status")
            with gr.Column(scale=2, min_width=300):
                sources = gr.HTML(
                    render.PLACEHOLDER, elem_id="pq-sources",
                    css_template=render.SOURCES_CSS, js_on_load=None, container=True, padding=True,
                )
        gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[msg], label="示例问题（点击填入输入框）")

        outputs = [msg, chatbot, history, sources, last, status]
        for event in (msg.submit, send.click):
            event(respond, [msg, chatbot, history, scope], outputs, api_visibility="private")
        up.click(lambda lst, c: vote("up", lst, c), [last, comment], [status, comment], api_visibility="private")
        down.click(lambda lst, c: vote("down", lst, c), [last, comment], [status, comment], api_visibility="private")
        cleared = [chatbot, history, sources, last, status, comment, msg]
        clear_btn.click(clear, None, cleared, api_visibility="private")
        chatbot.clear(clear, None, cleared, api_visibility="private")  # the chat's own 🗑 button
        gr.api(answer_api, api_name="answer")
    if settings.admin_token:  # the staff page "文件管理" (ui/admin.py) exists only when a token is set
        from ui.admin import add_admin_page

        add_admin_page(demo, pipeline)
    demo.queue(default_concurrency_limit=4)
    return demo


def launch_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``demo.launch``: our CSS, no share link, only the API page in the footer, and the
    request limits (every HTTP body, Gradio's own upload limit). ``show_error`` lets Gradio's own rejections
    (too few arguments, a value not among a dropdown's choices) reach the client as a message; our handlers
    catch everything else themselves."""
    return {
        "css": CSS,
        "share": False,
        "footer_links": ["api"],
        "show_error": True,
        "max_file_size": settings.max_upload_bytes,
        "app_kwargs": {
            "middleware": [
                Middleware(
                    BodyLimit,
                    max_bytes=settings.max_request_chars * BYTES_PER_CHAR,
                    upload_bytes=settings.max_upload_bytes,
                )
            ]
        },
    }
