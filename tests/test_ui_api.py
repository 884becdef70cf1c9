"""The chat app's script API, through a real server and gradio_client; feedback and rendering units."""

from __future__ import annotations

import json
import threading

import pytest

from qa.types import Answer
from ui import render
from ui.feedback import append_feedback, make_record, record_feedback

pytestmark = pytest.mark.slow
INJECTION = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def client(server_url: str):
    from gradio_client import Client

    return Client(server_url, verbose=False)


def ask(client, question: str, history: list[dict] | None = None, doc: str = "", region: str = "") -> dict:
    return client.predict(question, json.dumps(history or [], ensure_ascii=False), doc, region, api_name="/answer")


def test_api_answers_with_cited_passage(client) -> None:
    result = ask(client, "香港的研发开支税务扣减是多少？")
    assert not result["refused"] and result["error"] is None
    assert "300%" in result["answer"]
    assert "[1]" in result["answer"]
    assert any("300%" in c["text"] for c in result["citations"])
    cited = next(c for c in result["citations"] if "300%" in c["text"])
    assert cited["title"] == "香港便览：创新及科技"
    assert any("300%" in cited["text"][s:e] for s, e in cited["highlights"])


def test_api_is_the_ask_json_shape(client, pipeline) -> None:
    result = ask(client, "香港的研发开支税务扣减是多少？")
    expected = pipeline.answer("香港的研发开支税务扣减是多少？").to_json()
    assert set(result) == set(expected)
    assert result["answer"] == expected["answer"]


def test_api_follow_up_uses_history(client) -> None:
    first = ask(client, "香港研究人才库的研究人才每月津贴是多少？")
    history = [{"question": first["question"], "answer": first["answer"]}]
    result = ask(client, "那博士呢？", history)
    assert not result["refused"]
    assert "35,000" in result["answer"] or "10,000" in result["answer"]


def test_api_filters_by_document_title_or_file(client, pipeline) -> None:
    name, title = next((n, t) for n, t in pipeline.documents.items() if "东丽" in t)
    for doc in (name, title):
        result = ask(client, "发展目标是什么？", doc=doc)
        assert {p["title"] for p in result["passages"]} == {title}


def test_api_empty_and_too_long_questions_get_clear_errors(client) -> None:
    empty = ask(client, "")
    assert empty["error"] and "请输入" in empty["answer"]
    long = ask(client, "香港" * 2500)
    assert long["error"] and "太长" in long["answer"]


def test_api_html_question_returns(client) -> None:
    result = ask(client, INJECTION)
    assert isinstance(result["answer"], str) and result["answer"]


def test_api_rejects_bad_history(client) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError):
        client.predict("那博士呢？", "{not json", "", "", api_name="/answer")


def test_concurrent_feedback_writes_stay_whole_lines(tmp_path) -> None:
    path = tmp_path / "sub" / "feedback.jsonl"
    answer = {"question": "问" * 300, "answer": "答" * 2000, "citations": [{"n": 1, "text": "文" * 3000}]}

    def write(i: int) -> None:
        append_feedback(path, make_record({**answer, "question": f"{i}:{answer['question']}"}, "up", f"c{i}"))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 50
    records = [json.loads(line) for line in lines]
    assert sorted(int(r["question"].split(":")[0]) for r in records) == list(range(50))
    assert all(r["vote"] == "up" and len(r["citations"][0]["text"]) == 3000 for r in records)


def test_feedback_record_fields(tmp_path) -> None:
    rec = record_feedback(tmp_path / "f.jsonl", {"question": "q", "answer": "a", "citations": []}, "down", " bad ")
    assert set(rec) == {"time", "question", "answer", "citations", "vote", "comment"}
    assert rec["comment"] == "bad"
    with pytest.raises(ValueError):
        make_record({}, "maybe")


def test_render_escapes_and_marks(pipeline) -> None:
    answer = pipeline.answer("香港的研发开支税务扣减是多少？")
    panel = render.sources_html(answer)
    assert "<mark>" in panel and "300%" in panel and "[1]" in panel
    assert "《香港便览：创新及科技》 › " in panel
    assert render.highlight("<b>a</b>bc", [(3, 4), (4, 6)]) == "&lt;b&gt;<mark>a&lt;/</mark>b&gt;bc"
    assert "<img" not in render.question_text(INJECTION)
    assert "<img" not in render.as_text(INJECTION)
    refusal = Answer(question="x", answer="没有", refused=True, passages=answer.passages)
    assert "可能相关的内容" in render.sources_html(refusal)
    assert render.sources_html(refusal).count('class="pq-source"') == 3
