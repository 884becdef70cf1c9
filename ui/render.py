"""Pure functions that turn answers into what the app shows.

Everything that comes from a question or a document is escaped: the chat shows it as text, never as HTML or
markdown (the chat renders no markdown), and the sources panel wraps only the supporting sentences in ``<mark>``.
"""

from __future__ import annotations

import html
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


def as_text(text: str) -> str:
    """Text for the chat, which shows messages as sanitised HTML without markdown: escaped, line breaks kept."""
    return html.escape(text, quote=False)


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


def _card(head: str, label: str, body: str) -> str:
    return (
        f'<div class="pq-source"><div class="pq-head"><span class="pq-n">{head}</span>'
        f'<span class="pq-where">{label}</span></div><div class="pq-text">{body}</div></div>'
    )


def citation_html(citation: Citation) -> str:
    chunk = citation.hit.chunk
    return _card(f"[{citation.n}]", source_label(chunk.title, chunk.section_label, chunk.where),
                 highlight(chunk.text, citation.highlights))


def related_html(hits: Sequence[Hit]) -> str:
    cards = []
    for i, hit in enumerate(hits[:RELATED_COUNT], 1):
        text = hit.chunk.text
        if len(text) > RELATED_CHARS:
            text = text[:RELATED_CHARS] + "……"
        label = source_label(hit.chunk.title, hit.chunk.section_label, hit.chunk.where)
        cards.append(_card(f"({i})", label, html.escape(text)))
    return "".join(cards)


def sources_html(answer: Answer | None) -> str:
    """The sources panel for one answer."""
    if answer is None:
        return PLACEHOLDER
    if answer.error:
        return _note(html.escape(answer.error))
    if answer.refused:
        if not answer.passages:
            return _note("文件中没有找到相关内容。")
        return '<div class="pq-title">可能相关的内容</div>' + related_html(answer.passages)
    return '<div class="pq-title">来源</div>' + "".join(citation_html(c) for c in answer.citations)


SOURCES_CSS = """
.pq-title { font-weight: 600; margin: 0 0 8px; font-size: 15px; }
.pq-empty { color: var(--body-text-color-subdued); font-size: 14px; padding: 12px 4px; }
.pq-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
  margin-bottom: 10px; background: var(--background-fill-primary); }
.pq-head { font-size: 13px; color: var(--body-text-color-subdued); margin-bottom: 6px; line-height: 1.5; }
.pq-n { font-weight: 700; color: var(--color-accent); margin-right: 6px; }
.pq-text { font-size: 14px; line-height: 1.75; white-space: pre-wrap; overflow-wrap: anywhere; }
.pq-text mark { background: #fde68a; color: inherit; padding: 1px 0; border-radius: 2px; }
"""
