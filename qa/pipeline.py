"""The answering pipeline: normalise -> follow-up -> analyse and split into parts -> scope -> retrieve ->
evidence -> judge -> compose, each part on its own, in the question's order.

Models and the index load once, in the constructor; ``answer`` is then cheap and safe to call from
several threads (nothing in it mutates shared state).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.builder import ensure_index
from index.embed_queue import PendingVectors
from index.embedder import Embedder
from index.modes import RetrievalMode
from index.settings import Settings
from index.store import LoadedIndex
from index.textnorm import normalize_for_match
from qa.analyse import analyse
from qa.compose import Composer, ExtractiveComposer, PartEvidence, Statement, cite
from qa.evidence import gather
from qa.inputs import InputError, bound_turns
from qa.judge import Judgement, Verdict, judge, naming
from qa.messages import refusal_line, with_passages_note
from qa.prepare import Part, PreparedQuery, QuestionPreparer, dense_text_of
from qa.query import Query, QuestionError, normalize_question
from qa.retrieve import Retriever, SearchRequest
from qa.scope import Gazetteer
from qa.siblings import modifier_head_pairs, names_a_family_member, names_a_sibling
from qa.synonyms import Synonyms
from qa.terms import GROUP_SEP
from qa.translate import EnglishToChinese
from qa.tuning import DEFAULT_TUNING, Tuning
from qa.types import Answer, Hit, Turn
from qa.values import named_value


@dataclass(frozen=True)
class PartResult:
    prepared: PreparedQuery
    hits: list[Hit]
    judgement: Judgement
    statements: list[Statement]


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        index: LoadedIndex | None = None,
        tuning: Tuning | None = None,
        composer: Composer | None = None,
        progress: bool = True,
    ) -> None:
        self.settings = settings
        self.tuning = tuning or DEFAULT_TUNING
        self.composer = composer or ExtractiveComposer()
        self.embedder = embedder or Embedder(settings)
        self.index = index or ensure_index(settings, self.embedder, progress=progress)
        self.retriever = Retriever(self.index, self.embedder, self.tuning)
        retriever = self.index.keywords.retriever
        df = np.diff(np.asarray(retriever.scores["indptr"]))
        n = max(1, len(self.index.chunks))
        self.idf = {
            tok: math.log((n - df[i] + 0.5) / (df[i] + 0.5) + 1.0)
            for tok, i in retriever.vocab_dict.items()
            if i < len(df) and tok  # bm25s adds an empty placeholder token past the matrix
        }
        self.max_idf = math.log((n + 0.5) / 0.5 + 1.0)
        self.gazetteer = Gazetteer.from_documents({name: d.meta for name, d in self.index.documents.items()})
        self.doc_years = {name: d.meta.year for name, d in self.index.documents.items()}
        titles = [d.meta.title for d in self.index.documents.values()]
        self.preparer = QuestionPreparer(self.idf, self.max_idf, self.gazetteer, self.tuning, titles)
        self._sentence_rows = self.index.sentences.by_chunk() if self.index.sentences is not None else {}

    @property
    def documents(self) -> dict[str, str]:
        """Seed file name -> title, for filters."""
        return {name: d.meta.title for name, d in self.index.documents.items()}

    @property
    def regions(self) -> list[str]:
        return sorted({d.meta.region for d in self.index.documents.values() if d.meta.region})

    def english(self) -> EnglishToChinese:
        return self.preparer.english()

    def synonyms(self) -> Synonyms:
        return self.preparer.synonyms()

    def warm_dictionaries(self) -> None:
        """Build the dictionary tables the first Chinese question needs (CC-CEDICT, about 2 s): a server calls
        this in the background at start, so that no user waits for it."""
        self.preparer.warm_dictionaries()

    # --- preparing a question ------------------------------------------------------------------------------

    def prepare(self, question: str, history: Sequence[Turn] = ()) -> PreparedQuery:
        """The first (usually only) part of a question, ready for retrieval."""
        query = normalize_question(question, self.settings.max_question_chars)
        p = self.preparer
        return p.prepare_part(query, p.parts(query, p.resolve(query, history))[0])

    # --- retrieval ------------------------------------------------------------------------------------------

    def retrieve(
        self,
        prepared: PreparedQuery,
        *,
        k: int | None = None,
        mode: str | None = None,
        fusion: str | None = None,
        doc: str | None = None,
        region: str | None = None,
        docs: frozenset[str] = frozenset(),
        query_vector: np.ndarray | None = None,
    ) -> tuple[list[Hit], dict[str, float]]:
        request = SearchRequest(
            dense_text=prepared.dense_text,
            bm25_tokens=prepared.bm25_tokens,
            k=k or self.settings.top_k,
            mode=RetrievalMode.from_str(mode or self.settings.retrieval),
            fusion=fusion or self.settings.fusion,
            doc=doc or None,
            region=region or None,
            docs=docs,
            query_vector=query_vector,
        )
        return self.retriever.search(request)

    def sentence_similarity(self, vector: np.ndarray):
        """A function (chunk row, start, end) -> cosine of that sentence to the question, or None."""
        table = self.index.sentences
        if table is None or not len(table):
            return None
        query = vector.astype(np.float32)
        rows = self._sentence_rows

        # Only the sentences of the passages in hand are scored: a dot product each, not the whole table.
        def similarity(row: int, start: int, end: int) -> float | None:
            i = rows.get((row, start, end))
            return None if i is None else float(table.vectors[i] @ query)

        return similarity

    # --- answering ------------------------------------------------------------------------------------------

    def _sibling(self, prepared: PreparedQuery):
        """The sibling check of qa/evidence.py bound to this question's words, the known places and synonyms."""
        places = frozenset(self.gazetteer.places) | frozenset(prepared.unknown_places)
        related = self.synonyms().of if self.tuning.synonyms else (lambda word: ())

        words = {a for key in prepared.weights for a in key.split(GROUP_SEP)}
        analysis = prepared.analysis
        pairs = modifier_head_pairs(normalize_for_match(analysis.text), words.__contains__) if analysis else ()

        def sibling(sentence: str, context: str) -> str:
            return names_a_sibling(
                prepared.weights, sentence, context, self.tuning.sibling_share, places, related
            ) or names_a_family_member(pairs, sentence, context, places, related)

        return sibling

    def _embed_ahead(self, query: Query, part: Part, mode: RetrievalMode) -> _PendingVector | None:
        """Start embedding a part's dense text on the embedder's worker, before the part is prepared. A Chinese
        part's dense text is known now; an English one's needs the dictionary terms, so it starts after."""
        if mode is RetrievalMode.BM25 or query.language == "en" or not self.settings.embed_ahead:
            return None
        return self._embedding(dense_text_of(part, query.language, []))

    def _embedding(self, text: str) -> _PendingVector:
        """The question vector of ``text``: started on the embedder's worker (``embed_ahead``), or computed here."""
        if self.settings.embed_ahead:
            return _PendingVector(text, self.embedder.submit_queries([text]))
        t = time.perf_counter()
        vectors = self.embedder.encode_queries([text])
        return _PendingVector(text, _Ready(vectors), waited_ms=(time.perf_counter() - t) * 1000)

    def _answer_part(
        self,
        query: Query,
        part: Part,
        mode: RetrievalMode,
        doc: str | None,
        region: str | None,
        lines: int,
        ahead: _PendingVector | None = None,
    ) -> tuple[PartResult, dict[str, float]]:
        prepared = self.preparer.prepare_part(query, part)
        pending = None
        if mode is not RetrievalMode.BM25:
            pending = ahead if ahead is not None and ahead.text == prepared.dense_text else None
            pending = pending or self._embedding(prepared.dense_text)
        hits, retrieval_timings = self.retrieve(
            prepared,
            mode=mode,
            doc=doc,
            region=region,
            docs=part.docs,
            query_vector=pending.result if pending is not None else None,
        )
        vector = pending.result() if pending is not None else None
        # "embed": the time this thread spent on the vector (with embed_ahead, only what it waited after its own work).
        timings = {"embed": pending.waited_ms if pending is not None else 0.0, **retrieval_timings}
        analysis = prepared.analysis or analyse(part.text)
        t = time.perf_counter()
        similarity = self.sentence_similarity(vector) if vector is not None else None
        scale = (self.tuning.dense_floor_en, self.tuning.dense_ceiling_en) if query.language == "en" else None
        candidates = gather(
            analysis, hits, prepared.weights, self.tuning, self.doc_years, similarity, scale, self._sibling(prepared)
        )
        if prepared.unknown_places:
            candidates = naming(candidates, hits, prepared.unknown_places)
        dense_top = None if mode is RetrievalMode.BM25 else max((h.dense_score for h in hits), default=0.0)
        if query.language == "en":
            dense_top = None  # dictionary terms make English lexical evidence noisy; the dense floor says little more
        verdict = judge(
            analysis,
            candidates,
            hits,
            self.tuning,
            unknown_places=prepared.unknown_places,
            dense_top=dense_top,
            by_meaning=query.language == "en",
        )
        statements: list[Statement] = []
        if verdict.verdict is Verdict.ANSWER and verdict.best is not None:
            evidence = PartEvidence(analysis, hits, candidates, verdict.best)
            statements = self.composer.compose(evidence, self.tuning, lines)
        timings["evidence"] = (time.perf_counter() - t) * 1000
        return PartResult(prepared, hits, verdict, statements), timings

    def _refusal(self, result: PartResult) -> str:
        return refusal_line(result.judgement, result.prepared, self.gazetteer.covered, self.gazetteer.higher)

    def answer(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        doc: str | None = None,
        region: str | None = None,
        mode: str | None = None,
        docs: frozenset[str] | None = None,
    ) -> Answer:
        """``docs``: only these documents (the issuer/year filters of qa/filters.py), None for all."""
        started = time.perf_counter()
        timings: dict[str, float] = {}
        try:
            query = normalize_question(question, self.settings.max_question_chars)
            # Every caller's history is bounded here too, before any work is done on it (qa/inputs.py).
            history = bound_turns(list(history), self.settings.max_history_turns, self.settings.max_question_chars)
        except (QuestionError, InputError) as exc:
            return Answer(question=str(question)[:200], answer=str(exc), refused=True, error=str(exc))
        run_mode = RetrievalMode.from_str(mode or self.settings.retrieval)
        resolved = self.preparer.resolve(query, history)
        parts = self.preparer.parts(query, resolved)
        if docs is not None:  # a filter narrows each part's own scope, or replaces a scope outside it
            parts = [dataclasses.replace(p, docs=(p.docs & docs) or docs) for p in parts]
        # With embed_ahead, the query embedding (about half of a hybrid question) starts now on the embedder's
        # worker; preparing each part and its BM25 search run on this thread meanwhile (onnxruntime releases the GIL).
        ahead = [self._embed_ahead(query, part, run_mode) for part in parts]
        timings["analyse"] = (time.perf_counter() - started) * 1000
        results: list[PartResult] = []
        for i, (part, pending) in enumerate(zip(parts, ahead, strict=True)):
            if i and part.context and results and (bridge := _bridge(results[-1])):
                # A part that leans on the one before ("这所大学还被支持做什么？") is about what that part's answer
                # names (中国民航大学): search with it, not only with the earlier question (a vector embedded
                # ahead for the text without it is not used: _answer_part embeds the new text).
                part = dataclasses.replace(part, context=f"{part.context} {bridge}")
            lines = self.tuning.max_lines if len(parts) == 1 else self.tuning.max_part_lines
            result, part_timings = self._answer_part(query, part, run_mode, doc, region, lines, pending)
            results.append(result)
            for key, value in part_timings.items():
                timings[key] = timings.get(key, 0.0) + value
        passages = _merged_hits([r.hits for r in results], self.settings.top_k)
        answered = [r for r in results if r.statements]
        timings["total"] = (time.perf_counter() - started) * 1000
        search_query = " | ".join(r.prepared.dense_text for r in results)
        if not answered:
            lines = [self._refusal(r) for r in results]
            return Answer(
                question=query.original,
                answer=with_passages_note("\n".join(dict.fromkeys(lines)), bool(passages)),
                refused=True,
                passages=passages,
                timings_ms=timings,
                search_query=search_query,
            )
        pieces: list[list[Statement] | str] = []
        for r in results:
            pieces.append(r.statements if r.statements else self._refusal(r))
        text, citations = cite(pieces)
        return Answer(
            question=query.original,
            answer=text,
            refused=False,
            citations=citations,
            passages=passages,
            timings_ms=timings,
            search_query=search_query,
        )


def _bridge(result: PartResult) -> str:
    """The body, place or name a part's answer gives for "哪所大学/哪个高新区", or ""."""
    best, analysis = result.judgement.best, result.prepared.analysis
    if not result.statements or best is None or analysis is None:
        return ""
    return named_value(analysis.kind, best.text, analysis.text)


class _PendingVector:
    """A part's question vector being embedded on another thread; ``result`` waits for it once."""

    def __init__(self, text: str, future: PendingVectors, waited_ms: float = 0.0) -> None:
        self.text = text
        self._future = future  # .result() -> a (1, dim) array
        self._vector: np.ndarray | None = None
        self.waited_ms = waited_ms

    def result(self) -> np.ndarray:
        if self._vector is None:
            t = time.perf_counter()
            self._vector = self._future.result()[0]
            self.waited_ms += (time.perf_counter() - t) * 1000
        return self._vector


@dataclass(frozen=True)
class _Ready:
    """Vectors computed on the calling thread, in the shape of a finished Future."""

    vectors: np.ndarray

    def result(self) -> np.ndarray:
        return self.vectors


def _merged_hits(lists: list[list[Hit]], k: int) -> list[Hit]:
    """The parts' passages interleaved (each part's best first), without repeats."""
    seen: set[int] = set()
    merged: list[Hit] = []
    for rank in range(max((len(h) for h in lists), default=0)):
        for hits in lists:
            if rank < len(hits) and hits[rank].row not in seen:
                seen.add(hits[rank].row)
                merged.append(hits[rank])
    return merged[: max(k, len(lists))]
