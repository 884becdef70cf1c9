"""What a careless or hostile client sends to the real server on 127.0.0.1 (issue 10): oversized and malformed
requests, wrong argument types, unknown filters, uploads, HTML in questions. Every rejection says what was wrong."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from bench.common import api_call
from tests.conftest import free_port

pytestmark = pytest.mark.slow
TIMEOUT = httpx.Timeout(120.0, connect=10.0)


def call(url: str, data: list, api: str = "answer") -> tuple[str, object]:
    """One call through Gradio's REST API (POST then the SSE stream): (final event, its data)."""
    with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
        event, payload = api_call(http, api, data)
    return (event, payload.text) if isinstance(payload, httpx.Response) else (event, payload)


def error_of(url: str, data: list) -> str:
    """The message of a rejected call (Gradio sends {"error": message, ...}; {"error": null} says nothing)."""
    event, payload = call(url, data)
    assert event == "error", (event, str(payload)[:300])
    message = payload.get("error") if isinstance(payload, dict) else payload
    assert isinstance(message, str) and message, f"no message: {payload!r}"
    return message


# --- 1. bounded requests ---------------------------------------------------------------------------------


def test_oversized_history_is_refused_with_a_message(server_url, settings) -> None:
    history = json.dumps([{"question": "研发" * 60_000, "answer": ""}], ensure_ascii=False)
    assert len(history) > settings.max_request_chars
    started = time.monotonic()
    msg = error_of(server_url, ["那博士呢？", history, "", ""])
    assert "太长" in msg or "太大" in msg
    assert time.monotonic() - started < 60  # bounded loop guard, not a speed target


def test_oversized_body_is_refused_at_the_door(server_url) -> None:
    body = {"data": ["香港", "[]", "", "x" * 2_000_000]}
    with httpx.Client(base_url=server_url, timeout=TIMEOUT) as http:
        response = http.post("gradio_api/call/answer", json=body)
        assert response.status_code == 413
        assert "请求太大" in response.json()["error"]
        # A body sent in chunks, with no length announced, is counted as it arrives.
        chunks = (b'{"data": ["' + b"x" * 100_000 for _ in range(20))
        response = http.post("gradio_api/queue/join", content=chunks, headers={"content-type": "application/json"})
        assert response.status_code == 413


def test_many_long_earlier_turns_still_answer(server_url) -> None:
    history = [{"question": "香港研究人才库的研究人才每月津贴是多少？" + "。" * 1000, "answer": "答" * 1000}] * 30
    event, result = call(server_url, ["那博士呢？", json.dumps(history, ensure_ascii=False), "", ""])
    assert event == "complete" and result[0]["error"] is None


# --- 3. uploads ------------------------------------------------------------------------------------------


def upload(url: str, size: int) -> httpx.Response:
    with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
        return http.post("gradio_api/upload", files={"files": ("a.txt", b"x" * size, "text/plain")})


def test_uploads_are_limited(server_url, settings) -> None:
    too_big = upload(server_url, settings.max_upload_bytes + 1)
    assert too_big.status_code == 413
    assert upload(server_url, 2_000_000).status_code == 413


@pytest.fixture()
def short_lived_uploads_server(pipeline):
    """A second real server whose uploads are kept 1 s."""
    from qa.pipeline import Pipeline
    from ui.app import create_app, launch_options

    settings = pipeline.settings.replace(upload_keep_seconds=1)
    quick = Pipeline(settings, embedder=pipeline.embedder, index=pipeline.index, progress=False)
    demo = create_app(quick)
    port = free_port()
    demo.launch(
        prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True, **launch_options(settings)
    )
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


def test_stored_uploads_are_cleaned_up(short_lived_uploads_server) -> None:
    response = upload(short_lived_uploads_server, 1000)
    assert response.status_code == 200
    (stored,) = response.json()
    assert Path(stored).is_file()
    deadline = time.monotonic() + 30
    while Path(stored).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(stored).exists()


# --- 4. malformed arguments get a message, never {"error": null} -------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (["那博士呢？", [{"question": "香港研究人才库的研究人才每月津贴是多少？"}], "", ""], ["JSON 文本"]),
        (["那博士呢？", "[" * 40_000 + "]" * 40_000, "", ""], ["嵌套太深"]),
        (["那博士呢？", '{"question": "q"}', "", ""], ["列表"]),
        (["发展目标是什么？", "[]", 3, ""], ["文件筛选", "文字"]),
        (["发展目标是什么？", "[]", ["003_0162c2ce5302660f.txt"], ""], ["文件筛选", "文字"]),
        (["发展目标是什么？", "[]", "", {"region": "香港"}], ["地区筛选", "文字"]),
        (["香港"], ["needed: 4, got: 1"]),
        ([], ["needed: 4, got: 0"]),
    ],
    ids=[
        "history-list",
        "history-deep",
        "history-object",
        "doc-number",
        "doc-list",
        "region-object",
        "one-argument",
        "no-arguments",
    ],
)
def test_malformed_arguments_get_a_message(server_url, data, words) -> None:
    msg = error_of(server_url, data)
    assert all(w in msg for w in words), msg
    assert "Traceback" not in msg


def test_question_that_is_not_text_is_an_answer_error(server_url) -> None:
    event, result = call(server_url, [["香港"], "[]", "", ""])
    assert event == "complete" and "文字" in result[0]["error"]


@pytest.mark.parametrize("doc", ["../../etc/passwd", "no_such_file.txt"])
def test_unknown_document_filter_lists_the_documents(server_url, pipeline, doc) -> None:
    msg = error_of(server_url, ["发展目标是什么？", "[]", doc, ""])
    assert f"没有名为“{doc}”的文件" in msg
    assert all(name in msg and title in msg for name, title in pipeline.documents.items())


def test_unknown_region_filter_lists_the_regions(server_url, pipeline) -> None:
    msg = error_of(server_url, ["发展目标是什么？", "[]", "", "火星"])
    assert "没有名为“火星”的地区" in msg
    assert pipeline.regions and all(region in msg for region in pipeline.regions)


def test_known_filters_still_answer(server_url, pipeline) -> None:
    region = pipeline.regions[0]
    event, result = call(server_url, ["发展目标是什么？", "[]", "", region])
    assert event == "complete" and result[0]["error"] is None


# --- 7. HTML in a question is never echoed -------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>佛山市的补贴是多少？", "佛山<img src=x onerror=x"],
)
def test_answer_never_repeats_html(server_url, question) -> None:
    event, result = call(server_url, [question, "[]", "", ""])
    assert event == "complete"
    for field in ("answer", "question"):
        assert "<img" not in result[0][field] and "<script" not in result[0][field], result[0][field]
