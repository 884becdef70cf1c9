"""The whole document behind a citation ("查看原文"), from the index's own cleaned text.

The browser names a citation only by numbers (which answer of this session, which [n]); the document, the
passage and its supporting sentences come from the server's record of that answer, and the text from the loaded
index by document id. Nothing the client sends is used as a file path or as text to show.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from index.store import LoadedIndex
from ui.render import SECTION_SEP, highlight

MAX_REQUEST_CHARS = 40
_REQUEST = re.compile(r"(\d{1,9}) (r?)(\d{1,4})")  # "<answer id> <n>", or "<answer id> r<i>": related passage i
PASSAGE_ID = "pq-doc-passage"
CLOSED = ""


@dataclass(frozen=True)
class ViewRequest:
    answer_id: int
    n: int
    related: bool = False  # n counts the related passages of a refusal, not the citations


def parse_request(value: object) -> ViewRequest | None:
    """``"<answer id> <n>"`` or ``"<answer id> r<i>"`` from the page script, or None for anything else (bounded
    before it is read)."""
    if not isinstance(value, str) or len(value) > MAX_REQUEST_CHARS:
        return None
    m = _REQUEST.fullmatch(value.strip())
    return ViewRequest(int(m[1]), int(m[3]), bool(m[2])) if m else None


def find_citation(answers: list[Any], request: ViewRequest) -> dict[str, Any] | None:
    """The citation ``n`` of the session's answer ``answer_id`` (records as kept by the app), or None."""
    for record in answers or []:
        if isinstance(record, dict) and record.get("id") == request.answer_id:
            if request.related:
                related = record.get("related", [])
                return related[request.n - 1] if 1 <= request.n <= len(related) else None
            return next((c for c in record.get("citations", []) if c.get("n") == request.n), None)
    return None


def _note(text: str) -> str:
    return f'<div class="pq-doc-note">{html.escape(text)}</div>'


def document_html(index: LoadedIndex, citation: dict[str, Any] | None) -> str:
    """The document of ``citation`` in full: title and section path on top, the passage marked and its
    supporting sentences highlighted, for the page to scroll to (element id ``PASSAGE_ID``)."""
    if citation is None:
        return _note("找不到这条出处（对话可能已清空），请重新提问后再查看原文。")
    record = index.documents.get(str(citation.get("doc", "")))
    if record is None:
        return _note("这份文件已不在当前索引中（索引可能已更新），请重新提问。")
    text = record.clean_text
    start, end = int(citation.get("start", 0)), int(citation.get("end", 0))
    if not (0 <= start < end <= len(text)) or text[start:end] != citation.get("text"):
        return _note("索引已更新，这条出处的位置已变，请重新提问。")
    spans = [(int(s), int(e)) for s, e in citation.get("highlights", [])]
    meta = record.meta
    facts = "　".join(f for f in (meta.issuer, meta.region, f"{meta.year}年" if meta.year else "") if f)
    section = str(citation.get("section") or "")
    where = f"《{meta.title}》" + (SECTION_SEP + section if section else "")
    return (
        f'<div class="pq-doc"><div class="pq-doc-title">{html.escape(where)}</div>'
        f'<div class="pq-doc-facts">{html.escape(facts)}</div>'
        f'<div class="pq-doc-text">{html.escape(text[:start])}'
        f'<span id="{PASSAGE_ID}" class="pq-passage">{highlight(text[start:end], spans)}</span>'
        f"{html.escape(text[end:])}</div></div>"
    )


DOCUMENT_CSS = """
.pq-doc-title { font-weight: 600; font-size: 15px; margin-bottom: 4px; }
.pq-doc-facts { color: var(--body-text-color-subdued); font-size: 13px; margin-bottom: 10px; }
.pq-doc-text { font-size: 14px; line-height: 1.8; white-space: pre-wrap; overflow-wrap: anywhere; }
.pq-passage { background: rgba(250, 204, 21, 0.15); outline: 2px solid rgba(250, 204, 21, 0.6); border-radius: 3px; }
.pq-passage mark { background: #fde68a; color: inherit; }
.pq-doc-note { color: var(--body-text-color-subdued); padding: 12px 4px; }
"""
