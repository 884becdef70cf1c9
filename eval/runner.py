"""Run systems over a question list and record, per question, what the metrics need.

Systems:
  full       the product: structured chunks, hybrid retrieval
  bm25       the same index, BM25 only
  dense      the same index, dense only
  window400  fixed 400-character windows (no overlap) in a sibling index folder, hybrid retrieval
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from eval.metrics import Passage, QuestionResult, fact_share, is_relevant
from eval.questions import EvalQuestion
from index.embedder import Embedder
from index.progress import progress_bar
from index.settings import Settings
from index.store import LoadedIndex
from qa.types import Answer, Turn

CRASH_PREFIX = "exception: "


@dataclass(frozen=True)
class SystemSpec:
    name: str
    mode: str | None  # passed to Pipeline.answer
    window: bool = False  # uses the fixed-window index
    description: str = ""


SYSTEMS: dict[str, SystemSpec] = {
    "full": SystemSpec("full", None, description="structured chunks, hybrid (the product)"),
    "bm25": SystemSpec("bm25", "bm25", description="structured chunks, BM25 only"),
    "dense": SystemSpec("dense", "dense", description="structured chunks, dense only"),
    "window400": SystemSpec("window400", None, window=True, description="400-char windows, hybrid"),
}


class Answerer(Protocol):
    """What the runner needs from a pipeline (``qa.pipeline.Pipeline`` or a wrapper around one)."""

    index: LoadedIndex

    def answer(self, question: str, history: Sequence = (), *, mode: str | None = None) -> Answer: ...


def parse_systems(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown or not names:
        raise ValueError(f"unknown system(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(SYSTEMS)}")
    return list(dict.fromkeys(names))


def window_settings(settings: Settings) -> Settings:
    """The baseline index: 400-character windows, in a sibling folder of the configured index."""
    folder = settings.index_dir.with_name(settings.index_dir.name + "-window400")
    return settings.replace(chunking="window", chunk_size=400, chunk_overlap=0, index_dir=folder)


def clean_texts(index: LoadedIndex) -> dict[str, str]:
    return {name: d.clean_text for name, d in index.documents.items()}


def _passage(chunk) -> Passage:
    return Passage(chunk.doc, chunk.start, chunk.end, chunk.text)


def score_answer(q: EvalQuestion, answer: Answer, texts: Mapping[str, str], latency_ms: float) -> QuestionResult:
    """Reduce one answer to a QuestionResult (relevance of ranked and cited passages, facts found)."""

    def rel(chunk) -> bool:
        return q.answerable and is_relevant(_passage(chunk), q.docs, q.evidence, texts)

    # A refusal repeats the question's topic, which may contain an expected term: it finds no facts.
    facts = None if not q.answerable else 0.0 if answer.refused else fact_share(answer.answer, q.must_contain)
    ranked = [h.chunk for h in answer.passages[:10]]
    cited = [c.hit.chunk for c in answer.citations]
    return QuestionResult(
        id=q.id,
        type=q.type,
        split=q.split,
        docs=q.docs,
        question=q.question,
        expected=q.answer,
        answerable=q.answerable,
        answer=answer.answer,
        refused=answer.refused,
        relevant=[rel(c) for c in ranked],
        cited_relevant=[rel(c) for c in cited],
        fact_share=facts,
        latency_ms=latency_ms,
        error=answer.error,
        passages=[{"doc": c.doc, "start": c.start, "end": c.end} for c in ranked],
    )


def run_system(
    name: str,
    pipeline: Answerer,
    questions: Sequence[EvalQuestion],
    *,
    mode: str | None = None,
    progress: bool = True,
) -> list[QuestionResult]:
    texts = clean_texts(pipeline.index)
    results = []
    # Untimed answers first (one Chinese, one English question), so that lazy loading (the English
    # dictionary, first-call setup) does not count as the latency of whichever question came first.
    english = [q for q in questions if q.question.isascii()][:1]
    for q in [*questions[:1], *english]:
        with contextlib.suppress(Exception):
            pipeline.answer(q.question, mode=mode)
    for q in progress_bar(questions, desc=f"eval {name}", unit="q", disable=not progress):
        t = time.perf_counter()
        try:
            answer = pipeline.answer(q.question, _turns(pipeline, q, mode), mode=mode)
        except Exception as exc:  # one failing question is recorded (and fails the gate), not fatal
            error = f"{CRASH_PREFIX}{type(exc).__name__}: {exc}"
            answer = Answer(question=q.question, answer="", refused=False, error=error)
        latency = (time.perf_counter() - t) * 1000
        results.append(score_answer(q, answer, texts, latency))
    return results


def _turns(pipeline: Answerer, q: EvalQuestion, mode: str | None) -> list[Turn]:
    """The conversation before a follow-up: each earlier question with the answer the system gave to it."""
    turns: list[Turn] = []
    for earlier in q.history:
        turns.append(Turn(earlier, pipeline.answer(earlier, list(turns), mode=mode).answer))
    return turns


def crashed(results: Sequence[QuestionResult]) -> list[QuestionResult]:
    """Results whose question raised an exception in the pipeline."""
    return [r for r in results if r.error and r.error.startswith(CRASH_PREFIX)]


def build_pipelines(
    settings: Settings,
    systems: Sequence[str],
    *,
    embedder: Embedder | None = None,
    base: Answerer | None = None,
    progress: bool = True,
) -> dict[str, Answerer]:
    """One pipeline per index, shared by the systems that use it; one embedder for all."""
    from qa.pipeline import Pipeline

    embedder = embedder or getattr(base, "embedder", None) or Embedder(settings)
    pipelines: dict[str, Answerer] = {}
    structured: Answerer | None = base
    window: Answerer | None = None
    for name in systems:
        spec = SYSTEMS[name]
        if spec.window:
            window = window or Pipeline(window_settings(settings), embedder=embedder, progress=progress)
            pipelines[name] = window
        else:
            structured = structured or Pipeline(settings, embedder=embedder, progress=progress)
            pipelines[name] = structured
    return pipelines


def run_all(
    settings: Settings,
    questions: Sequence[EvalQuestion],
    systems: Sequence[str],
    *,
    embedder: Embedder | None = None,
    base: Answerer | None = None,
    progress: bool = True,
) -> dict[str, list[QuestionResult]]:
    pipelines = build_pipelines(settings, systems, embedder=embedder, base=base, progress=progress)
    return {
        name: run_system(name, pipelines[name], questions, mode=SYSTEMS[name].mode, progress=progress)
        for name in systems
    }
