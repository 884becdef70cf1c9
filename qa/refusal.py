"""Decide whether the retrieved passages support an answer, and word the refusal when they do not.

Calibrated on the dev questions only (eval/questions, split "dev"); see the Grounded-answers note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.textnorm import normalize_for_match
from qa.compose import ComposedAnswer
from qa.terms import coverage, present
from qa.types import Hit

_QUESTION_WORDS = re.compile(
    r"(请问|是多少|有多少|多少|是什么|有什么|有哪些|哪些|是哪|哪个|哪一|几个|几项|什么时候|何时|如何|怎么样|怎样|怎么|吗|呢|"
    r"[?？。！!，,])"
)


@dataclass(frozen=True)
class RefusalPolicy:
    min_coverage: float = 0.2  # share of the question's (IDF-weighted) terms the cited passages contain
    min_dense: float = 0.80  # cosine of the best passage to the question
    max_missing_weight: float = 0.16  # the heaviest term absent from the top passages, as a share of all terms


@dataclass(frozen=True)
class Support:
    coverage: float
    dense_top: float
    missing_share: float
    missing_terms: tuple[str, ...]
    missing_names: tuple[str, ...] = ()  # names in the question that neither the index nor the passages know

    def supported(self, policy: RefusalPolicy) -> bool:
        return (
            not self.missing_names
            and self.coverage >= policy.min_coverage
            and self.dense_top >= policy.min_dense
            and self.missing_share <= policy.max_missing_weight
        )


def measure_support(
    composed: ComposedAnswer | None,
    hits: list[Hit],
    weights: dict[str, float],
    unknown_names: frozenset[str] = frozenset(),
    own_terms: frozenset[str] | None = None,
) -> Support:
    """How well the passages cover the question. Missing terms are judged on ``own_terms`` only (a
    follow-up's context words from earlier turns may legitimately be absent)."""
    if composed is None or not hits:
        return Support(0.0, 0.0, 1.0, tuple(weights), tuple(unknown_names))
    cited = " ".join(f"{c.hit.chunk.title} {c.hit.chunk.section_label} {c.hit.chunk.text}" for c in composed.citations)
    cov = coverage(normalize_for_match(cited), weights)
    top = normalize_for_match(" ".join(f"{h.chunk.title} {h.chunk.section_label} {h.chunk.text}" for h in hits[:5]))
    total = sum(weights.values()) or 1.0
    judged = weights if own_terms is None else {t: w for t, w in weights.items() if t in own_terms}
    missing = [t for t in judged if not present(t, top)]
    heaviest = max((judged[t] for t in missing), default=0.0)
    dense_top = max((h.dense_score for h in hits), default=0.0)
    missing_names = tuple(n for n in unknown_names if n not in top)
    return Support(cov, dense_top, heaviest / total, tuple(missing), missing_names)


def refusal_text(question: str) -> str:
    topic = _QUESTION_WORDS.sub("", question).strip() or question.strip()
    if len(topic) > 30:
        topic = topic[:29] + "…"
    return f"文件中没有找到关于“{topic}”的规定。下面列出可能相关的内容，供您参考。"
