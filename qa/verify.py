"""The one check every statement of an answer passes before it is shown: it is literally in its passage."""

from __future__ import annotations

import itertools


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


def direct_line(passage: str, pieces: tuple[tuple[int, int], ...]) -> str:
    """A line made of clauses of one passage, in order: adjacent clauses run on, a gap is shown as "……", so the
    line says where it leaves text out. Each piece is quoted exactly."""
    out = ""
    for i, (s, e) in enumerate(pieces):
        if i and pieces[i - 1][1] != s:
            out = out.rstrip("，,；;：:、 ") + "……"
        out += passage[s:e]
    out = out.rstrip("，,；;：:、 ")
    return out if out.endswith(("。", "！", "？", "!", "?")) else out + "。"


def pieces_supported(statement: str, passage: str, pieces: tuple[tuple[int, int], ...]) -> bool:
    """A direct line is supported when it is exactly its pieces of the passage, joined as :func:`direct_line` does."""
    ordered = all(0 <= s < e <= len(passage) for s, e in pieces) and all(
        a[1] <= b[0] for a, b in itertools.pairwise(pieces)
    )
    return bool(pieces) and ordered and statement == direct_line(passage, pieces)
