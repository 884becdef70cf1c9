"""Evaluation metrics as pure functions over plain data (no models, no index).

Relevance is judged by evidence, not by chunk id, so structured chunks and the fixed-window baseline are
scored the same way: a passage is relevant when it comes from one of the question's documents and covers at
least half of an occurrence of an evidence string in that document's cleaned text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from index.textnorm import normalize_for_match

CUTOFFS = (1, 3, 5, 10)


@dataclass(frozen=True)
class Passage:
    doc: str
    start: int  # offsets into the document's cleaned text
    end: int
    text: str


@dataclass
class QuestionResult:
    """What one system did with one question, reduced to what the metrics need (and the report shows)."""

    id: str
    type: str
    split: str
    docs: tuple[str, ...]
    question: str
    expected: str
    answerable: bool
    answer: str
    refused: bool
    relevant: list[bool]  # one per ranked passage, top first
    cited_relevant: list[bool]  # one per citation
    fact_share: float | None  # None for unanswerable questions
    latency_ms: float
    error: str | None = None
    passages: list[dict] = field(default_factory=list)  # doc/start/end of the top passages, for the report

    @property
    def all_facts(self) -> bool | None:
        return None if self.fact_share is None else self.fact_share >= 1.0


# --- relevance -------------------------------------------------------------------------------------------


def occurrences(needle: str, haystack: str) -> list[tuple[int, int]]:
    """Every [start, end) where ``needle`` occurs exactly (overlapping occurrences included)."""
    spans = []
    if not needle:
        return spans
    pos = haystack.find(needle)
    while pos >= 0:
        spans.append((pos, pos + len(needle)))
        pos = haystack.find(needle, pos + 1)
    return spans


def covers_half(start: int, end: int, span: tuple[int, int]) -> bool:
    overlap = min(end, span[1]) - max(start, span[0])
    return overlap > 0 and 2 * overlap >= span[1] - span[0]


def is_relevant(
    passage: Passage, docs: Sequence[str], evidence: Sequence[str], clean_texts: Mapping[str, str]
) -> bool:
    """The passage is from one of ``docs`` and covers at least half of one occurrence of an evidence string.

    Occurrences are found exactly in the document's cleaned text; an evidence string that does not occur
    there (cleaning changed it) counts when its normalised form is inside the normalised passage text.
    """
    if passage.doc not in docs:
        return False
    text = clean_texts.get(passage.doc, "")
    for ev in evidence:
        spans = occurrences(ev, text)
        if spans:
            if any(covers_half(passage.start, passage.end, s) for s in spans):
                return True
        elif normalize_for_match(ev) in normalize_for_match(passage.text):
            return True
    return False


# --- ranking ---------------------------------------------------------------------------------------------


def hit_at(relevant: Sequence[bool], k: int) -> float:
    return 1.0 if any(relevant[:k]) else 0.0


def reciprocal_rank(relevant: Sequence[bool], k: int = 10) -> float:
    for i, rel in enumerate(relevant[:k]):
        if rel:
            return 1.0 / (i + 1)
    return 0.0


def ndcg_at(relevant: Sequence[bool], k: int = 10) -> float:
    """Binary-gain nDCG. The ideal ranking puts the relevant passages that were retrieved first (the set of
    all relevant passages is unknown when relevance is judged by evidence)."""
    top = list(relevant[:k])
    dcg = sum(1.0 / math.log2(i + 2) for i, rel in enumerate(top) if rel)
    n_rel = sum(1 for rel in top if rel)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(n_rel))
    return dcg / ideal if ideal else 0.0


# --- answers ---------------------------------------------------------------------------------------------


def group_found(answer: str, group: Iterable[str]) -> bool:
    norm = normalize_for_match(answer)
    return any(normalize_for_match(alt) in norm for alt in group)


def fact_share(answer: str, must_contain: Sequence[Sequence[str]]) -> float:
    """Share of the must_contain groups with an alternative in the answer (1.0 when nothing is required)."""
    if not must_contain:
        return 1.0
    return sum(1 for g in must_contain if group_found(answer, g)) / len(must_contain)


def all_facts(answer: str, must_contain: Sequence[Sequence[str]]) -> bool:
    return fact_share(answer, must_contain) >= 1.0


def citation_supported(refused: bool, cited_relevant: Sequence[bool]) -> bool | None:
    """None when the question was refused (nothing to support); else whether any citation is relevant."""
    if refused:
        return None
    return any(cited_relevant)


def citation_precision(refused: bool, cited_relevant: Sequence[bool]) -> float | None:
    if refused:
        return None
    return sum(cited_relevant) / len(cited_relevant) if cited_relevant else 0.0


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


# --- aggregation -----------------------------------------------------------------------------------------


def _mean(values: Iterable[float | bool | None]) -> float | None:
    kept = [float(v) for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def aggregate(results: Sequence[QuestionResult]) -> dict[str, float | int | None]:
    """All metrics for a group of results; a metric with no questions to average over is None."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    answered = [r for r in answerable if not r.refused]
    out: dict[str, float | int | None] = {
        "n": len(results),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
    }
    for k in CUTOFFS:
        out[f"hit@{k}"] = _mean(hit_at(r.relevant, k) for r in answerable)
    out["mrr@10"] = _mean(reciprocal_rank(r.relevant, 10) for r in answerable)
    out["ndcg@10"] = _mean(ndcg_at(r.relevant, 10) for r in answerable)
    out["all_facts"] = _mean(r.all_facts for r in answerable)
    out["fact_share"] = _mean(r.fact_share for r in answerable)
    out["citation_support"] = _mean(citation_supported(r.refused, r.cited_relevant) for r in answered)
    out["citation_precision"] = _mean(citation_precision(r.refused, r.cited_relevant) for r in answered)
    out["refusal_accuracy"] = _mean(r.refused for r in unanswerable)
    out["false_refusal_rate"] = _mean(r.refused for r in answerable)
    latencies = [r.latency_ms for r in results]
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    return out


def group_by(
    results: Sequence[QuestionResult], key: Callable[[QuestionResult], Iterable[str]]
) -> dict[str, dict[str, float | int | None]]:
    """Metrics per group; ``key`` gives the groups a result belongs to (a cross-document question counts
    for each of its documents)."""
    groups: dict[str, list[QuestionResult]] = {}
    for r in results:
        for name in key(r):
            groups.setdefault(name, []).append(r)
    return {name: aggregate(groups[name]) for name in sorted(groups)}


def by_type(results: Sequence[QuestionResult]) -> dict[str, dict[str, float | int | None]]:
    return group_by(results, lambda r: [r.type])


def by_document(results: Sequence[QuestionResult]) -> dict[str, dict[str, float | int | None]]:
    return group_by(results, lambda r: list(r.docs) or ["(none)"])
