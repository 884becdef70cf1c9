"""The chat app in a real headless Chromium (Debian's /usr/bin/chromium; no Playwright browser download)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
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


def feedback_lines(settings) -> list[str]:
    feedback = Path(settings.feedback_file)
    return feedback.read_text(encoding="utf-8").splitlines() if feedback.exists() else []


def test_follow_up_and_like_on_the_second_answer(page, settings) -> None:
    """👍 under the second of two answers records the second answer, with the comment (the chat's own .like)."""
    ask(page, "香港研究人才库的研究人才每月津贴是多少？")
    reply = ask(page, "那博士呢？")
    assert re.search(r"35,000|10,000", reply), reply
    before = len(feedback_lines(settings))
    page.locator("#pq-comment textarea, #pq-comment input").first.fill("很清楚")
    page.locator('#pq-chat button[aria-label="Like"]').nth(1).click()
    page.get_by_text("已记录").wait_for()
    lines = feedback_lines(settings)
    assert len(lines) == before + 1
    record = json.loads(lines[-1])
    assert record["vote"] == "up" and record["question"] == "那博士呢？"
    assert record["comment"] == "很清楚" and record["citations"]
    assert re.search(r"35,000|10,000", record["answer"])
    page.locator('#pq-chat button[aria-label="Dislike"]').nth(0).click()
    page.get_by_text("第 1 个回答").wait_for()
    record = json.loads(feedback_lines(settings)[-1])
    assert record["vote"] == "down" and record["question"] == "香港研究人才库的研究人才每月津贴是多少？"


def in_view(page, selector: str) -> bool:
    """The first element matching ``selector`` lies inside the window (and, if it scrolls, its panel)."""
    return page.evaluate(
        """(sel) => { const el = document.querySelector(sel); if (!el) return false;
            const r = el.getBoundingClientRect();
            return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""",
        selector,
    )


def test_marker_scrolls_to_its_card_and_view_opens_the_document(page) -> None:
    ask(page, "香港的研发开支税务扣减是多少？")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # the card is out of view first
    page.locator("#pq-chat a.pq-cite").first.click()
    card = '#pq-sources .pq-source[data-n="1"]'
    page.wait_for_function("(sel) => document.querySelector(sel).classList.contains('pq-flash')", arg=card)
    assert in_view(page, card)
    page.locator(f"{card} a.pq-view").click()
    page.locator("#pq-doc-passage mark").first.wait_for()
    page.wait_for_function(
        "() => { const r = document.querySelector('#pq-doc-passage').getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight; }"
    )
    assert "300%" in page.locator("#pq-doc-passage mark").first.inner_text()
    head = page.locator("#pq-doc .pq-doc-title").inner_text()
    assert head.startswith("《香港便览：创新及科技》 › ")
    # the whole document, not only the passage
    whole, passage = (page.locator(s).inner_text() for s in ("#pq-doc .pq-doc-text", "#pq-doc-passage"))
    assert len(whole) > 5 * len(passage)
    page.locator("#pq-doc-close").click()
    page.locator("#pq-doc-panel").wait_for(state="hidden")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "desktop.png"))


def test_marker_of_an_earlier_answer_opens_its_own_source(page) -> None:
    """The side panel shows the latest answer; [1] of an earlier one opens that answer's own source line."""
    ask(page, "香港的研发开支税务扣减是多少？")
    ask(page, "信阳市到2027年数据产业规模要达到多少？")
    page.locator("#pq-chat a.pq-cite").first.click()
    item = "#pq-chat .pq-inline.pq-a-0 .pq-inline-item.pq-n-1"
    page.wait_for_function("(sel) => document.querySelector(sel).open", arg=item)
    assert in_view(page, item)
    assert "300%" in page.locator(f"{item} mark").first.inner_text()


def test_related_passage_of_a_refusal_opens_its_document(page) -> None:
    ask(page, "信阳市数据交易所的注册资本是多少？")
    assert "可能相关的内容" in page.locator("#pq-sources").inner_text()
    page.locator("#pq-sources a.pq-view").first.click()
    page.locator("#pq-doc-passage").wait_for()
    first_card = page.locator("#pq-sources .pq-source .pq-text").first.inner_text().rstrip("…")
    assert first_card[:40] in page.locator("#pq-doc-passage").inner_text()


def choose_scope(page, label: str) -> None:
    page.locator("#pq-scope input").click()
    page.get_by_role("option", name=label).click()


def test_filter_refusal_hints_and_searches_everywhere(page, pipeline) -> None:
    region = next(r for r in pipeline.regions if "香港" in r)
    choose_scope(page, f"只查地区：{region}")
    reply = ask(page, "东丽区2025年每万人口高价值发明专利拥有量目标是多少？")
    assert "当前只在" in reply and "13件" not in reply
    retry = page.locator("#pq-retry")
    retry.wait_for()
    retry.click()
    page.wait_for_function(
        "() => { const b = document.querySelectorAll('#pq-chat [data-testid=\"bot\"]');"
        " return b.length === 2 && b[1].innerText.includes('13件'); }"
    )
    assert page.locator("#pq-scope input").input_value() == "查找范围：全部文件"
    assert not retry.is_visible()
    choose_scope(page, f"只查地区：{region}")
    page.locator("#pq-clear").click()  # 清空 resets the filter too
    page.wait_for_function("() => document.querySelector('#pq-scope input').value === '查找范围：全部文件'")
    assert bot_messages(page).count() == 0


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
    questions = [
        "教育部2020年在网络安全方面有哪些工作要点？",
        "信阳市到2027年数据产业规模要达到多少？",
        "东丽区的发展目标是什么？",
    ]
    question, lines = next(
        ((q, lines) for q in questions if len(lines := pipeline.answer(q).answer.splitlines()) >= 2), (None, [])
    )
    assert question, "no multi-line answer among the questions"
    shown = [line.strip() for line in ask(page, question).splitlines() if line.strip()]
    assert shown == lines


def test_errors_are_shown(page) -> None:
    assert "请输入问题" in ask(page, "   ")
    assert "太长" in ask(page, "研发" * 2500)


def test_phone_width_shows_sources_under_the_answer_and_screenshot(browser, server_url) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(server_url)
        ask(page, "香港的研发开支税务扣减是多少？")
        answer = bot_messages(page).first
        source = page.locator("#pq-chat .pq-inline-item").first
        assert source.is_visible()
        answer_box, source_box = answer.bounding_box(), source.bounding_box()
        assert answer_box and source_box
        # right under the answer text, within one screen height, one line when closed
        assert answer_box["y"] <= source_box["y"] <= answer_box["y"] + 844 - source_box["height"]
        assert source_box["height"] < 40
        source.locator("summary").click()
        assert "300%" in source.locator("mark").first.inner_text()
        assert page.locator("#pq-input textarea").is_visible()
        assert not page.locator("#pq-sources").is_visible()  # no second copy of the sources further down
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "page scrolls sideways on a phone"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "mobile.png"))
    finally:
        context.close()


def test_examples_are_shown_whole(page) -> None:
    texts = page.locator("#pq-examples button").all_inner_texts()
    assert any(t.startswith("What is Zhongshan") and t.rstrip().endswith("by 2020?") for t in texts), texts


def test_desktop_keeps_the_side_panel(page) -> None:
    ask(page, "香港的研发开支税务扣减是多少？")
    chat_box = page.locator("#pq-chat").bounding_box()
    sources_box = page.locator("#pq-sources").bounding_box()
    assert chat_box and sources_box and sources_box["x"] >= chat_box["x"] + chat_box["width"]
    assert not page.locator("#pq-chat .pq-inline").first.is_visible()
