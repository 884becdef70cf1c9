"""The answering pipeline: normalise -> (follow-up context) -> hybrid retrieve -> compose -> verify/refuse.

Models and the index load once, in the constructor; ``answer`` is then cheap and safe to call from
several threads (nothing in it mutates shared state).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.builder import ensure_index
from index.embedder import Embedder
from index.settings import Settings
from index.store import LoadedIndex
from index.textnorm import search_tokens, to_simplified
from qa.compose import compose
from qa.followup import contextual_query
from qa.query import Query, QuestionError, normalize_question
from qa.refusal import RefusalPolicy, Support, measure_support, refusal_text
from qa.retrieve import Retriever, SearchRequest
from qa.terms import entity_words, group_weights, is_entity, term_weights
from qa.translate import EnglishToChinese
from qa.types import Answer, Hit, Turn


@dataclass(frozen=True)
class PreparedQuery:
    query: Query
    dense_text: str
    bm25_tokens: list[str]
    weights: dict[str, float]  # question terms -> importance, for composing and for refusal
    topic: str  # earlier question used as context, or ""
    unknown_names: frozenset[str] = frozenset()  # names in the question that no document uses
    own_terms: frozenset[str] = frozenset()  # terms of this question itself (not of earlier turns)


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        index: LoadedIndex | None = None,
        policy: RefusalPolicy | None = None,
        progress: bool = True,
    ) -> None:
        self.settings = settings
        self.embedder = embedder or Embedder(settings)
        self.index = index or ensure_index(settings, self.embedder, progress=progress)
        self.retriever = Retriever(self.index, self.embedder)
        self.policy = policy or RefusalPolicy()
        retriever = self.index.keywords.retriever
        df = np.diff(np.asarray(retriever.scores["indptr"]))
        n = max(1, len(self.index.chunks))
        self.idf = {
            tok: math.log((n - df[i] + 0.5) / (df[i] + 0.5) + 1.0)
            for tok, i in retriever.vocab_dict.items()
            if i < len(df) and tok  # bm25s adds an empty placeholder token past the matrix
        }
        self.max_idf = math.log((n + 0.5) / 0.5 + 1.0)
        self._english: EnglishToChinese | None = None

    @property
    def documents(self) -> dict[str, str]:
        """Seed file name -> title, for filters."""
        return {name: d.meta.title for name, d in self.index.documents.items()}

    @property
    def regions(self) -> list[str]:
        return sorted({d.meta.region for d in self.index.documents.values() if d.meta.region})

    def english(self) -> EnglishToChinese:
        if self._english is None:
            self._english = EnglishToChinese(set(self.idf))
        return self._english

    def _terms(self, text: str, language: str) -> tuple[list[str], dict[str, float], frozenset[str]]:
        """(BM25 tokens, term weights, unknown names) for one piece of question text."""
        if language == "en":
            groups = self.english().groups(text)
            english_tokens = [t for t in search_tokens(text) if t in self.idf and len(t) > 1]
            tokens = list(dict.fromkeys([t for g in groups for t in g] + english_tokens))
            return tokens, group_weights(groups + [[t] for t in english_tokens], self.idf), frozenset()
        tokens = search_tokens(text)
        entities = entity_words(text)
        unknown = frozenset(t for t in tokens if t not in self.idf and is_entity(t, entities))
        return tokens, term_weights(tokens, self.idf, self.max_idf, entities), unknown

    def prepare(self, question: str, history: Sequence[Turn] = ()) -> PreparedQuery:
        query = normalize_question(question, self.settings.max_question_chars)
        search_text, topic = contextual_query(query.text, history)
        tokens, weights, unknown = self._terms(query.text, query.language)
        own, own_weights = list(tokens), dict(weights)
        if topic:
            topic_tokens, topic_weights, _ = self._terms(to_simplified(topic), query.language)
            tokens += topic_tokens
            for term, w in topic_weights.items():
                weights.setdefault(term, 0.5 * w)
        dense_text = search_text
        if query.language == "en" and own:
            # The multilingual model reads the English; the dictionary terms anchor it in the documents' words.
            dense_text = f"{search_text} {' '.join(own[:8])}"
        return PreparedQuery(query, dense_text, tokens, weights, topic, unknown, frozenset(own_weights))

    def retrieve(
        self,
        prepared: PreparedQuery,
        *,
        k: int | None = None,
        mode: str | None = None,
        fusion: str | None = None,
        doc: str | None = None,
        region: str | None = None,
    ) -> tuple[list[Hit], dict[str, float]]:
        request = SearchRequest(
            dense_text=prepared.dense_text,
            bm25_tokens=prepared.bm25_tokens,
            k=k or self.settings.top_k,
            mode=mode or self.settings.retrieval,
            fusion=fusion or self.settings.fusion,
            doc=doc or None,
            region=region or None,
        )
        return self.retriever.search(request)

    def answer(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        doc: str | None = None,
        region: str | None = None,
        mode: str | None = None,
    ) -> Answer:
        started = time.perf_counter()
        timings: dict[str, float] = {}
        try:
            prepared = self.prepare(question, history)
        except QuestionError as exc:
            return Answer(question=str(question)[:200], answer=str(exc), refused=True, error=str(exc))
        timings["normalize"] = (time.perf_counter() - started) * 1000
        hits, retrieval_timings = self.retrieve(prepared, mode=mode, doc=doc, region=region)
        timings.update(retrieval_timings)
        t = time.perf_counter()
        composed = compose(prepared.query.text, hits, prepared.weights)
        support = measure_support(composed, hits, prepared.weights, prepared.unknown_names, prepared.own_terms)
        timings["compose"] = (time.perf_counter() - t) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        if composed is None or not self._supported(support, mode, prepared.query.language):
            return Answer(
                question=prepared.query.original,
                answer=refusal_text(self._topic_zh(prepared)),
                refused=True,
                passages=hits,
                timings_ms=timings,
                search_query=prepared.dense_text,
            )
        return Answer(
            question=prepared.query.original,
            answer=composed.text,
            refused=False,
            citations=composed.citations,
            passages=hits,
            timings_ms=timings,
            search_query=prepared.dense_text,
        )

    @staticmethod
    def _topic_zh(prepared: PreparedQuery) -> str:
        """The question's topic in Chinese: for English questions, its dictionary terms."""
        if prepared.query.language != "en":
            return prepared.query.text
        terms = [t for t in prepared.bm25_tokens if not t.isascii()][:3]
        return "、".join(terms) if terms else "您的问题"

    def _supported(self, support: Support, mode: str | None, language: str) -> bool:
        if language == "en":
            # Dictionary translations are noisy, so an untranslated or mistranslated word says little.
            return not support.missing_names and support.coverage >= self.policy.min_coverage
        if (mode or self.settings.retrieval) == "bm25":
            # No dense score exists in a BM25-only run; judge on terms alone.
            return (
                support.coverage >= self.policy.min_coverage
                and support.missing_share <= self.policy.max_missing_weight
                and not support.missing_names
            )
        return support.supported(self.policy)
