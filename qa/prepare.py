"""Preparing a question: its parts, their scope, the content words and weights retrieval and evidence use.

A question becomes one or more parts (two questions in one, one per named place for "分别"), each with the
documents its places or bodies select, the places no document covers, its analysis, its BM25 tokens and the
text the model embeds. The dictionary tables (CC-CEDICT synonyms, English translations) are built once, on the
first question that needs them.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index.textnorm import fold_width, search_tokens, to_simplified
from qa.analyse import (
    PLAN,
    Analysis,
    AskKind,
    analyse,
    event_forms,
    has_question_word,
    leans_on_previous,
    split_parts,
    strip_question_words,
    years_in,
)
from qa.asked import english_counted_noun
from qa.followup import Resolved, resolve
from qa.query import Query
from qa.scope import UNIT_SUFFIX, Gazetteer
from qa.synonyms import Synonyms
from qa.terms import GROUP_SEP, content_words, entity_words, group_weights, pos_weights, term_weights
from qa.translate import EnglishToChinese, english_places, romanised
from qa.tuning import Tuning
from qa.types import Turn

_MONEY_WORDS = re.compile(r"钱|补贴|津贴|补助|资助|奖励|奖金|经费|资金|费用|拨款|多少钱")
# Two English questions in one: "How many labs are running, and how much did the government commit?"
_EN_PART_BREAK = re.compile(r"(?:[,;]\s*|\s+)and\s+(?=(?:how|what|which|when|where|who|whom|why)\b)", re.I)
_EN_POINTS_BACK = re.compile(r"\b(?:it|its|they|them|their|this|that|these|those|the same)\b", re.I)


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


# A clause about the speaker's own situation: "我在深圳的公司…", "现在住广州", "我是香港人".
_SPEAKER_CLAUSE = re.compile(r"^(?:我|俺|咱|本人)|^(?:现在|目前|平时)?(?:住在?|家在|人在)")


def _only_in_speaker_clauses(place: str, text: str) -> bool:
    clauses = [c.strip() for c in re.split(r"[，,；;。！!？?]", text) if c.strip()]
    holding = [c for c in clauses if place in c]
    return bool(holding) and all(_SPEAKER_CLAUSE.search(c) and not has_question_word(c) for c in holding)


class QuestionPreparer:
    """Question text -> parts -> prepared parts, over one collection's vocabulary, catalog and titles."""

    def __init__(
        self, idf: dict[str, float], max_idf: float, gazetteer: Gazetteer, tuning: Tuning, titles: Iterable[str]
    ) -> None:
        self.idf = idf
        self.max_idf = max_idf
        self.gazetteer = gazetteer
        self.tuning = tuning
        # year -> the words of the titles that contain it, for _without_title_years (computed once, not per question)
        self._title_words: dict[int, tuple[str, ...]] = {}
        for title in titles:
            for year in {int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", title)}:
                words = [w for w in content_words(title) if len(w) >= 2 and not w.isdigit()]
                self._title_words[year] = tuple(dict.fromkeys([*self._title_words.get(year, ()), *words]))
        self._english: EnglishToChinese | None = None
        self._synonyms: Synonyms | None = None
        self._dictionary_lock = threading.Lock()
        self._romanised: set[str] | None = None

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

    def prepare_part(self, query: Query, part: Part) -> PreparedQuery:
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
        if analysis.event:
            # The asked event in other words for it ("公布" for "发布", "增加" for "上调"); not the dictionary's
            # synonyms, whose "complete" makes 全方位 a 完成.
            analysis = dataclasses.replace(analysis, event_forms=event_forms(analysis.event))
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
        dense_text = dense_text_of(part, query.language, tokens)
        if query.language == "en":
            unknown = tuple(
                p
                for p in english_places(part.text)
                if not self.gazetteer.is_known_place(p) and romanised(p) not in self._romanised_vocabulary()
            )
        else:
            scope = self.gazetteer.scope(part.text)
            unknown = scope.unknown_places
            if unknown and scope.docs:
                # Where the speaker lives or works ("我是香港人，现在住广州，…") is their situation, not what is
                # asked, when the question also names a place the documents cover.
                unknown = tuple(p for p in unknown if not _only_in_speaker_clauses(p, part.text))
        if unknown:
            # The place must be named where the answer is (judge.naming); what the answer is about is the rest.
            # A place the documents do mention (a county of a city's plan) is also what the answer is about.
            unmentioned = [p for p in unknown if p not in self.idf and UNIT_SUFFIX.sub("", p) not in self.idf]

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

    def resolve(self, query: Query, history: Sequence[Turn]) -> Resolved:
        turns = [Turn(fold_width(to_simplified(t.question)), t.answer) for t in history]

        def mentions(text: str) -> list[tuple[int, int, str]]:
            return [(m.start, m.end, m.alias) for m in self.gazetteer.mentions(text)]

        return resolve(query.text, turns, mentions)

    def parts(self, query: Query, resolved: Resolved) -> list[Part]:
        if query.language == "en":
            # Places reach English questions through the dictionary and their pinyin ("Dongli").
            terms = " ".join(t for g in self.english().groups(resolved.text) for t in g if t in self.gazetteer.places)
            docs = self.gazetteer.scope(terms).docs if terms else frozenset()
            pieces = [p for p in _EN_PART_BREAK.split(resolved.text) if p.strip()][: self.tuning.max_parts]
            parts = [Part(pieces[0], docs, resolved.context, bool(resolved.context))]
            for before, piece in itertools.pairwise(pieces):
                # "…, and how much did it cost?": a later question leans on the one before through a pronoun.
                parts.append(Part(piece, docs, before if _EN_POINTS_BACK.search(piece) else ""))
            return parts
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


def dense_text_of(part: Part, language: str, tokens: list[str]) -> str:
    """The text the model embeds for a part: the part with its context; an English one with its dictionary terms."""
    dense_text = f"{part.context} {part.text}".strip() if part.context else part.text
    if language == "en" and tokens:
        # The multilingual model reads the English; the dictionary terms anchor it in the documents' words.
        dense_text = f"{dense_text} {' '.join(tokens[:8])}"
    return dense_text
