"""Follow-up questions: fill them from the conversation.

"那2015年呢？" after "中山市到2020年研发经费占GDP比重要达到多少？" is that question with 2015 in place of 2020:
the slot it changes (a year, a place or body) is replaced in the earlier question. Without such a slot
("那博士呢？") the earlier question rides along as retrieval context. Short questions, questions that open
with a pointer word, and short questions that end in "呢"/"吗" are follow-ups.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa.analyse import ask_kind, has_question_word, years_in
from qa.types import Turn

_POINTER = re.compile(r"^(那|那么|那个|这个|这|该|它|其|他们|此|上述|还有|另外|and |what about |how about )", re.I)
_TRAILING = re.compile(r"(呢|吗)[?？。.!！]*$")
_SHORT = 12
_YEAR_WORD = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


@dataclass(frozen=True)
class Resolved:
    text: str  # the question to answer: the follow-up itself, or the earlier question with its slot replaced
    context: str = ""  # earlier question that also goes to retrieval (elliptical follow-ups), or ""
    topic: str = ""  # the earlier question the follow-up builds on, or ""


def is_follow_up(question: str) -> bool:
    q = question.strip()
    return len(q) <= _SHORT or bool(_POINTER.search(q)) or bool(_TRAILING.search(q) and len(q) <= 20)


def resolve(
    question: str, history: Sequence[Turn], mentions: Callable[[str], list[tuple[int, int, str]]] | None = None
) -> Resolved:
    """``mentions`` finds the places/bodies of a text as (start, end, name)."""
    if not history or not is_follow_up(question):
        return Resolved(question)
    latest = next((t.question.strip() for t in reversed(history) if t.question.strip()), "")
    topic = next(
        (t.question.strip() for t in reversed(history) if t.question.strip() and not is_follow_up(t.question)), latest
    )
    if not topic:
        return Resolved(question)
    if has_question_word(question) and not ask_kind(question).specific:
        # "那到2029年要建成什么？" asks something of its own about the topic, not the topic's question again.
        return Resolved(question, context=topic, topic=topic)
    new_years = _YEAR_WORD.findall(question)
    if new_years and years_in(topic):
        replaced = _YEAR_WORD.sub(new_years[0], topic) if _YEAR_WORD.search(topic) else None
        if replaced:
            return Resolved(replaced, topic=topic)
    if mentions is not None:
        new_places, old_places = mentions(question), mentions(topic)
        if new_places and old_places:
            s, e, _ = old_places[0]
            return Resolved(topic[:s] + new_places[0][2] + topic[e:], topic=topic)
    return Resolved(question, context=topic, topic=topic)
