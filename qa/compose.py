"""Compose an answer from the evidence: statements in the documents' own words, each cited and checked.

The Composer protocol is the seam for a generative composer later: it gets the same evidence and returns
statements; whatever it returns goes through ``qa.verify`` before it is shown. The extractive composer is
the default because the small offline generative models invent figures (see DESIGN.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from index.textnorm import normalize_for_match
from qa.analyse import Analysis, AskKind
from qa.evidence import Candidate, statement_span
from qa.tuning import Tuning
from qa.types import Citation, Hit
from qa.verify import statement_supported


@dataclass(frozen=True)
class Statement:
    hit: Hit
    start: int  # offsets in the passage text
    end: int
    text: str


@dataclass(frozen=True)
class PartEvidence:
    analysis: Analysis
    hits: list[Hit]
    candidates: list[Candidate]  # best first
    best: Candidate  # the clause that answers


class Composer(Protocol):
    def compose(self, evidence: PartEvidence, tuning: Tuning, max_lines: int) -> list[Statement]: ...


class ExtractiveComposer:
    """The answering clause's statement first, then the next best statements that also answer."""

    def compose(self, evidence: PartEvidence, tuning: Tuning, max_lines: int) -> list[Statement]:
        analysis, hits = evidence.analysis, evidence.hits
        # A date belongs to the whole sentence it heads: quote all of it.
        max_chars = 2 * tuning.long_sentence_chars if analysis.kind is not AskKind.DATE else 10_000
        wants_list = analysis.wants_list
        limit = max(max_lines, tuning.max_list_lines) if wants_list and max_lines >= tuning.max_lines else max_lines
        floor = evidence.best.score * (tuning.keep_ratio_list if wants_list else tuning.keep_ratio)
        chosen: list[Statement] = []
        spans: dict[int, list[tuple[int, int]]] = {}

        def take(c: Candidate) -> None:
            text = hits[c.hit_index].chunk.text
            s, e = statement_span(text, c.start, c.end, max_chars)
            taken = spans.setdefault(c.hit_index, [])
            if any(s < te and ts < e for ts, te in taken):
                return
            key = normalize_for_match(text[s:e])
            if any(key in normalize_for_match(st.text) or normalize_for_match(st.text) in key for st in chosen):
                return
            taken.append((s, e))
            chosen.append(Statement(hits[c.hit_index], s, e, text[s:e]))

        take(evidence.best)
        if evidence.best.support is not None:  # the value sits in another sentence of the paragraph: quote it too
            s, e = evidence.best.support
            text = hits[evidence.best.hit_index].chunk.text
            chosen.append(Statement(hits[evidence.best.hit_index], s, e, text[s:e]))
            spans.setdefault(evidence.best.hit_index, []).append((s, e))
        for c in evidence.candidates:
            if len(chosen) >= limit or c.score < floor:
                break
            if c.qualifier < 0 or (analysis.needs_value and not c.fits and not wants_list):
                continue
            take(c)
        first, rest = chosen[:1], chosen[1:]
        rest.sort(key=lambda st: (hits.index(st.hit), st.start))
        return first + rest


def cite(parts: list[list[Statement] | str]) -> tuple[str, list[Citation]]:
    """Answer text and citations for the parts in order: a part is its statements, or a line of text (a
    part the documents do not answer). Passages are numbered [1], [2] ... in order of first use."""
    numbers: dict[int, int] = {}
    hits: dict[int, Hit] = {}
    by_row: dict[int, list[Statement]] = {}
    lines: list[str] = []
    shown: set[tuple[int, int]] = set()
    for part in parts:
        if isinstance(part, str):
            lines.append(part)
            continue
        for st in part:
            if not statement_supported(st.text, st.hit.chunk.text, st.start):
                continue  # never shown with a citation that does not hold it
            if (st.hit.row, st.start) in shown:
                continue  # two parts answered by one statement: say it once
            shown.add((st.hit.row, st.start))
            row = st.hit.row
            n = numbers.setdefault(row, len(numbers) + 1)
            hits[row] = st.hit
            by_row.setdefault(row, []).append(st)
            lines.append(f"{st.text}[{n}]")
    citations = [
        Citation(
            n=n,
            hit=hits[row],
            sentences=tuple(st.text for st in by_row[row]),
            highlights=tuple((st.start, st.end) for st in by_row[row]),
        )
        for row, n in sorted(numbers.items(), key=lambda kv: kv[1])
    ]
    return "\n".join(lines), citations
