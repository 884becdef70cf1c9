"""The Gradio chat app: ask in everyday language, read the answer, check every statement against its source."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # imported after the line above: analytics stay off

from qa.pipeline import Pipeline
from qa.types import Answer, Turn
from ui import render
from ui.feedback import record_feedback

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
MAX_TURNS = 20  # earlier exchanges kept for follow-up questions
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


def turns_from(history: list[dict[str, Any]]) -> list[Turn]:
    return [Turn(str(t.get("question", "")), str(t.get("answer", ""))) for t in history[-MAX_TURNS:]]


def _resolve_doc(pipeline: Pipeline, doc: str) -> str | None:
    """A seed file name from a file name or a title (as the API accepts both)."""
    doc = (doc or "").strip()
    if not doc:
        return None
    if doc in pipeline.documents:
        return doc
    by_title = {title.strip("《》"): name for name, title in pipeline.documents.items()}
    return by_title.get(doc.strip("《》"), doc)


def create_app(pipeline: Pipeline) -> gr.Blocks:
    feedback_file = pipeline.settings.feedback_file

    def respond(
        message: str, chat: list[Message], history: list[dict[str, Any]], scope: str
    ) -> Iterator[tuple[Any, ...]]:
        message = message or ""
        chat = [*(chat or []), {"role": "user", "content": render.question_text(message)}]
        chat.append({"role": "assistant", "content": THINKING})
        yield "", chat, history, render.LOADING, None, ""
        doc, region = parse_scope(scope)
        try:
            answer = pipeline.answer(message, turns_from(history or []), doc=doc, region=region)
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
        history = [*(history or []), {"question": message, "answer": answer.answer}][-MAX_TURNS:]
        yield "", chat, history, render.sources_html(answer), answer.to_json(), ""

    def vote(kind: str, last: dict[str, Any] | None, comment: str) -> tuple[str, str]:
        if not last:
            return "请先提问，得到回答后再评价。", comment
        record_feedback(feedback_file, last, kind, comment)
        return ("已记录：👍 有帮助，谢谢！" if kind == "up" else "已记录：👎 没帮助，谢谢指正！"), ""

    def clear() -> tuple[Any, ...]:
        return [], [], render.PLACEHOLDER, None, "", "", ""

    def answer_api(question: str, history_json: str = "[]", doc: str = "", region: str = "") -> dict:
        """Answer a question from the policy documents; returns the JSON of `policyqa ask --json`.

        history_json: earlier turns as a JSON list of {"question", "answer"}; doc: a seed file name or
        document title to search only that document; region: only documents of this region.
        """
        try:
            rows = json.loads(history_json or "[]")
        except json.JSONDecodeError as exc:
            raise gr.Error(f"history_json 不是合法的 JSON：{exc.msg}") from exc
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise gr.Error('history_json 必须是 JSON 列表，每项形如 {"question": "...", "answer": "..."}')
        doc_name, region_name = _resolve_doc(pipeline, doc), (region or "").strip() or None
        result: Answer = pipeline.answer(str(question or ""), turns_from(rows), doc=doc_name, region=region_name)
        return result.to_json()

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(
            "## 政策问答\n用日常的话提问（简体、繁体或英文均可）。答案只取自政策文件原文，每句话都标注出处 [n]，"
            "“来源”栏列出原文并标出依据的句子；文件里没有的内容，会直接告诉您没有找到。"
        )
        history = gr.State([])
        last = gr.State(None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=340):
                chatbot = gr.Chatbot(
                    label="对话", show_label=False, height=560, buttons=["copy"], feedback_options=None,
                    elem_id="pq-chat", placeholder="请在下方输入问题，或点击示例问题。",
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
    demo.queue(default_concurrency_limit=4)
    return demo


def launch_options() -> dict[str, Any]:
    """Keyword arguments for ``demo.launch``: our CSS, no share link, only the API page in the footer."""
    return {"css": CSS, "share": False, "footer_links": ["api"]}
