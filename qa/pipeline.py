"""The answering pipeline: normalise -> follow-up -> analyse and split into parts -> scope -> retrieve ->
evidence -> judge -> compose, each part on its own, in the question's order.

Models and the index load once, in the constructor; ``answer`` is then cheap and safe to call from
several threads (nothing in it mutates shared state).
"""

from __future__ import annotations

import dataclasses
import math
import re
import threading
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
from index.textnorm import fold_width, normalize_for_match, search_tokens, to_simplified
from qa.analyse import (
    PLAN,
    Analysis,
    AskKind,
    analyse,
    english_counted_noun,
    has_question_word,
    leans_on_previous,
    split_parts,
    strip_question_words,
    years_in,
)
from qa.compose import Composer, ExtractiveComposer, PartEvidence, Statement, cite
from qa.evidence import gather
from qa.followup import Resolved, resolve
from qa.inputs import InputError, bound_turns
from qa.judge import Judgement, Verdict, judge, naming
from qa.messages import refusal_line, with_passages_note
from qa.query import Query, QuestionError, normalize_question
from qa.retrieve import Retriever, SearchRequest
from qa.scope import Gazetteer
from qa.siblings import modifier_head_pairs, names_a_family_member, names_a_sibling
from qa.synonyms import Synonyms
from qa.terms import GROUP_SEP, content_words, entity_words, group_weights, pos_weights, term_weights
from qa.translate import EnglishToChinese, english_places, romanised
from qa.tuning import DEFAULT_TUNING, Tuning
from qa.types import Answer, Hit, Turn
from qa.values import named_value

_MONEY_WORDS = re.compile(r"钱|补贴|津贴|补助|资助|奖励|奖金|经费|资金|费用|拨款|多少钱")


@dataclass(frozen=True)
class PreparedQuery:
    query: Query
    dense_text: str
    bm25_tokens: list[str]
    weights: dict[str, float]  # content terms -> importance (question words and scope names left out)
    topic: str  # earlier text used as retrieval context, or ""
    analysis: Analysis | None = None
    docs: frozenset[str] = frozenset()  # the documents the question's places/bodies select
    unknown_places: tuple[str, ...] = ()


@dataclass(frozen=True)
class Part:
    text: str
    docs: frozenset[str]
    context: str = ""  # earlier text for retrieval: the conversation's topic, or the previous part
    follows_up: bool = False  # context is an earlier turn: an elliptical part asks what that turn asked


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
        # year -> the words of the titles that contain it, for _without_title_years (computed once, not per question)
        self._title_words: dict[int, tuple[str, ...]] = {}
        for d in self.index.documents.values():
            for year in {int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", d.meta.title)}:
                words = [w for w in content_words(d.meta.title) if len(w) >= 2 and not w.isdigit()]
                self._title_words[year] = tuple(dict.fromkeys([*self._title_words.get(year, ()), *words]))
        self._sentence_rows = self.index.sentences.by_chunk() if self.index.sentences is not None else {}
        self._english: EnglishToChinese | None = None
        self._synonyms: Synonyms | None = None
        self._dictionary_lock = threading.Lock()
        self._romanised: set[str] | None = None

    @property
    def documents(self) -> dict[str, str]:
        """Seed file name -> title, for filters."""
        return {name: d.meta.title for name, d in self.index.documents.items()}

    @property
    def regions(self) -> list[str]:
        return sorted({d.meta.region for d in self.index.documents.values() if d.meta.region})

    def _romanised_vocabulary(self) -> set[str]:
        """The pinyin of the documents' words: an English place name that spells one of them (Guzhen: 古镇)
        may be that word, so it is not a place no document covers."""
        if self._romanised is None:
            cjk = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
            self._romanised = {romanised(w) for w in self.idf if cjk.match(w)}
        return self._romanised

    def english(self) -> EnglishToChinese:
        with self._dictionary_lock:  # built once, on the first question that needs it, by one thread
            if self._english is None:
                self._english = EnglishToChinese(set(self.idf), self.idf, frozenset(self.gazetteer.places))
        return self._english

    def warm_dictionaries(self) -> None:
        """Build the dictionary tables the first Chinese question needs (CC-CEDICT, about 2 s): a server calls
        this in the background at start, so that no user waits for it."""
        from qa.translate import chinese_place_names

        self.synonyms()
        chinese_place_names()

    def synonyms(self) -> Synonyms:
        with self._dictionary_lock:
            if self._synonyms is None:
                self._synonyms = Synonyms(set(self.idf), self.idf)
        return self._synonyms

    # --- preparing a question ------------------------------------------------------------------------------

    def _scope_words(self, docs: frozenset[str]) -> set[str]:
        """Names that select the scoped documents: satisfied by the scope, so no sentence has to repeat them."""
        return {alias for alias in self.gazetteer.places if self.gazetteer.aliases[alias] & docs}

    def _weights(
        self, text: str, language: str, docs: frozenset[str], kind: AskKind | None = None
    ) -> tuple[list[str], dict[str, float]]:
        """(BM25 tokens, content-term weights) for one piece of question text."""
        if language == "en":
            groups = self.english().groups(text)
            english_tokens = [t for t in search_tokens(text) if t in self.idf and len(t) > 1]
            tokens = list(dict.fromkeys([t for g in groups for t in g] + english_tokens))
            return tokens, group_weights(groups + [[t] for t in english_tokens], self.idf)
        tokens = search_tokens(text)
        # Whole words (jieba's precise mode), not search mode's overlapping pieces, so that "农民工" counts
        # once and not again as "农民" and "民工".
        # A five-year plan's name ("十三五") is one term, not the words "十三" and "五".
        plans = [f"{m.group(1)}五" for m in PLAN.finditer(text)]
        content = list(dict.fromkeys(content_words(strip_question_words(PLAN.sub(" ", text))) + plans))
        scope_words = self._scope_words(docs)
        content = [t for t in content if not any(t in w for w in scope_words) and not (t.isdigit() and years_in(t))]
        weights = term_weights(
            content,
            self.idf,
            self.max_idf,
            entity_words(text),
            filler_share=self.tuning.oov_filler_share,
            pos=pos_weights(strip_question_words(text)),
            single_char_share=self.tuning.single_char_share,
        )
        # The keyword search looks for what the question is about, not for the frame of everyday speech around
        # it ("我们", "手里", "开了个"): a search piece counts when it is part of a weighted word.
        tokens = [t for t in tokens if t.isdigit() or any(t in w or w in t for w in weights)] or tokens
        if kind is AskKind.AMOUNT:
            # 补贴/津贴/奖励… say that money is asked, which the answer's figure in 元 shows; they are not the topic.
            weights = {t: w * (0.3 if _MONEY_WORDS.fullmatch(t) else 1.0) for t, w in weights.items()}
        if self.tuning.synonyms:
            # A word is present when the documents' word for it is ("打官司" -> 纠纷/争议): one key, its alternatives.
            weights = {GROUP_SEP.join((t, *self.synonyms().of(t))): w for t, w in weights.items()}
            if self.tuning.synonyms_in_search:
                # Only for words the documents never use: BM25 cannot match those at all.
                alternatives = [key.split(GROUP_SEP) for key in weights]
                tokens = tokens + [a[1] for a in alternatives if len(a) > 1 and a[0] not in self.idf]
        return tokens, weights

    def _prepare_part(self, query: Query, part: Part) -> PreparedQuery:
        analysis = self._without_title_years(analyse(part.text))
        if part.follows_up and analysis.kind in {AskKind.OPEN, AskKind.YESNO} and not has_question_word(part.text):
            # An elliptical follow-up ("那2015年呢？") asks what the earlier turn asked; one with a question word
            # of its own ("那到2029年要建成什么？") asks that.
            earlier = analyse(part.context)
            analysis = dataclasses.replace(analysis, kind=earlier.kind, wants_list=earlier.wants_list)
        if query.language == "en":
            # A quoted English name ("Data Elements ×") stands in the Chinese documents only when its words do
            # ("Wi-Fi.HK"); otherwise it is a translation the documents cannot be asked to repeat.
            kept = tuple(n for n in analysis.names if all(w in self.idf for w in re.findall(r"[a-z0-9]+", n.lower())))
            # A Chinese name the English question writes out ("(专精特新)") is the very thing asked about.
            written = tuple(re.findall(r"[\u4e00-\u9fff]{2,}", part.text))
            analysis = dataclasses.replace(analysis, names=tuple(dict.fromkeys(kept + written)))
        if query.language == "en" and not analysis.counted:
            # "How many … bases does X plan to build": the documents' words for "base" name what is counted.
            noun = english_counted_noun(part.text)
            forms = [t for g in self.english().groups(noun) for t in g] if noun else []
            analysis = dataclasses.replace(analysis, counted=tuple(dict.fromkeys(forms)))
        elif analysis.counted:
            # The documents' own words for what is counted; a colloquial noun they never use is not checked.
            noun = analysis.counted[0]
            forms = (noun, *self.synonyms().of(noun)) if noun in self.idf else ()
            analysis = dataclasses.replace(analysis, counted=forms)
        tokens, weights = self._weights(part.text, query.language, part.docs, analysis.kind)
        if part.context:
            ctx_tokens, ctx_weights = self._weights(part.context, query.language, part.docs)
            tokens += [t for t in ctx_tokens if t not in tokens]
            if part.follows_up:  # an elliptical follow-up asks about the earlier topic; a later part does not
                for term, w in ctx_weights.items():
                    weights.setdefault(term, 0.5 * w)
        dense_text = _dense_text(part, query.language, tokens)
        if query.language == "en":
            unknown = tuple(
                p
                for p in english_places(part.text)
                if not self.gazetteer.is_known_place(p) and romanised(p) not in self._romanised_vocabulary()
            )
        else:
            unknown = self.gazetteer.scope(part.text).unknown_places
        if unknown:
            # The place must be named where the answer is (judge.naming); what the answer is about is the rest.
            # A place the documents do mention (a county of a city's plan) is also what the answer is about.
            unmentioned = [p for p in unknown if p not in self.idf and _UNIT_SUFFIX.sub("", p) not in self.idf]

            def names_unknown(key: str) -> bool:
                return any(a in p or p in a for p in unmentioned for a in key.split(GROUP_SEP))

            weights = {t: w for t, w in weights.items() if not names_unknown(t)} or weights
        return PreparedQuery(query, dense_text, tokens, weights, part.context, analysis, part.docs, unknown)

    def _without_title_years(self, analysis: Analysis) -> Analysis:
        """A year that is part of a document's title as the question cites it ("2020年工作要点要求…") names the
        document, not the time asked about."""
        if not analysis.years:
            return analysis
        keep = set(analysis.years)
        for year in analysis.years:
            words = self._title_words.get(year, ())
            for m in re.finditer(rf"{year}\s*年?", analysis.text):
                after = analysis.text[m.end() : m.end() + 15]
                if any(w in after for w in words):
                    keep.discard(year)
        return analysis if keep == set(analysis.years) else dataclasses.replace(analysis, years=frozenset(keep))

    def prepare(self, question: str, history: Sequence[Turn] = ()) -> PreparedQuery:
        """The first (usually only) part of a question, ready for retrieval."""
        query = normalize_question(question, self.settings.max_question_chars)
        return self._prepare_part(query, self._parts(query, self._resolve(query, history))[0])

    def _resolve(self, query: Query, history: Sequence[Turn]) -> Resolved:
        turns = [Turn(fold_width(to_simplified(t.question)), t.answer) for t in history]

        def mentions(text: str) -> list[tuple[int, int, str]]:
            return [(m.start, m.end, m.alias) for m in self.gazetteer.mentions(text)]

        return resolve(query.text, turns, mentions)

    def _parts(self, query: Query, resolved: Resolved) -> list[Part]:
        if query.language == "en":
            # Places reach English questions through the dictionary and their pinyin ("Dongli").
            terms = " ".join(t for g in self.english().groups(resolved.text) for t in g if t in self.gazetteer.places)
            docs = self.gazetteer.scope(terms).docs if terms else frozenset()
            return [Part(resolved.text, docs, resolved.context, bool(resolved.context))]
        pieces = split_parts(resolved.text, self.tuning.max_parts)
        whole = self.gazetteer.scope(f"{resolved.context} {resolved.text}")
        single_scope = len({m.docs for m in whole.mentions}) == 1
        inherited = self.gazetteer.scope(resolved.topic).docs if resolved.topic else frozenset()
        parts: list[Part] = []
        for i, piece in enumerate(pieces):
            # A later part carries the one before it only when it leans on it; a question of its own is searched
            # on its own words, not pulled toward its neighbour's topic.
            context = resolved.context if i == 0 else (pieces[i - 1] if leans_on_previous(piece) else "")
            for text, docs in self.gazetteer.split_by_document(piece):
                docs = docs or self.gazetteer.scope(text).docs or inherited
                if not docs and single_scope:
                    docs = whole.docs
                parts.append(Part(text, docs, context, follows_up=i == 0 and bool(resolved.context)))
        return parts[: self.tuning.max_parts]

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
        return self._embedding(_dense_text(part, query.language, []))

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
        prepared = self._prepare_part(query, part)
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
        resolved = self._resolve(query, history)
        parts = self._parts(query, resolved)
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


_UNIT_SUFFIX = re.compile(r"(省|市|区|县|镇|乡|州|街道)$")


def _bridge(result: PartResult) -> str:
    """The body, place or name a part's answer gives for "哪所大学/哪个高新区", or ""."""
    best, analysis = result.judgement.best, result.prepared.analysis
    if not result.statements or best is None or analysis is None:
        return ""
    return named_value(analysis.kind, best.text, analysis.text)


def _dense_text(part: Part, language: str, tokens: list[str]) -> str:
    """The text the model embeds for a part: the part with its context; an English one with its dictionary terms."""
    dense_text = f"{part.context} {part.text}".strip() if part.context else part.text
    if language == "en" and tokens:
        # The multilingual model reads the English; the dictionary terms anchor it in the documents' words.
        dense_text = f"{dense_text} {' '.join(tokens[:8])}"
    return dense_text


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
