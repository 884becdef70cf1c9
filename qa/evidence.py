"""Evidence: the sentences and clauses of the top passages, scored by whether they answer the question.

A candidate is scored lexically (the question's content terms in the clause, its sentence, and more weakly
its paragraph, section and title), by whether it holds what is asked (a figure with a fitting unit, a date,
a body, a name), and by whether its years and ordinals agree with the question's. Headings are context for
the clauses under them, never statements of their own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from index.sentences import sentence_spans
from index.textnorm import normalize_for_match
from qa.analyse import Analysis, AskKind, ordinals_in, values_in, years_in
from qa.details import DetailCheck
from qa.terms import coverage
from qa.tuning import Tuning
from qa.types import Hit
from qa.values import fits

# Clauses end at Chinese commas, colons and semicolons, and at an ASCII comma that is not inside a number
# ("35,000元" stays whole).
_CLAUSE = re.compile(r"(?:[^；;，,：:]|(?<=\d),(?=\d))+[；;，,：:]?")
_SEGMENT_END = "；;。！？!?"


@dataclass(frozen=True)
class Candidate:
    hit_index: int  # which passage
    start: int  # offsets of the statement in the passage text
    end: int
    text: str
    own: float  # content-term coverage of the clause itself
    local: float  # ... of its sentence, with what only its paragraph, section and title add counted in part
    fits: bool  # holds a value of the asked kind
    qualifier: int  # +1 the question's years/ordinals agree, 0 unknown, -1 contradicted
    score: float
    dense: float = 0.0  # cosine of its sentence to the question (0 when no sentence vectors)
    meaning: float = 0.0  # that cosine on a 0-1 scale (see Tuning.dense_floor)
    support: tuple[int, int] | None = None  # another span of the passage that holds the value (a 责任单位 note)
    absent: str = ""  # the asked word whose siblings the sentence gives instead (names_a_sibling)

    @property
    def relevance(self) -> float:
        """How well the candidate is about the question: by its words, or by its meaning when the question
        is in everyday words the documents do not use."""
        return max(self.local, self.meaning)


def clause_spans(sentence: str, base: int, min_chars: int) -> list[tuple[int, int]]:
    spans = []
    for m in _CLAUSE.finditer(sentence):
        s, e = m.span()
        if e - s >= min_chars:
            spans.append((base + s, base + e))
    return spans


def _segment_of(text: str, clauses: list[tuple[int, int]], anchor: tuple[int, int]) -> set[tuple[int, int]]:
    """The clauses between the semicolons (or sentence ends) around ``anchor``."""
    i = clauses.index(anchor)
    lo = i
    while lo > 0 and text[clauses[lo - 1][1] - 1] not in _SEGMENT_END:
        lo -= 1
    hi = i
    while hi < len(clauses) - 1 and text[clauses[hi][1] - 1] not in _SEGMENT_END:
        hi += 1
    return set(clauses[lo : hi + 1])


def _qualifier(analysis: Analysis, near: str, context: str) -> int:
    """+1 when the years/ordinals asked are where the clause is, -1 when other ones are there instead.

    Years agree when they overlap (2020 sits in 2015-2020 and in 十三五); ordinals must match each kind
    asked (第二批 is not 第一批, whatever 第二阶段 says)."""
    if not analysis.qualifiers:
        return 0
    verdicts = []
    if analysis.years:
        here = years_in(near)
        if here:
            verdicts.append(1 if analysis.years & here else -1)
        else:  # a title's or heading's years only place the clause: they can contradict, not confirm
            around = years_in(context)
            verdicts.append(-1 if around and not analysis.years & around else 0)
    if analysis.ordinals:
        here = ordinals_in(near) or ordinals_in(context)
        for unit in {o[-1] for o in analysis.ordinals}:
            asked = {o for o in analysis.ordinals if o[-1] == unit}
            found = {o for o in here if o[-1] == unit}
            verdicts.append(0 if not found else 1 if asked <= found else -1)
    return min(verdicts) if verdicts else 0


def gather(
    analysis: Analysis,
    hits: list[Hit],
    weights: dict[str, float],
    tuning: Tuning,
    doc_years: dict[str, int | None] | None = None,
    similarity: Callable[[int, int, int], float | None] | None = None,
    dense_scale: tuple[float, float] | None = None,
    sibling: Callable[[str, str], str] | None = None,
) -> list[Candidate]:
    """Every candidate statement of the top passages, best first.

    ``dense_scale`` (floor, ceiling) maps a sentence's cosine onto 0-1 (default: the tuning's); ``sibling``
    (normalised sentence, normalised context) tells a sentence about a sibling of the asked thing
    (:func:`names_a_sibling` bound to the question)."""
    floor, ceiling = dense_scale or (tuning.dense_floor, tuning.dense_ceiling)
    out: list[Candidate] = []
    stated = analysis.stated_values | values_in(analysis.text)
    detail = DetailCheck.of(analysis, tuning.min_meaning)
    # "信易+" names a family of names ("信易游", "信易阅"): the stem must be there.
    # A name inside a clause that only points at what is asked ("发布《X》的那个政策局…") need not be there.
    pointing = [n for n in analysis.names if re.search(rf"{re.escape(n)}[」》”\"』]?的那", analysis.text)]
    names = [
        re.sub(r"[+×*xX＋…]+$", "", normalize_for_match(n)) or normalize_for_match(n)
        for n in analysis.names
        if n not in pointing
    ]
    for hi, hit in enumerate(hits[: tuning.evidence_passages]):
        chunk = hit.chunk
        text = chunk.text
        head = f"{chunk.title} {chunk.section_label}"
        year = (doc_years or {}).get(chunk.doc)
        # The nearest years place a clause: its section's ("“十三五”发展回顾" of a "十四五" plan is about 2016-2020),
        # else its title's, else the document's year.
        context_years = next(
            (t for t in (chunk.section_label, chunk.title) if years_in(t)), f"{year}年" if year else ""
        )
        rank = 1.0 / math.pow(hi + 1, tuning.rank_decay)
        para_cov: dict[int, float] = {}
        spans = sentence_spans(text, tuning.clause_min_chars)
        for s, e in spans:
            sentence = text[s:e]
            line_start = text.rfind("\n", 0, s) + 1
            line_end = text.find("\n", e)
            paragraph = text[line_start : len(text) if line_end < 0 else line_end]
            if line_start not in para_cov:
                para_cov[line_start] = coverage(normalize_for_match(f"{head} {paragraph}"), weights)
            sentence_norm = normalize_for_match(sentence)
            sent_cov = coverage(sentence_norm, weights)
            local = sent_cov + tuning.context_share * max(0.0, para_cov[line_start] - sent_cov)
            named = all(n in normalize_for_match(f"{head} {paragraph}") for n in names)
            before = text[line_start:s]
            sim = (similarity(hit.row, s, e) if similarity else None) or 0.0
            meaning = min(1.0, max(0.0, (sim - floor) / max(1e-6, ceiling - floor)))
            clauses = clause_spans(sentence, s, tuning.clause_min_chars) if e - s > tuning.long_sentence_chars else []
            owns = {c: coverage(normalize_for_match(text[c[0] : c[1]]), weights) for c in clauses}
            # In a long sentence the value must sit in a clause about the question: "2025年…注册商标量达到2万件…
            # 地理标志等数量持续增长" gives no figure for 地理标志.
            top_own = max(owns.values(), default=0.0)
            relevant = {c for c, o in owns.items() if o >= tuning.clause_share * top_own}
            # ... or in the same run between semicolons as the clause most about it: "对首次…进入财务报表的，
            # 按入表金额10%给予奖励，单个企业不超过10万元" gives the condition and the reward in one run.
            segment = _segment_of(text, clauses, max(owns, key=owns.get)) if owns else set()
            relevant |= segment
            # A date heads the sentence it governs ("到2017年，…，基本建成创新型城市"): for a date, the sentence counts.
            date_here = analysis.kind is AskKind.DATE and fits(AskKind.DATE, sentence, stated, analysis.text)
            clause_fit = {
                c: c in relevant and (date_here or fits(analysis.kind, text[c[0] : c[1]], stated, analysis.text))
                for c in clauses
            }
            # (a date's event in other words than the question's still counts when the sentence means it)
            absent = (
                sibling(sentence_norm, normalize_for_match(f"{head} {sentence}"))
                if sibling is not None and analysis.needs_value
                else ""
            )
            # A bar the question sets ("超500亿元") names a tier: a sentence without it is of other tiers.
            other_tier = next((t for t in analysis.thresholds if t not in re.sub(r"[\s,]", "", sentence)), "")
            missing_detail = detail.missing(sentence, sentence_norm, paragraph, chunk, meaning) or bool(absent)
            absent = absent or other_tier
            if missing_detail:
                clause_fit = dict.fromkeys(clause_fit, False)  # a date, but of another event
            note = None
            if analysis.kind is AskKind.ORGANISATION and not missing_detail:
                # Work plans name who does a task in a note closing its paragraph: "…（责任单位：高教司）".
                note = _paragraph_note(text, spans, line_start, len(text) if line_end < 0 else line_end)
                if note is not None and (
                    note == (s, e) or not fits(analysis.kind, text[note[0] : note[1]][-62:], stated, analysis.text)
                ):
                    note = None
            if analysis.kind is AskKind.DATE and not date_here and not missing_detail:
                # "到2027年，A。B，成为…先行区。": a date that opens a sentence governs the sentences after it.
                note = _governing_date(text, spans, line_start, s)
            for cs, ce in [(s, e), *clauses]:
                clause = text[cs:ce]
                whole = (cs, ce) == (s, e)
                own = sent_cov if whole else owns[(cs, ce)]
                blended = own + 0.5 * max(0.0, sent_cov - own) + max(0.0, local - sent_cov)
                if not clauses:
                    fit = fits(analysis.kind, clause, stated, analysis.text) and not missing_detail
                else:
                    fit = any(clause_fit.values()) if whole else clause_fit[(cs, ce)]
                support = note if note is not None and not fit else None
                fit = fit or support is not None
                qual = _qualifier(analysis, sentence, f"{context_years} {before}")
                score = blended + (tuning.fit_bonus if fit and analysis.kind.specific else 0.0)
                score += tuning.dense_weight * meaning
                if qual < 0 or not named or other_tier:
                    score *= 1.0 - tuning.qualifier_penalty
                    qual = -1
                out.append(
                    Candidate(hi, cs, ce, clause, own, local, fit, qual, score * rank, sim, meaning, support, absent)
                )
    out.sort(key=lambda c: (-c.score, c.hit_index, c.start))
    return out


_TRAILING_NOTE = re.compile(r"[（(][^（）()]{1,60}[）)][。；;]?$")


# A target year that frames what follows ("到2027年，"), not an event's own date ("2018年成立…").
_OPENING_DATE = re.compile(
    r"^\s*(?:到|至|截至|截止到?)\s*(?:\d{4}|[二〇零一两三四五六七八九]{4})\s*年(?:底|末|前)?\s*[，,]"
)


def _governing_date(text: str, spans: list[tuple[int, int]], line_start: int, start: int) -> tuple[int, int] | None:
    """The nearest earlier sentence of the paragraph that opens with a date ("到2027年，…"), or None."""
    earlier = [(a, b) for a, b in spans if line_start <= a and b <= start]
    for a, b in reversed(earlier):
        if _OPENING_DATE.match(text[a:b]):
            return (a, b)
    return None


def _paragraph_note(text: str, spans: list[tuple[int, int]], line_start: int, line_end: int) -> tuple[int, int] | None:
    """The sentence closing the paragraph when it ends in a bracketed note."""
    inside = [(s, e) for s, e in spans if line_start <= s and e <= line_end]
    if inside and _TRAILING_NOTE.search(text[inside[-1][0] : inside[-1][1]]):
        return inside[-1]
    return None


def statement_span(text: str, start: int, end: int, max_chars: int) -> tuple[int, int]:
    """The span to quote for a clause: its whole sentence when that is short enough, else the run of the
    sentence between semicolons that holds the clause, so that nothing is cut mid-statement."""
    for s, e in sentence_spans(text, 1):
        if s <= start and end <= e:
            if e - s <= max_chars:
                return s, e
            left = max(text.rfind(c, s, start) for c in "；;")
            right_candidates = [i for i in (text.find(c, end - 1, e) for c in "；;") if i >= 0]
            ls = left + 1 if left >= s else s
            re_ = min(right_candidates) + 1 if right_candidates else e
            return ls, re_
    return start, end
