"""The one check every statement of an answer passes before it is shown: it is literally in its passage."""

from __future__ import annotations


def statement_supported(statement: str, passage: str, start: int | None = None) -> bool:
    """True when ``statement`` is a non-empty verbatim span of ``passage`` (at ``start``, when given).

    Any composer (extractive today, generative later) goes through this: a statement that fails is dropped,
    never shown with a citation that does not hold it.
    """
    statement = statement.strip()
    if not statement:
        return False
    if start is not None:
        return passage[start : start + len(statement)] == statement
    return statement in passage
