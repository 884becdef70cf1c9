"""Chinese official-document heading numbering: 一、 / （一） / 1. / (1), 专栏N：, and bold lead-ins."""

from __future__ import annotations

import re

_CN_NUM = "一二三四五六七八九十"
# (level, pattern). Lower level = higher in the hierarchy.
NUMBERED_LEVELS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(rf"^[{_CN_NUM}]+、")),
    (2, re.compile(rf"^[（(][{_CN_NUM}]+[）)]")),
    (3, re.compile(r"^\d{1,2}\s*[.．、](?!\d)")),
    (4, re.compile(r"^[（(]\d{1,2}[）)]")),
    (5, re.compile(r"^专栏\s*\d+\s*[:：]")),
]
LEAD_IN_LEVEL = 6
BULLET_LEAD_IN_LEVEL = 7  # "- **名称：**" items sit under the lead-in above them
_TITLE_STOPS = "。；;"
_MAX_TITLE = 40


def numbered_level(line: str) -> int | None:
    for level, pattern in NUMBERED_LEVELS:
        if pattern.match(line):
            return level
    return None


def is_heading_line(line: str) -> bool:
    """A numbered heading (the whole line is a title, or a title followed by its first sentence)."""
    return numbered_level(line.strip()) is not None


def heading_title(line: str) -> str:
    """The label of a heading line: the whole line if short, else its leading clause, tidied."""
    line = re.sub(r"\s+", "", line.strip())
    cut = min((i for i in (line.find(c) for c in _TITLE_STOPS) if i > 0), default=-1)
    title = line[:cut] if cut > 0 else line
    title = title.rstrip("：:，,")
    if len(title) > _MAX_TITLE:
        title = title[: _MAX_TITLE - 1] + "…"
    return title


def lead_in_title(text: str) -> str:
    """A bold lead-in such as "人才：" becomes "人才"."""
    title = re.sub(r"\s+", "", text).rstrip("：:")
    return title if len(title) <= _MAX_TITLE else title[: _MAX_TITLE - 1] + "…"
