"""The OpenAI-compatible API through the real `openai` client (and raw HTTP for malformed bodies), on 127.0.0.1."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.slow
QUESTION = "香港的研发开支税务扣减是多少？"
KEY = "test-key-0123456789"


@pytest.fixture(scope="module")
def api(server_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=server_url + "v1", api_key="unused", max_retries=0, timeout=120)


@pytest.fixture(scope="module")
def keyed_url(pipeline):
    """A second real server on the same pipeline whose API requires a bearer token."""
    from ui.app import create_app, launch_options

    demo = create_app(pipeline)
    port = free_port()
    options = launch_options(pipeline.settings.replace(api_key=KEY), pipeline)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True, **options)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


def ask(api: openai.OpenAI, question: str, **extra):
    return api.chat.completions.create(model="policyqa", messages=[{"role": "user", "content": question}], **extra)


def test_models_lists_policyqa(api) -> None:
    assert [m.id for m in api.models.list()] == ["policyqa"]


def test_completion_has_markers_sources_and_citations(api) -> None:
    reply = ask(api, QUESTION)
    text = reply.choices[0].message.content
    assert reply.model == "policyqa" and reply.choices[0].finish_reason == "stop"
    assert "300%" in text and "[1]" in text
    answer, sources = text.split("\n\n来源：\n")
    assert sources.startswith("[1] 《香港便览：创新及科技》")
    citations = reply.model_extra["citations"]
    assert reply.model_extra["refused"] is False
    assert [c["n"] for c in citations] == list(range(1, len(citations) + 1))
    cited = next(c for c in citations if "300%" in c["text"])
    assert any("300%" in cited["text"][s:e] for s, e in cited["highlights"])
    assert f"[{cited['n']}]" in answer


def test_stream_gives_the_same_reply_in_chunks(api) -> None:
    plain = ask(api, QUESTION)
    chunks = list(ask(api, QUESTION, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert len(chunks) > 3  # role, several lines, end
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == plain.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["citations"] == plain.model_extra["citations"]
    assert len({c.id for c in chunks}) == 1


def test_stream_is_server_sent_events_ending_with_done(server_url) -> None:
    body = {"model": "policyqa", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with httpx.stream("POST", server_url + "v1/chat/completions", json=body, timeout=120) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = [line for line in r.iter_lines() if line]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    assert json.loads(events[0][6:])["object"] == "chat.completion.chunk"


def test_follow_up_through_the_messages_list(api) -> None:
    first = ask(api, "香港研究人才库的研究人才每月津贴是多少？").choices[0].message.content
    messages = [
        {"role": "system", "content": "你是政策助手"},
        {"role": "user", "content": "香港研究人才库的研究人才每月津贴是多少？"},
        {"role": "assistant", "content": first},
        {"role": "user", "content": [{"type": "text", "text": "那硕士呢？"}]},
    ]
    follow = api.chat.completions.create(model="policyqa", messages=messages)
    assert not follow.model_extra["refused"]
    assert "23,000" in follow.choices[0].message.content
    alone = ask(api, "那硕士呢？")  # without the history the same words do not find that allowance
    assert alone.choices[0].message.content != follow.choices[0].message.content


def test_scope_by_document_and_region(api, pipeline) -> None:
    name, title = next((n, t) for n, t in pipeline.documents.items() if "东丽" in t)
    question = "2025年每万人口高价值发明专利拥有量目标是多少？"
    reply = ask(api, question, extra_body={"doc": title})
    assert "13件" in reply.choices[0].message.content
    assert {c["doc"] for c in reply.model_extra["citations"]} == {name}
    region = pipeline.index.documents[name].meta.region
    assert ask(api, question, extra_body={"region": region}).model_extra["citations"][0]["doc"] == name
    other = next(d.meta.region for n, d in pipeline.index.documents.items() if d.meta.region != region)
    elsewhere = ask(api, question, extra_body={"region": other})  # the scope is obeyed: no 东丽 passage
    assert name not in {c["doc"] for c in elsewhere.model_extra["citations"]}
    assert "13件" not in elsewhere.choices[0].message.content
    with pytest.raises(openai.BadRequestError) as err:
        ask(api, question, extra_body={"doc": "没有这个文件.txt"})
    assert "没有名为" in err.value.body["message"]


def test_api_key_is_required_when_set(keyed_url) -> None:
    wrong = openai.OpenAI(base_url=keyed_url + "v1", api_key="wrong", max_retries=0, timeout=120)
    with pytest.raises(openai.AuthenticationError) as err:
        ask(wrong, QUESTION)
    assert err.value.status_code == 401 and err.value.body["code"] == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):
        wrong.models.list()
    assert httpx.get(keyed_url + "v1/models", timeout=30).status_code == 401  # no header at all
    right = openai.OpenAI(base_url=keyed_url + "v1", api_key=KEY, max_retries=0, timeout=120)
    assert [m.id for m in right.models.list()] == ["policyqa"]
    assert "300%" in ask(right, QUESTION).choices[0].message.content


def post(server_url: str, content: bytes | str) -> httpx.Response:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return httpx.post(
        server_url + "v1/chat/completions", content=data, timeout=120, headers={"content-type": "application/json"}
    )


def user(text: object) -> list[dict]:
    return [{"role": "user", "content": text}]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ("{not json", 400, "not valid JSON"),
        (b"\xff\xfe{}", 400, "not valid JSON"),
        ("[" * 100_000, 400, "not valid JSON"),
        ('["a list"]', 400, "JSON object"),
        (json.dumps({"model": "policyqa"}), 400, "messages"),
        (json.dumps({"messages": "你好"}), 400, "messages"),
        (json.dumps({"messages": []}), 400, "messages"),
        (json.dumps({"messages": [42]}), 400, "messages[0]"),
        (json.dumps({"messages": [{"role": "robot", "content": "你好"}]}), 400, "role"),
        (json.dumps({"messages": user(42)}), 400, "content"),
        (json.dumps({"messages": user([{"type": "image_url", "image_url": {"url": "x"}}])}), 400, "text parts"),
        (json.dumps({"messages": [{"role": "assistant", "content": "你好"}]}), 400, "last message"),
        (json.dumps({"messages": user(QUESTION), "stream": "yes"}), 400, "stream"),
        (json.dumps({"messages": user(QUESTION), "doc": 7}), 400, "文字"),
        (json.dumps({"messages": user("研发" * 2500)}), 400, "太长"),
        (json.dumps({"messages": user("   ")}), 400, "请输入"),
        (json.dumps({"messages": user("研发" * 60_000)}), 400, "请求太大"),
        (json.dumps({"model": "gpt-4o", "messages": user(QUESTION)}), 404, "does not exist"),
    ],
)
def test_bad_requests_get_openai_errors(server_url, body, status, says) -> None:
    r = post(server_url, body)
    assert r.status_code == status, r.text[:300]
    error = r.json()["error"]
    assert set(error) == {"message", "type", "code", "param"}
    assert says in error["message"] and error["type"] == "invalid_request_error"
    assert "Traceback" not in r.text


def test_too_large_body_gets_an_openai_error(server_url, settings) -> None:
    r = post(server_url, b"x" * (settings.max_request_chars * 8 + 1))
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "request_too_large"


def test_unknown_model_through_the_client(api) -> None:
    with pytest.raises(openai.NotFoundError) as err:
        api.chat.completions.create(model="gpt-4o", messages=user(QUESTION))
    assert err.value.body["code"] == "model_not_found"
