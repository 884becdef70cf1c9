"""Check and bound what a client sends, before any work is done on it.

Plain functions shared by the chat, the API, the CLI and the pipeline: the earlier turns of a conversation
(as decoded rows or as JSON text), the document/region filter, and text that may be echoed back. Every
rejection is an :class:`InputError` whose message (Chinese) says what was wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from qa.types import Turn

SHOWN_NAME_CHARS = 60  # an unknown name is quoted back at most this long
TURN_SHAPE = '{"question": "...", "answer": "..."}'


class InputError(ValueError):
    """A client-supplied field is unusable; the message is for the person or program that sent it."""


_KINDS = {
    "list": "列表",
    "dict": "对象",
    "int": "数字",
    "float": "数字",
    "bool": "true/false",
    "NoneType": "null",
    "str": "文字",
    "tuple": "列表",
}


def _kind(value: object) -> str:
    """A JSON-ish name for the type a client sent, for messages."""
    return _KINDS.get(type(value).__name__, type(value).__name__)


def _cut(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[:max_chars]


def _shown(value: str) -> str:
    return value if len(value) <= SHOWN_NAME_CHARS else value[:SHOWN_NAME_CHARS] + "…"


def _text_field(row: dict, key: str, n: int, required: bool) -> str:
    value = row.get(key)
    if value is None:
        if required:
            raise InputError(f'第 {n} 轮对话缺少 "{key}"')
        return ""
    if not isinstance(value, str):
        raise InputError(f'第 {n} 轮对话的 "{key}" 必须是文字，收到的是 {_kind(value)}')
    return value


def check_request_chars(values: Sequence[object], max_chars: int) -> None:
    """Refuse a request whose text fields together are longer than ``max_chars`` (nothing else is read)."""
    total = sum(len(v) for v in values if isinstance(v, str))
    if total > max_chars:
        raise InputError(f"请求太大（{total:,} 字符），上限 {max_chars:,} 字符")


def bound_turns(rows: object, max_turns: int, max_chars: int) -> list[Turn]:
    """The last ``max_turns`` earlier turns, each question and answer cut to ``max_chars``.

    ``rows`` is the decoded history: a list of ``{"question": str, "answer": str}`` (answer optional).
    Rows older than the kept ones are dropped unread, so a long history costs nothing.
    """
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise InputError(f"对话历史必须是列表，每项形如 {TURN_SHAPE}，收到的是 {_kind(rows)}")
    kept = rows[-max_turns:] if max_turns > 0 else []
    first = len(rows) - len(kept) + 1
    turns = []
    for n, row in enumerate(kept, first):
        if isinstance(row, Turn):
            question, answer = row.question, row.answer
        elif isinstance(row, dict):
            question = _text_field(row, "question", n, required=True)
            answer = _text_field(row, "answer", n, required=False)
        else:
            raise InputError(f"第 {n} 轮对话必须是对象 {TURN_SHAPE}，收到的是 {_kind(row)}")
        turns.append(Turn(_cut(question, max_chars), _cut(answer, max_chars)))
    return turns


def bound_turns_json(text: object, max_turns: int, max_chars: int, max_request_chars: int) -> list[Turn]:
    """:func:`bound_turns` for history sent as JSON text; the size is checked before the text is parsed."""
    if text is None or text == "":
        return []
    if not isinstance(text, str):
        raise InputError(f"对话历史必须是 JSON 文本（字符串），收到的是 {_kind(text)}")
    if len(text) > max_request_chars:
        raise InputError(f"对话历史太长（{len(text):,} 字符），上限 {max_request_chars:,} 字符")
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"对话历史不是合法的 JSON：{exc.msg}（第 {exc.pos + 1} 个字符）") from exc
    except RecursionError as exc:  # "[[[[…" thousands deep: the decoder gives up, so do we
        raise InputError(f"对话历史嵌套太深：应是一层列表，每项形如 {TURN_SHAPE}") from exc
    return bound_turns(rows, max_turns, max_chars)


def check_scope(
    doc: object, region: object, documents: dict[str, str], regions: Sequence[str]
) -> tuple[str | None, str | None]:
    """(file name or None, region or None) for a document filter (file name or title) and a region filter.

    An empty filter means "all". A filter that names no document or region is rejected with the valid names,
    instead of searching nothing and answering "no such provision".
    """
    return _check_doc(doc, documents), _check_region(region, regions)


def _filter_text(value: object, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"{what}必须是文字，收到的是 {_kind(value)}")
    return value.strip()


def _check_doc(doc: object, documents: dict[str, str]) -> str | None:
    name = _filter_text(doc, "文件筛选条件（文件名或标题）")
    if not name:
        return None
    if name in documents:
        return name
    by_title = {title.strip().strip("《》"): file for file, title in documents.items()}
    found = by_title.get(name.strip("《》"))
    if found is not None:
        return found
    valid = "；".join(f"{file}（《{title}》）" for file, title in sorted(documents.items()))
    raise InputError(f"没有名为“{_shown(name)}”的文件。可用的文件（文件名或标题均可）：{valid}")


def _check_region(region: object, regions: Sequence[str]) -> str | None:
    name = _filter_text(region, "地区筛选条件")
    if not name:
        return None
    if name in regions:
        return name
    valid = "、".join(regions) if regions else "（文件目录中没有标注地区）"
    raise InputError(f"没有名为“{_shown(name)}”的地区。可用的地区：{valid}")


_TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")
_TAG_OPEN = re.compile(r"<+(?=[A-Za-z/!?])")  # "<<a": removing one "<" must not leave another


def strip_markup(text: str) -> str:
    """``text`` without HTML tags, so that an answer which quotes it is safe to render as HTML.

    Complete tags are removed, and so is a "<" that would still open one (not replaced by a look-alike: the
    pipeline folds full-width "＜" back to "<"). Other "<" ("收入<5万元") stay.
    """
    return _TAG_OPEN.sub("", _TAG.sub("", text))
