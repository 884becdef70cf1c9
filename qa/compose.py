"""Compose an answer from the documents' own sentences, each with a citation that is checked in code.

No generative model: small offline ones invent figures (see DESIGN.md). The answer is the sentences that
best cover the question's terms, taken verbatim from the retrieved passages, so every figure stays exactly
as written.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from index.textnorm import normalize_for_match
from qa.terms import coverage
from qa.types import Citation, Hit

_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
_DIGIT = re.compile(r"\d")
_ASKS_NUMBER = re.compile(r"多少|几|比例|百分|金额|数量|规模|how (much|many)|what (percentage|share|number)|目标")
_ASKS_DATE = re.compile(r"哪一?年|何时|什么时候|几月|日期|时间|when|what year|which year")
_DATE = re.compile(r"\d{4}\s*年|\d{1,2}\s*月")
_ASKS_LIST = re.compile(r"哪些|哪几|包括|有什么|有哪|列出|什么措施|几项|几个|几大|which|what are|list")
_LEAD_LABEL = re.compile(r"^(?:- )?[^：:，。]{2,20}[：:]")


@dataclass(frozen=True)
class Sentence:
    hit_index: int
    start: int  # offsets in the passage text
    end: int
    text: str
    score: float


@dataclass(frozen=True)
class ComposedAnswer:
    text: str
    citations: list[Citation]
    best_score: float
    coverage: float  # IDF-weighted share of the question's terms found in the chosen sentences


def split_sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _SENTENCE.finditer(text):
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e - s >= 6:
            spans.append((s, e))
    return spans


def _sentence_score(sentence: str, located: float, weights: dict[str, float], question: str, hit_rank: int) -> float:
    """``located``: coverage of the whole passage with its title and section (computed once per passage)."""
    own = coverage(normalize_for_match(sentence), weights)
    # Terms found only in the passage's title/section still count a little: they locate the sentence.
    score = own + 0.25 * max(0.0, located - own)
    if _ASKS_NUMBER.search(question) and _DIGIT.search(sentence):
        score += 0.15
    if _ASKS_DATE.search(question) and _DATE.search(sentence):
        score += 0.15
    return score * (1.0 / math.sqrt(hit_rank))


def compose(
    question: str, hits: list[Hit], weights: dict[str, float], *, max_passages: int = 5
) -> ComposedAnswer | None:
    candidates: list[Sentence] = []
    for hi, hit in enumerate(hits[:max_passages]):
        text = hit.chunk.text
        located = coverage(normalize_for_match(f"{hit.chunk.title} {hit.chunk.section_label} {text}"), weights)
        for s, e in split_sentences(text):
            sentence = text[s:e]
            score = _sentence_score(sentence, located, weights, question, hi + 1)
            candidates.append(Sentence(hi, s, e, sentence, score))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (-c.score, c.hit_index, c.start))
    best = candidates[0]
    wants_list = bool(_ASKS_LIST.search(question))
    limit = 5 if wants_list else 3
    floor = best.score * (0.55 if wants_list else 0.7)
    chosen = [best]
    seen = {normalize_for_match(best.text)}
    for c in candidates[1:]:
        if len(chosen) >= limit or c.score < floor:
            break
        key = normalize_for_match(c.text)
        if key in seen or any(key in k or k in key for k in seen):
            continue
        seen.add(key)
        chosen.append(c)
    # Best sentence first, then the rest in reading order (passage rank, then position).
    rest = sorted(chosen[1:], key=lambda c: (c.hit_index, c.start))
    ordered = [best, *rest]
    return _cite(ordered, hits, weights)


def _cite(sentences: list[Sentence], hits: list[Hit], weights: dict[str, float]) -> ComposedAnswer | None:
    numbers: dict[int, int] = {}
    by_hit: dict[int, list[Sentence]] = {}
    lines = []
    for s in sentences:
        passage = hits[s.hit_index].chunk.text
        # Verification: a statement stays only if it is literally in the passage it cites.
        if passage[s.start : s.end] != s.text or s.text not in passage:
            continue
        n = numbers.setdefault(s.hit_index, len(numbers) + 1)
        by_hit.setdefault(s.hit_index, []).append(s)
        lines.append(f"{s.text}[{n}]")
    if not lines:
        return None
    citations = [
        Citation(
            n=n,
            hit=hits[hi],
            sentences=tuple(s.text for s in by_hit[hi]),
            highlights=tuple((s.start, s.end) for s in by_hit[hi]),
        )
        for hi, n in sorted(numbers.items(), key=lambda kv: kv[1])
    ]
    text_norm = normalize_for_match(" ".join(s.text for s in sentences))
    return ComposedAnswer(
        text="\n".join(lines),
        citations=citations,
        best_score=sentences[0].score,
        coverage=coverage(text_norm, weights),
    )
