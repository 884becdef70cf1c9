"""Answerability from the evidence, not from the question's wording.

Answer when a clause holds what is asked, under the question's years and ordinals, in a sentence that
covers the question's content; say "the documents cover the topic but not this detail" when the topic is
there and the detail is not; say plainly that nothing relevant exists otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from index.textnorm import normalize_for_match
from qa.analyse import Analysis
from qa.evidence import Candidate
from qa.tuning import Tuning
from qa.types import Hit


class Verdict(StrEnum):
    ANSWER = "answer"
    NOT_DETAILED = "not_detailed"  # the topic is covered, the asked detail is not
    NOTHING = "nothing"  # nothing relevant
    UNKNOWN_PLACE = "unknown_place"  # the question names a place no document covers


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    best: Candidate | None = None  # the answering clause (ANSWER) or the closest topical one (NOT_DETAILED)
    place: str = ""  # the uncovered place (UNKNOWN_PLACE)
    contradicted: bool = False  # NOT_DETAILED because the years/ordinals found are other ones


def _paragraph(hit: Hit, cand: Candidate) -> str:
    text = hit.chunk.text
    s = text.rfind("\n", 0, cand.start) + 1
    e = text.find("\n", cand.end)
    return text[s : len(text) if e < 0 else e]


def naming(candidates: list[Candidate], hits: list[Hit], places: tuple[str, ...]) -> list[Candidate]:
    """The candidates whose paragraph names every one of ``places``: a place no document is about must be
    named where the answer is, or the answer is another place's."""
    wanted = [normalize_for_match(p) for p in places]
    return [c for c in candidates if all(w in normalize_for_match(_paragraph(hits[c.hit_index], c)) for w in wanted)]


def judge(
    analysis: Analysis,
    candidates: list[Candidate],
    hits: list[Hit],
    tuning: Tuning,
    *,
    unknown_places: tuple[str, ...] = (),
    dense_top: float | None = None,
    by_meaning: bool = False,
) -> Judgement:
    """``candidates`` already narrowed by :func:`naming` when the question names places no document covers."""
    if not candidates:
        return (
            Judgement(Verdict.UNKNOWN_PLACE, place=unknown_places[0]) if unknown_places else Judgement(Verdict.NOTHING)
        )
    if dense_top is not None and dense_top < tuning.min_dense:
        return Judgement(Verdict.NOTHING)
    # A figure, date or name must sit in a sentence that shares the question's words; an open question in
    # everyday words may be matched by meaning.
    # (``by_meaning``: always, for questions whose words reach the documents only through a dictionary.)
    lexical_only = analysis.kind.specific and not by_meaning

    # An English question's words reach the documents through a dictionary that gives only some of them.
    min_focus = tuning.min_focus_en if by_meaning and not analysis.kind.specific else tuning.min_focus

    def about(c: Candidate) -> bool:
        if not lexical_only:
            # Meaning alone can carry an everyday question, but some of its words must be there too.
            return c.relevance >= min_focus and c.local >= tuning.min_open_shared
        # A figure asked in everyday words: close in meaning and sharing some of the question's words.
        return c.local >= min_focus or (c.meaning >= tuning.min_meaning and c.local >= tuning.min_shared)

    topical = [c for c in candidates if about(c)]
    answering = [c for c in topical if c.qualifier >= 0 and (c.fits or not analysis.needs_value)]
    if answering:
        best = answering[0]
        closest = max(topical, key=lambda c: c.local)
        if analysis.needs_value and closest.local - best.local > tuning.topic_margin and not closest.fits:
            # The sentence most about the question holds no such value; a value in a sentence much less
            # about it answers something else ("获得1.5亿元专项资金" for "该专项资金每年预算多少").
            return Judgement(Verdict.NOT_DETAILED, closest)
        return Judgement(Verdict.ANSWER, best)
    if topical:
        # (with an uncovered place, these sentences name it: "深圳园区" in another city's document)
        return Judgement(Verdict.NOT_DETAILED, topical[0], contradicted=any(c.qualifier < 0 for c in topical))
    if unknown_places:
        return Judgement(Verdict.UNKNOWN_PLACE, place=unknown_places[0])
    return Judgement(Verdict.NOTHING, candidates[0])
