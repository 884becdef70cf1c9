"""The chat app in a real headless Chromium (Debian's /usr/bin/chromium; no Playwright browser download)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TIMEOUT_MS = 60_000
INJECTION = "<img src=x onerror=alert(1)>"

if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
    pytest.skip("Chromium is not installed (make browser)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser, server_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(server_url)
    page.locator("#pq-input textarea").wait_for()
    yield page
    context.close()
    assert dialogs == [], f"a dialog fired: {dialogs}"


def bot_messages(page):
    return page.locator('#pq-chat [data-testid="bot"]')


def ask(page, question: str) -> str:
    """Type a question, press Enter, wait for the finished reply; returns its text."""
    before = bot_messages(page).count()
    box = page.locator("#pq-input textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        """([n, thinking]) => {
            const bots = document.querySelectorAll('#pq-chat [data-testid="bot"]');
            const last = bots.length > n ? bots[bots.length - 1].innerText : '';
            const status = document.querySelector('#pq-sources .pq-empty');
            return last !== '' && !last.includes(thinking) && !last.includes('Loading content')
                && !(status && status.innerText.includes('正在检索'));
        }""",
        arg=[before, "正在查找"],
    )
    return bot_messages(page).last.inner_text()


def test_answer_with_marker_and_highlight(page) -> None:
    assert page.title() == "policyqa · 政策问答"
    reply = ask(page, "香港的研发开支税务扣减是多少？")
    assert "300%" in reply and "[1]" in reply
    marks = page.locator("#pq-sources mark")
    assert marks.count() >= 1
    assert "300%" in " ".join(marks.all_inner_texts())
    assert "《香港便览：创新及科技》" in page.locator("#pq-sources").inner_text()


def test_follow_up_and_feedback(page, settings) -> None:
    ask(page, "香港研究人才库的研究人才每月津贴是多少？")
    reply = ask(page, "那博士呢？")
    assert re.search(r"35,000|10,000", reply), reply
    feedback = Path(settings.feedback_file)
    before = feedback.read_text(encoding="utf-8").count("\n") if feedback.exists() else 0
    page.locator("#pq-comment textarea, #pq-comment input").first.fill("很清楚")
    page.locator("#pq-up").click()
    page.get_by_text("已记录").wait_for()
    lines = feedback.read_text(encoding="utf-8").splitlines()
    assert len(lines) == before + 1
    record = json.loads(lines[-1])
    assert record["vote"] == "up" and record["question"] == "那博士呢？"
    assert record["comment"] == "很清楚" and record["citations"]


def test_script_injection_renders_as_text(page) -> None:
    ask(page, INJECTION)
    chat = page.locator("#pq-chat")
    assert INJECTION in chat.inner_text()
    assert chat.locator("img[src='x']").count() == 0
    assert page.locator("#pq-sources img").count() == 0


MARKDOWN = "[点我](http://127.0.0.1:9/x) ![图](http://127.0.0.1:9/y.png) **粗体** `代码` $$x^2$$ 研发扣减是多少？"


def test_markdown_in_a_message_shows_as_text(page) -> None:
    """A person's [link](…) and ![image](…) are shown as typed, never rendered (issue 10, item 7)."""
    reply = ask(page, MARKDOWN)
    chat = page.locator("#pq-chat")
    assert MARKDOWN in chat.inner_text()
    assert chat.locator("a[href*='127.0.0.1:9'], img[src*='y.png'], strong, code, .katex").count() == 0
    assert "\\" not in reply  # no escaping backslashes left visible


def test_multi_line_answer_keeps_its_lines(page, pipeline) -> None:
    """Without markdown, the chat still shows each cited statement on its own line."""
    questions = ["教育部2020年在网络安全方面有哪些工作要点？", "信阳市到2027年数据产业规模要达到多少？",
                 "东丽区的发展目标是什么？"]
    question, lines = next(
        ((q, lines) for q in questions if len(lines := pipeline.answer(q).answer.splitlines()) >= 2), (None, [])
    )
    assert question, "no multi-line answer among the questions"
    shown = [line.strip() for line in ask(page, question).splitlines() if line.strip()]
    assert shown == lines


def test_errors_are_shown(page) -> None:
    assert "请输入问题" in ask(page, "   ")
    assert "太长" in ask(page, "研发" * 2500)


def test_phone_width_stacks_and_screenshot(browser, server_url) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(server_url)
        ask(page, "香港的研发开支税务扣减是多少？")
        page.locator("#pq-sources mark").first.wait_for()
        chat_box = page.locator("#pq-chat").bounding_box()
        sources_box = page.locator("#pq-sources").bounding_box()
        assert chat_box and sources_box
        assert sources_box["y"] >= chat_box["y"] + chat_box["height"]  # below the chat, not beside it
        assert sources_box["x"] + sources_box["width"] <= 390 + 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "page scrolls sideways on a phone"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "mobile.png"), full_page=True)
    finally:
        context.close()
