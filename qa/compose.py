"""Compose an answer from the evidence: statements in the documents' own words, each cited and checked.

The Composer protocol is the seam for a generative composer later: it gets the same evidence and returns
statements; whatever it returns goes through ``qa.verify`` before it is shown. The extractive composer is
the default because the small offline generative models invent figures (see DESIGN.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from index.sentences import sentence_spans
from index.textnorm import normalize_for_match
from qa.analyse import Analysis, AskKind, years_in
from qa.evidence import Candidate, clause_spans, statement_span
from qa.tuning import Tuning
from qa.types import Citation, Hit
from qa.verify import direct_line, pieces_supported, statement_supported


@dataclass(frozen=True)
class Statement:
    hit: Hit
    start: int  # offsets in the passage text
    end: int
    text: str
    # A direct line built from clauses (qa.verify.direct_line): where each clause sits in the passage.
    pieces: tuple[tuple[int, int], ...] = ()

    def supported(self) -> bool:
        if self.pieces:
            return pieces_supported(self.text, self.hit.chunk.text, self.pieces)
        return statement_supported(self.text, self.hit.chunk.text, self.start)

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        return self.pieces or ((self.start, self.end),)


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
            # (a direct line is part of its sentence by design: the whole sentence still follows it)
            if any(
                key in normalize_for_match(st.text) or normalize_for_match(st.text) in key
                for st in chosen
                if not st.pieces
            ):
                return
            taken.append((s, e))
            chosen.append(Statement(hits[c.hit_index], s, e, text[s:e]))

        direct = _direct_line(evidence, tuning)
        if direct is not None:
            chosen.append(direct)
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
        lead = 2 if direct is not None and len(chosen) > 1 else 1
        first, rest = chosen[:lead], chosen[lead:]
        rest.sort(key=lambda st: (hits.index(st.hit), st.start))
        return first + rest


# The clause that sets the time or condition of a long sentence ("到2020年，", "对首次…的，").
_FRAME_CLAUSE = re.compile(r"^[—\-\s]*(到|至|在|自|从|截至|截止|对|按|凡|由)")
_LEADING = re.compile(r"^[—\-\s“”]+")
_MAX_FRAME_CHARS = 24
_MAX_DIRECT_SHARE = 0.6  # a direct line longer than this share of its sentence says nothing shorter


def _direct_line(evidence: PartEvidence, tuning: Tuning) -> Statement | None:
    """When the answer sits in a long sentence, a first line of just the clauses that hold it, after the clause
    that sets their time or condition: "到2020年，全社会R&D经费占GDP比重达到2.8%。" The whole sentence follows."""
    analysis, best = evidence.analysis, evidence.best
    if not (analysis.kind.specific and best.fits) or analysis.wants_list or best.support is not None:
        return None
    hit = evidence.hits[best.hit_index]
    text = hit.chunk.text
    sentence = next(((s, e) for s, e in sentence_spans(text, 1) if s <= best.start and best.end <= e), None)
    if sentence is None or sentence[1] - sentence[0] <= tuning.long_sentence_chars:
        return None

    def answering(lo: int, hi: int) -> list[Candidate]:
        return [
            c
            for c in evidence.candidates
            if c.hit_index == best.hit_index
            and lo <= c.start
            and c.end <= hi
            and (c.start, c.end) != sentence
            and c.fits
            and c.qualifier >= 0
        ]

    found = answering(*sentence)
    if not found:
        return None
    # The run between semicolons that holds the best of them: its first clause may set the time or condition.
    run = statement_span(text, found[0].start, found[0].end, 0)
    clauses = clause_spans(text[run[0] : run[1]], run[0], 1)
    spans = sorted({(c.start, c.end) for c in answering(*run)})
    pieces: list[tuple[int, int]] = []
    # The clause that sets the time or condition: the run's first, else the sentence's first, which governs
    # every run of it ("——到2017年，…；…，基本建成创新型城市").
    for first in (clauses[:1], clause_spans(text[sentence[0] : sentence[1]], sentence[0], 1)[:1]):
        if first and first[0][1] <= spans[0][0]:
            frame = text[first[0][0] : first[0][1]]
            if len(frame) <= _MAX_FRAME_CHARS and (_FRAME_CLAUSE.search(frame) or years_in(frame)):
                pieces.append(first[0])
                break
    pieces += spans
    pieces = [(s + _lead(text[s:e]), e) for s, e in pieces]
    pieces = [(s, e) for s, e in pieces if e > s]
    if not pieces or any(not _balanced(text[s:e]) for s, e in pieces):
        return None  # a clause cut inside brackets ("(责任单位:") is no line of its own
    if sum(e - s for s, e in pieces) > _MAX_DIRECT_SHARE * (sentence[1] - sentence[0]):
        return None  # nearly the whole sentence: it follows anyway
    return Statement(hit, pieces[0][0], pieces[-1][1], direct_line(text, tuple(pieces)), tuple(pieces))


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch in "（(「《“[【"
        depth -= ch in "）)」》”]】"
        if depth < 0:
            return False
    return depth == 0


def _lead(clause: str) -> int:
    m = _LEADING.match(clause)
    return m.end() if m else 0


def cite(parts: list[list[Statement] | str]) -> tuple[str, list[Citation]]:
    """Answer text and citations for the parts in order: a part is its statements, or a line of text (a
    part the documents do not answer). Passages are numbered [1], [2] ... in order of first use."""
    numbers: dict[int, int] = {}
    hits: dict[int, Hit] = {}
    by_row: dict[int, list[Statement]] = {}
    lines: list[str] = []
    shown: set[tuple[int, tuple[tuple[int, int], ...]]] = set()
    for part in parts:
        if isinstance(part, str):
            lines.append(part)
            continue
        for st in part:
            if not st.supported():
                continue  # never shown with a citation that does not hold it
            if (st.hit.row, st.spans) in shown:
                continue  # two parts answered by one statement: say it once
            shown.add((st.hit.row, st.spans))
            row = st.hit.row
            n = numbers.setdefault(row, len(numbers) + 1)
            hits[row] = st.hit
            by_row.setdefault(row, []).append(st)
            lines.append(f"{st.text}[{n}]")
    citations = [
        Citation(
            n=n,
            hit=hits[row],
            sentences=tuple(st.hit.chunk.text[s:e] for st in by_row[row] for s, e in st.spans),
            highlights=tuple(span for st in by_row[row] for span in st.spans),
        )
        for row, n in sorted(numbers.items(), key=lambda kv: kv[1])
    ]
    return "\n".join(lines), citations
