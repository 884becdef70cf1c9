"""The Gradio chat app: ask in everyday language, read the answer, check every statement against its source."""

from __future__ import annotations

import logging
import os
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # imported after the line above: analytics stay off
from starlette.middleware import Middleware

from index.settings import Settings
from qa.inputs import InputError, bound_turns_json, check_request_chars, check_scope, strip_markup
from qa.pipeline import Pipeline
from qa.types import Answer
from ui import openai_api, render
from ui.chat import ALL, FAILED, RETRY_ALL, ChatHandlers, scope_choices
from ui.document_view import DOCUMENT_CSS
from ui.feedback import check_writable
from ui.limits import BodyLimit
from ui.page_script import PAGE_CSS, PAGE_JS, SCROLL_TO_PASSAGE_JS

TITLE = "policyqa · 政策问答"
EXAMPLES = [
    "我是香港的博士，做研发每月能拿多少补贴？",
    "香港的研发开支税务扣减是多少？",
    "東麗區2025年每萬人口高價值發明專利目標是多少？",
    "信阳市到2027年数据产业规模要达到多少？",
    "What is Zhongshan's target for R&D spending as a share of GDP by 2020?",
]
INTRO = (
    "## 政策问答\n用日常的话提问（简体、繁体或英文均可）。答案只取自政策文件原文，每句话都标注出处 [n]：点 [n] "
    "跳到它的来源，点“查看原文”读整份文件；文件里没有的内容，会直接告诉您没有找到。回答下方的 👍/👎 可评价该回答。"
)
BYTES_PER_CHAR = 8  # an HTTP body may hold max_request_chars characters as JSON escapes ("\\uXXXX") and framing

log = logging.getLogger(__name__)


def create_app(pipeline: Pipeline) -> gr.Blocks:
    settings = pipeline.settings
    feedback_file = settings.feedback_file
    feedback_problem = check_writable(feedback_file)
    if feedback_problem:
        log.warning("feedback cannot be saved (%s); 👍/👎 clicks will say so", feedback_problem)
    chat = ChatHandlers(pipeline, feedback_file)

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
        chat_page(pipeline, chat)  # one page today; an admin page would sit beside it (gr.Tab)
        gr.api(answer_api, api_name="answer")
    if settings.admin_token:  # the staff page "文件管理" (ui/admin.py) exists only when a token is set
        from ui.admin import add_admin_page

        add_admin_page(demo, pipeline)
    demo.queue(default_concurrency_limit=settings.answer_concurrency)
    return demo


def chat_page(pipeline: Pipeline, chat: ChatHandlers) -> None:
    """The chat page's components and events, inside the caller's ``gr.Blocks``."""

    def vote(records: list[Any], comment: str, like: gr.LikeData) -> tuple[str, str]:
        return chat.vote(like, records, comment)

    gr.Markdown(INTRO)
    history = gr.State([])
    records = gr.State([])  # one per chat message: None, or the answer's JSON with its id (ui/chat.py)
    next_id = gr.State(0)
    # "查看原文": the whole document, floating over the page (ui/document_view.py, ui/page_script.py).
    with gr.Column(visible=False, elem_id="pq-doc-panel") as doc_panel:
        with gr.Row(equal_height=True, elem_id="pq-doc-head"):
            gr.Markdown("**原文**（依据的段落已框出，支持答案的句子以黄色标出）")
            doc_close = gr.Button("关闭", size="sm", scale=0, min_width=70, elem_id="pq-doc-close")
        doc_html = gr.HTML("", elem_id="pq-doc", css_template=DOCUMENT_CSS, container=False)
    doc_request = gr.Textbox(visible="hidden", elem_id="pq-doc-request")
    doc_go = gr.Button("open", visible="hidden", elem_id="pq-doc-go")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=340):
            # Messages are our own escaped HTML: no markdown (a user's [link](…) or ![image](…) stays
            # text), no LaTeX. 👍/👎 under each answer is the chat's own like/dislike (.like below).
            chatbot = gr.Chatbot(
                label="对话", show_label=False, height=560, buttons=["copy"],
                feedback_options=("Like", "Dislike"), elem_id="pq-chat",
                placeholder="请在下方输入问题，或点击示例问题。", render_markdown=False, latex_delimiters=[],
            )
            retry = gr.Button(RETRY_ALL, visible=False, variant="secondary", elem_id="pq-retry")
            with gr.Row(equal_height=True, elem_id="pq-ask-row"):
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
            comment = gr.Textbox(
                show_label=False, placeholder="可选：补充说明，随下一次 👍/👎 一起提交", container=False,
                elem_id="pq-comment",
            )
            status = gr.Markdown("", elem_id="pq-feedback-status")
        with gr.Column(scale=2, min_width=300, elem_id="pq-side"):
            sources = gr.HTML(
                render.PLACEHOLDER, elem_id="pq-sources",
                css_template=render.SOURCES_CSS, js_on_load=None, container=True, padding=True,
            )
    # Our own buttons, not gr.Examples: its chips cut a long question off ("…share of GD...").
    gr.Markdown("示例问题（点击填入输入框）")
    with gr.Row(elem_id="pq-examples"):
        for question in EXAMPLES:
            chip = gr.Button(question, size="sm", min_width=160, elem_classes=["pq-example"])
            chip.click(lambda q=question: q, None, msg, api_visibility="private")

    ask_inputs = [msg, chatbot, records, history, scope, next_id]
    ask_outputs = [msg, chatbot, records, history, next_id, sources, status, retry]
    for event in (msg.submit, send.click):
        event(chat.respond, ask_inputs, ask_outputs, api_visibility="private")
    # "在全部文件中查找": the filter back to all documents, and the last question asked again.
    retry.click(
        lambda recs: (ALL, chat.last_question(recs)), [records], [scope, msg],
        api_visibility="private",
    ).then(chat.respond, ask_inputs, ask_outputs, api_visibility="private")
    chatbot.like(vote, [records, comment], [status, comment], api_visibility="private")
    doc_go.click(chat.view_document, [doc_request, records], [doc_panel, doc_html], api_visibility="private").then(
        None, js=SCROLL_TO_PASSAGE_JS
    )
    doc_close.click(lambda: gr.update(visible=False), None, doc_panel, api_visibility="private")

    def clear() -> tuple[Any, ...]:
        """Outputs: chat, records, history, sources, status, comment, input, scope, retry, document panel."""
        return [], [], [], render.PLACEHOLDER, "", "", "", ALL, gr.update(visible=False), gr.update(visible=False)

    cleared = [chatbot, records, history, sources, status, comment, msg, scope, retry, doc_panel]
    clear_btn.click(clear, None, cleared, api_visibility="private")


def launch_options(settings: Settings, pipeline: Pipeline | None = None) -> dict[str, Any]:
    """Keyword arguments for ``demo.launch``: our CSS, no share link, only the API page in the footer, and the
    request limits (every HTTP body, Gradio's own upload limit). ``show_error`` lets Gradio's own rejections
    (too few arguments, a value not among a dropdown's choices) reach the client as a message; our handlers
    catch everything else themselves. With a pipeline, the same server also serves the OpenAI-compatible API
    (ui/openai_api.py), its routes given to the FastAPI app Gradio creates."""
    api_routes = openai_api.routes(pipeline, settings) if pipeline is not None else []
    return {
        "css": PAGE_CSS,
        "js": PAGE_JS,
        "share": False,
        "footer_links": ["api"],
        "show_error": True,
        "max_file_size": settings.max_upload_bytes,
        "app_kwargs": {
            "routes": api_routes,
            "middleware": [
                Middleware(
                    BodyLimit,
                    max_bytes=settings.max_request_chars * BYTES_PER_CHAR,
                    upload_bytes=settings.max_upload_bytes,
                )
            ]
        },
    }
