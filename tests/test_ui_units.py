"""The chat's rendering, document view and vote mapping, on the real pipeline's answers (no server)."""

from __future__ import annotations

import html
import json

import gradio as gr
import pytest
from markdown_it import MarkdownIt

from ui import document_view, render
from ui.chat import ChatHandlers, filter_hint, trimmed

QUESTION = "香港的研发开支税务扣减是多少？"


@pytest.fixture(scope="module")
def answer(pipeline):
    return pipeline.answer(QUESTION)


def test_numbered_lines_stay_text_under_markdown() -> None:
    text = "7. 加强知识产权保护\n18) 完善服务体系\n  3. 其他\n第7. 条不动"
    shown = render.as_text(text)
    assert html.unescape(shown) == text  # the person sees exactly the document's text
    rendered = MarkdownIt().render(shown)
    assert "<ol" not in rendered and "<li" not in rendered
    assert "<ol" in MarkdownIt().render(html.escape(text))  # what the plain escape gave: a list


def test_markers_link_only_cited_numbers() -> None:
    shown = render.linked_markers(render.as_text("甲[1]乙[2]<b>[3]</b>"), 7, [1, 3])
    assert '<a class="pq-cite" href="#pq-cite-7-1">[1]</a>' in shown
    assert '<a class="pq-cite" href="#pq-cite-7-3">[3]</a>' in shown
    assert "乙[2]" in shown and "<b>" not in shown


def test_cards_and_inline_sources_carry_their_answer(answer) -> None:
    panel = render.sources_html(answer, 4)
    assert 'data-answer="4"' in panel and 'id="pq-src-1"' in panel and 'href="#pq-view-4-1"' in panel
    inline = render.inline_sources(answer, 4)
    assert "pq-a-4" in inline and "pq-n-1" in inline and "<mark>" in inline
    assert render.inline_sources(type(answer)(question="q", answer="没有", refused=True), 4) == ""


@pytest.mark.parametrize("value", ["../../etc/passwd 1", "1", "1 2 3", "a b", "9" * 50, None, 12, "1 99999"])
def test_view_requests_are_numbers_only(value) -> None:
    assert document_view.parse_request(value) is None


def test_document_view_shows_the_whole_document_around_the_passage(pipeline, answer) -> None:
    records = [None, {"id": 3, **answer.to_json()}]
    citation = document_view.find_citation(records, document_view.parse_request("3 1"))
    assert citation is not None
    page = document_view.document_html(pipeline.index, citation)
    doc = pipeline.index.documents[citation["doc"]]
    assert f'id="{document_view.PASSAGE_ID}"' in page and "<mark>" in page
    assert "300%" in page.split("<mark>", 1)[1].split("</mark>", 1)[0]
    assert "《香港便览：创新及科技》 › " in page
    assert len(html.unescape(page)) > len(doc.clean_text)  # the whole text, not the passage only
    assert document_view.find_citation(records, document_view.parse_request("4 1")) is None


def test_document_view_trusts_no_changed_record(pipeline, answer) -> None:
    good = answer.to_json()["citations"][0]
    assert "找不到" in document_view.document_html(pipeline.index, None)
    elsewhere = {**good, "doc": "../../etc/passwd"}
    assert "已不在当前索引" in document_view.document_html(pipeline.index, elsewhere)
    moved = {**good, "start": good["start"] + 1}
    assert "位置已变" in document_view.document_html(pipeline.index, moved)


def test_trimmed_keeps_chat_and_records_aligned() -> None:
    chat = [{"role": "user", "content": str(i)} for i in range(100)]
    records = [None, {"id": 0}] * 50
    kept_chat, kept_records = trimmed(chat, records, 2)
    assert len(kept_chat) == len(kept_records) == 98
    assert kept_chat[0]["content"] == "2" and kept_records[1] == {"id": 0}
    assert trimmed([{"role": "user", "content": "x"}], [], 2) == ([{"role": "user", "content": "x"}], [None])


def test_filter_hint_names_the_filter(pipeline) -> None:
    assert filter_hint("", pipeline) == ""
    region = pipeline.regions[0]
    assert region in filter_hint(f"region:{region}", pipeline)
    name, title = next(iter(pipeline.documents.items()))
    assert title in filter_hint(f"doc:{name}", pipeline)


def test_vote_is_tied_to_the_message_voted_on(pipeline, answer, tmp_path) -> None:
    path = tmp_path / "feedback.jsonl"
    handlers = ChatHandlers(pipeline, path)
    other = pipeline.answer("信阳市到2027年数据产业规模要达到多少？")
    records = [None, {"id": 0, **answer.to_json()}, None, {"id": 1, **other.to_json()}]

    def like(index: int, liked: object) -> gr.LikeData:
        return gr.LikeData(None, {"index": index, "value": "", "liked": liked})

    status, comment = handlers.vote(like(3, True), records, " 好 ")
    assert "第 2 个回答" in status and comment == ""
    status, _ = handlers.vote(like(1, False), records, "")
    assert "第 1 个回答" in status
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(r["question"], r["vote"], r["comment"]) for r in rows] == [
        (other.question, "up", "好"),
        (answer.question, "down", ""),
    ]
    assert rows[0]["citations"][0]["text"] == other.citations[0].hit.chunk.text
    for index in (0, 2, 4, -1):  # a question, out of range: nothing recorded
        assert "不是可评价" in handlers.vote(like(index, True), records, "")[0]
    assert handlers.vote(like(3, None), records, "c") == ("", "c")  # a vote taken back
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2


def test_related_passages_of_a_refusal_open_too(pipeline, answer) -> None:
    refusal = type(answer)(question="q", answer="没有", refused=True, passages=answer.passages)
    panel = render.sources_html(refusal, 5)
    assert 'href="#pq-view-5-r1"' in panel and 'href="#pq-view-5-r3"' in panel
    records = [None, {"id": 5, **refusal.to_json(), "related": render.related_records(refusal.passages)}]
    passage = document_view.find_citation(records, document_view.parse_request("5 r2"))
    assert passage is not None and passage["text"] == refusal.passages[1].chunk.text
    page = document_view.document_html(pipeline.index, passage)
    assert f'id="{document_view.PASSAGE_ID}"' in page and "<mark>" not in page
    for missing in ("5 r4", "5 r0", "5 1"):
        assert document_view.find_citation(records, document_view.parse_request(missing)) is None
