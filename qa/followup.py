"""Follow-up questions: carry the topic of earlier turns into retrieval.

"那博士呢？" alone retrieves nothing useful; with the previous question ("香港的研究人才每月津贴是多少？")
in front of it, it finds the passage. Short questions, questions that open with a pointer word, and
questions that end in "呢" are treated as follow-ups.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.types import Turn

_POINTER = re.compile(r"^(那|那么|那个|这个|这|该|它|其|他们|此|上述|还有|另外|and |what about |how about )", re.I)
_TRAILING = re.compile(r"(呢|吗)[?？。.!！]*$")
_SHORT = 12


def is_follow_up(question: str) -> bool:
    q = question.strip()
    return len(q) <= _SHORT or bool(_POINTER.search(q)) or bool(_TRAILING.search(q) and len(q) <= 20)


def contextual_query(question: str, history: Sequence[Turn]) -> tuple[str, str]:
    """(text for retrieval, earlier context used or "")."""
    if not history or not is_follow_up(question):
        return question, ""
    # The latest earlier question that was not itself a follow-up names the topic.
    latest = next((t.question.strip() for t in reversed(history) if t.question.strip()), "")
    topic = next(
        (t.question.strip() for t in reversed(history) if t.question.strip() and not is_follow_up(t.question)), latest
    )
    if not topic:
        return question, ""
    return f"{topic} {question}", topic
