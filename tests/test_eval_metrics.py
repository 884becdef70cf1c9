"""Metric functions against hand-computed cases (no model needed)."""

from __future__ import annotations

import math

import pytest

from eval import metrics
from eval.metrics import Passage, QuestionResult
from eval.questions import EvalQuestion
from eval.runner import score_answer
from index.chunking import Chunk
from qa.types import Answer, Citation, Hit

DOC = "doc.txt"
TEXT = "前言。香港目前有16个国家重点实验室，分布在多所大学。计划资助2 000元。其他内容。"
TEXTS = {DOC: TEXT, "other.txt": "无关的文字。"}
EVIDENCE = "香港目前有16个国家重点实验室"
EV_START = TEXT.index(EVIDENCE)
EV_END = EV_START + len(EVIDENCE)


def passage(start: int, end: int, doc: str = DOC) -> Passage:
    return Passage(doc, start, end, TEXTS[doc][start:end])


# --- relevance ---------------------------------------------------------------------------------------------


def test_occurrences_finds_every_match_including_overlaps() -> None:
    assert metrics.occurrences("aa", "aaa") == [(0, 2), (1, 3)]
    assert metrics.occurrences("x", "abc") == []
    assert metrics.occurrences("", "abc") == []


def test_passage_covering_half_an_occurrence_is_relevant() -> None:
    n = EV_END - EV_START  # 15 characters
    assert metrics.is_relevant(passage(0, len(TEXT)), [DOC], [EVIDENCE], TEXTS)
    # a chunk boundary cuts the evidence: the tail chunk keeps 8 of 15 characters, the head keeps 7
    cut = EV_START + 7
    assert metrics.is_relevant(passage(cut, len(TEXT)), [DOC], [EVIDENCE], TEXTS)
    assert not metrics.is_relevant(passage(0, cut), [DOC], [EVIDENCE], TEXTS)
    # exactly half counts (even length evidence)
    ev = EVIDENCE[:14]
    assert metrics.is_relevant(passage(EV_START + 7, len(TEXT)), [DOC], [ev], TEXTS)
    assert not metrics.is_relevant(passage(EV_START + 8, len(TEXT)), [DOC], [ev], TEXTS)
    assert n == 15


def test_passage_from_another_document_is_not_relevant() -> None:
    texts = {DOC: TEXT, "copy.txt": TEXT}
    p = Passage("copy.txt", 0, len(TEXT), TEXT)
    assert not metrics.is_relevant(p, [DOC], [EVIDENCE], texts)
    assert metrics.is_relevant(p, [DOC, "copy.txt"], [EVIDENCE], texts)


def test_any_evidence_string_is_enough() -> None:
    start = TEXT.index("计划资助")
    p = passage(start, len(TEXT))
    assert metrics.is_relevant(p, [DOC], [EVIDENCE, "计划资助2 000元"], TEXTS)
    assert not metrics.is_relevant(p, [DOC], [EVIDENCE], TEXTS)


@pytest.mark.parametrize(
    "evidence",
    [
        "香港目前有16個國家重點實驗室",  # traditional
        "香港目前有１６个国家重点实验室",  # full-width digits
        "计划资助2000元",  # digit group space squashed
        "计划资助2,000元",  # comma
        "计划资助２，０００元",  # full-width comma and digits
    ],
)
def test_normalised_fallback_when_evidence_is_not_verbatim(evidence: str) -> None:
    assert evidence not in TEXT
    assert metrics.is_relevant(passage(0, len(TEXT)), [DOC], [evidence], TEXTS)
    assert not metrics.is_relevant(passage(0, 3), [DOC], [evidence], TEXTS)


def test_no_evidence_means_nothing_is_relevant() -> None:
    assert not metrics.is_relevant(passage(0, len(TEXT)), [DOC], [], TEXTS)


# --- ranking -----------------------------------------------------------------------------------------------


def test_ranking_metrics_by_hand() -> None:
    rel = [False, True, False, True]
    assert [metrics.hit_at(rel, k) for k in (1, 3, 5, 10)] == [0.0, 1.0, 1.0, 1.0]
    assert metrics.reciprocal_rank(rel) == 0.5
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    assert metrics.ndcg_at(rel) == pytest.approx(dcg / (1 + 1 / math.log2(3)))


def test_ranking_metrics_ties_and_cutoffs() -> None:
    # several relevant passages (e.g. two chunks covering the same evidence): the first one decides MRR
    assert metrics.reciprocal_rank([True, True, True]) == 1.0
    assert metrics.ndcg_at([True, True, True]) == pytest.approx(1.0)
    # a relevant passage below the cut-off does not count
    late = [False] * 10 + [True]
    assert metrics.hit_at(late, 10) == 0.0
    assert metrics.reciprocal_rank(late, 10) == 0.0
    assert metrics.ndcg_at(late, 10) == 0.0
    assert metrics.hit_at([False] * 4 + [True], 5) == 1.0
    assert metrics.reciprocal_rank([False] * 4 + [True]) == pytest.approx(0.2)


def test_ranking_metrics_on_empty_lists() -> None:
    assert metrics.hit_at([], 5) == 0.0
    assert metrics.reciprocal_rank([]) == 0.0
    assert metrics.ndcg_at([]) == 0.0


# --- answers -----------------------------------------------------------------------------------------------


def test_facts_are_matched_after_normalisation() -> None:
    assert metrics.all_facts("資助2,000元，由創新科技及工業局負責", [["2 000元"], ["创新科技及工业局"]])
    assert metrics.all_facts("平台名为ＡＩＲ＠ＩｎｎｏＨＫ。", [["AIR@InnoHK"]])
    assert metrics.all_facts("最高 2000 元", [["2,000元"]])
    assert metrics.all_facts("air@innohk", [["AIR@InnoHK"]])


def test_fact_share_counts_groups_not_alternatives() -> None:
    groups = [["火炬"], ["翠亨新区", "翠亨"], ["科技金融新城"]]
    assert metrics.fact_share("火炬开发区和翠亨", groups) == pytest.approx(2 / 3)
    assert not metrics.all_facts("火炬开发区和翠亨", groups)
    assert metrics.fact_share("任何回答", []) == 1.0
    assert metrics.fact_share("", [["x"]]) == 0.0


def test_citation_metrics() -> None:
    assert metrics.citation_supported(True, [True]) is None
    assert metrics.citation_supported(False, []) is False
    assert metrics.citation_supported(False, [False, True]) is True
    assert metrics.citation_precision(True, [True]) is None
    assert metrics.citation_precision(False, []) == 0.0
    assert metrics.citation_precision(False, [True, False, False, True]) == 0.5


def test_percentile_interpolates() -> None:
    assert metrics.percentile([], 50) is None
    assert metrics.percentile([7.0], 95) == 7.0
    assert metrics.percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert metrics.percentile([1.0, 2.0, 3.0, 4.0], 95) == pytest.approx(3.85)
    assert metrics.percentile([5.0, 5.0, 5.0], 50) == 5.0


# --- aggregation -------------------------------------------------------------------------------------------


def result(
    qid: str,
    qtype: str,
    *,
    docs: tuple[str, ...] = (DOC,),
    refused: bool = False,
    relevant: list[bool] | None = None,
    cited: list[bool] | None = None,
    facts: float | None = 1.0,
    latency: float = 100.0,
) -> QuestionResult:
    answerable = qtype != "unanswerable"
    return QuestionResult(
        id=qid,
        type=qtype,
        split="test",
        docs=docs if answerable else (),
        question="q",
        expected="e",
        answerable=answerable,
        answer="a",
        refused=refused,
        relevant=relevant or [],
        cited_relevant=cited or [],
        fact_share=facts if answerable else None,
        latency_ms=latency,
    )


def test_aggregate_by_hand() -> None:
    rs = [
        result("1", "factoid", relevant=[True], cited=[True, False], latency=100),
        result("2", "number", relevant=[False, False, True], refused=True, facts=0.0, latency=200),
        result("3", "unanswerable", refused=True, latency=300),
        result("4", "unanswerable", refused=False, latency=400),
    ]
    m = metrics.aggregate(rs)
    assert (m["n"], m["n_answerable"], m["n_unanswerable"]) == (4, 2, 2)
    assert m["hit@1"] == 0.5
    assert m["hit@3"] == 1.0
    assert m["mrr@10"] == pytest.approx((1 + 1 / 3) / 2)
    assert m["all_facts"] == 0.5
    assert m["fact_share"] == 0.5
    # only question 1 was answered: it cites one relevant of two passages
    assert m["citation_support"] == 1.0
    assert m["citation_precision"] == 0.5
    assert m["refusal_accuracy"] == 0.5
    assert m["false_refusal_rate"] == 0.5
    assert m["latency_p50_ms"] == 250.0


def test_aggregate_with_nothing_to_average_is_none() -> None:
    m = metrics.aggregate([result("1", "unanswerable", refused=True)])
    assert m["hit@5"] is None
    assert m["citation_support"] is None
    assert m["refusal_accuracy"] == 1.0
    m = metrics.aggregate([result("1", "factoid", refused=True, facts=0.0)])
    assert m["citation_support"] is None  # nothing answered
    assert m["false_refusal_rate"] == 1.0
    assert m["refusal_accuracy"] is None


def test_groups_by_type_and_document() -> None:
    rs = [
        result("1", "factoid", relevant=[True]),
        result("2", "crossdoc", docs=(DOC, "other.txt"), relevant=[False]),
        result("3", "unanswerable", refused=True),
    ]
    types = metrics.by_type(rs)
    assert set(types) == {"factoid", "crossdoc", "unanswerable"}
    assert types["factoid"]["hit@5"] == 1.0
    docs = metrics.by_document(rs)
    assert docs[DOC]["n"] == 2
    assert docs["other.txt"]["n"] == 1
    assert docs["(none)"]["refusal_accuracy"] == 1.0


# --- reducing a real Answer --------------------------------------------------------------------------------


def _hit(start: int, end: int, rank: int, doc: str = DOC) -> Hit:
    chunk = Chunk(id=f"c{rank}", doc=doc, title="t", section=(), start=start, end=end, text=TEXTS[doc][start:end])
    return Hit(chunk=chunk, row=rank, score=1.0 / rank, rank=rank)


def test_score_answer_judges_passages_citations_and_facts() -> None:
    q = EvalQuestion(
        id="x",
        question="香港有多少个国家重点实验室？",
        docs=(DOC,),
        must_contain=(("16个",),),
        evidence=(EVIDENCE,),
        type="number",
    )
    good, bad, elsewhere = _hit(EV_START - 2, EV_END + 3, 2), _hit(0, 3, 1), _hit(0, 6, 3, "other.txt")
    answer = Answer(
        question=q.question,
        answer="香港目前有16个国家重点实验室[1]",
        refused=False,
        citations=[Citation(1, good, (), ()), Citation(2, bad, (), ())],
        passages=[bad, good, elsewhere],
    )
    r = score_answer(q, answer, TEXTS, 12.5)
    assert r.relevant == [False, True, False]
    assert r.cited_relevant == [True, False]
    assert r.fact_share == 1.0 and r.all_facts
    assert r.passages[1] == {"doc": DOC, "start": EV_START - 2, "end": EV_END + 3}


def test_score_answer_refusal_finds_no_facts_even_if_it_repeats_the_question() -> None:
    q = EvalQuestion(
        id="x", question="香港有16个国家重点实验室吗？", docs=(DOC,), must_contain=(("16个",),), evidence=(EVIDENCE,)
    )
    answer = Answer(question=q.question, answer="文件中没有找到关于“香港有16个国家重点实验室”的内容。", refused=True)
    r = score_answer(q, answer, TEXTS, 1.0)
    assert r.fact_share == 0.0 and not r.all_facts
    unanswerable = EvalQuestion(id="u", question="?", type="unanswerable")
    r = score_answer(unanswerable, answer, TEXTS, 1.0)
    assert r.fact_share is None and r.all_facts is None and not r.answerable
