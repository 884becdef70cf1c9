"""Pure functions that turn answers into what the app shows.

Everything that comes from a question or a document is escaped: the chat shows it as text, never as HTML or
markdown (the chat renders no markdown), and the sources panel wraps only the supporting sentences in ``<mark>``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from qa.types import Answer, Citation, Hit

SECTION_SEP = " › "


def _note(text: str, title: str = "来源") -> str:
    """A panel with only a short (already safe) note under its title."""
    return f'<div class="pq-title">{title}</div><div class="pq-empty">{text}</div>'


PLACEHOLDER = _note("提问后，这里会列出答案所依据的原文段落，支持答案的句子以黄色标出。")
LOADING = _note("正在检索文件……")
MAX_SHOWN_QUESTION = 300
RELATED_COUNT = 3
RELATED_CHARS = 240


_LIST_LIKE = re.compile(r"^(\s*)(\d+)([.)])", re.MULTILINE)
_MARKER = re.compile(r"\[(\d+)\]")


def as_text(text: str) -> str:
    """Text for the chat, which shows messages as sanitised HTML without markdown: escaped, line breaks kept.

    A line of document text that begins "7." or "18)" is a numbered clause, not a list: the dot is written as
    an entity so that no markdown pass (the chat's, or a front-end's) turns the line into an ordered list."""
    return _LIST_LIKE.sub(lambda m: f"{m[1]}{m[2]}&#{ord(m[3])};", html.escape(text, quote=False))


def linked_markers(shown: str, answer_id: int, numbers: Iterable[int]) -> str:
    """Already escaped chat text with each cited ``[n]`` a link to its source card (ui/page_script.py follows it).

    The chat's sanitiser drops data-* attributes, so the answer and the number travel in the link's href (and in
    class names for the sources under the answer)."""
    cited = set(numbers)

    def link(m: re.Match[str]) -> str:
        n = int(m[1])
        if n not in cited:
            return m[0]
        return f'<a class="pq-cite" href="#pq-cite-{answer_id}-{n}">[{n}]</a>'

    return _MARKER.sub(link, shown)


def question_text(question: str) -> str:
    """The person's message as shown in the chat (very long ones shortened)."""
    q = question if question.strip() else "（空消息）"
    if len(q) > MAX_SHOWN_QUESTION:
        q = f"{q[:MAX_SHOWN_QUESTION]}……（共 {len(question):,} 字）"
    return as_text(q)


def answer_sentences(answer: Answer) -> list[str]:
    """The answer split into the pieces it streams in: one statement (line) at a time."""
    lines = [line for line in answer.answer.splitlines() if line.strip()]
    return lines or [answer.answer]


def merge_spans(spans: Iterable[Sequence[int]], length: int) -> list[tuple[int, int]]:
    """Sorted, clipped, non-overlapping (start, end) spans."""
    clean = sorted((max(0, int(s)), min(length, int(e))) for s, e in spans)
    merged: list[tuple[int, int]] = []
    for s, e in clean:
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def highlight(text: str, spans: Iterable[Sequence[int]]) -> str:
    """``text`` escaped, with each span wrapped in <mark>."""
    out: list[str] = []
    pos = 0
    for s, e in merge_spans(spans, len(text)):
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


def source_label(title: str, section: str, where: str = "") -> str:
    """《title》 › section path （document number · page）, escaped."""
    label = f"《{html.escape(title)}》"
    if section:
        label += html.escape(SECTION_SEP + section)
    if where:
        label += html.escape(f"（{where}）")
    return label


def _card(head: str, label: str, body: str, attrs: str = "", tail: str = "") -> str:
    return (
        f'<div class="pq-source"{attrs}><div class="pq-head"><span class="pq-n">{head}</span>'
        f'<span class="pq-where">{label}</span></div><div class="pq-text">{body}</div>{tail}</div>'
    )


def view_link(answer_id: int, n: int | str) -> str:
    """"查看原文": asks the app for the whole document of citation ``n`` (or related passage ``"r<i>"``) of answer
    ``answer_id``, by number only: the server looks the document up in its own record of that answer."""
    return f'<a class="pq-view" href="#pq-view-{answer_id}-{n}" role="button">查看原文</a>'


def citation_html(citation: Citation, answer_id: int | None = None) -> str:
    chunk = citation.hit.chunk
    attrs, tail = "", ""
    if answer_id is not None:
        attrs = f' id="pq-src-{citation.n}" data-answer="{answer_id}" data-n="{citation.n}"'
        tail = f'<div class="pq-actions">{view_link(answer_id, citation.n)}</div>'
    return _card(f"[{citation.n}]", source_label(chunk.title, chunk.section_label, chunk.where),
                 highlight(chunk.text, citation.highlights), attrs, tail)


def inline_sources(answer: Answer, answer_id: int) -> str:
    """The sources under an answer in the chat (shown on a phone): one line each, the passage when opened."""
    items = []
    for c in answer.citations:
        chunk = c.hit.chunk
        items.append(
            f'<details class="pq-inline-item pq-n-{c.n}"><summary><b>[{c.n}]</b> '
            f'{source_label(chunk.title, chunk.section_label, chunk.where)}</summary>'
            f'<div class="pq-inline-text">{highlight(chunk.text, c.highlights)}</div>'
            f"{view_link(answer_id, c.n)}</details>"
        )
    if not items:
        return ""
    head = f'<div class="pq-inline pq-a-{answer_id}"><div class="pq-inline-title">来源</div>'
    return head + "".join(items) + "</div>"


def related_html(hits: Sequence[Hit], answer_id: int | None = None) -> str:
    cards = []
    for i, hit in enumerate(hits[:RELATED_COUNT], 1):
        text = hit.chunk.text
        if len(text) > RELATED_CHARS:
            text = text[:RELATED_CHARS] + "……"
        tail = f'<div class="pq-actions">{view_link(answer_id, f"r{i}")}</div>' if answer_id is not None else ""
        label = source_label(hit.chunk.title, hit.chunk.section_label, hit.chunk.where)
        cards.append(_card(f"({i})", label, html.escape(text), tail=tail))
    return "".join(cards)


def related_records(hits: Sequence[Hit]) -> list[dict]:
    """The related passages of a refusal as the session keeps them, for their "查看原文" (no highlights)."""
    keys = ("doc", "title", "section", "text", "start", "end")
    return [{**{k: h.to_json()[k] for k in keys}, "highlights": []} for h in hits[:RELATED_COUNT]]


def sources_html(answer: Answer | None, answer_id: int | None = None) -> str:
    """The sources panel for one answer (``answer_id`` makes its cards targets of the answer's [n] links)."""
    if answer is None:
        return PLACEHOLDER
    if answer.error:
        return _note(html.escape(answer.error))
    if answer.refused:
        if not answer.passages:
            return _note("文件中没有找到相关内容。")
        return '<div class="pq-title">可能相关的内容</div>' + related_html(answer.passages, answer_id)
    cards = "".join(citation_html(c, answer_id) for c in answer.citations)
    panel = f' data-answer="{answer_id}"' if answer_id is not None else ""
    return f'<div class="pq-panel"{panel}><div class="pq-title">来源</div>{cards}</div>'


SOURCES_CSS = """
.pq-title { font-weight: 600; margin: 0 0 8px; font-size: 15px; }
.pq-empty { color: var(--body-text-color-subdued); font-size: 14px; padding: 12px 4px; }
.pq-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
  margin-bottom: 10px; background: var(--background-fill-primary); }
.pq-head { font-size: 13px; color: var(--body-text-color-subdued); margin-bottom: 6px; line-height: 1.5; }
.pq-n { font-weight: 700; color: var(--color-accent); margin-right: 6px; }
.pq-text { font-size: 14px; line-height: 1.75; white-space: pre-wrap; overflow-wrap: anywhere; }
.pq-text mark { background: #fde68a; color: inherit; padding: 1px 0; border-radius: 2px; }
.pq-actions { margin-top: 6px; font-size: 13px; }
.pq-view { color: var(--color-accent); cursor: pointer; }
"""
