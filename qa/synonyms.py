"""A question's everyday words -> the collection's words for the same thing, through CC-CEDICT.

Citizens and documents name one thing differently ("打官司" / "纠纷", "掏钱" / "支付", "路子" / "方式"). Two
words count as synonyms when the dictionary gives both the very same English sense ("to subsidize" for 补贴
and 资助); only words the documents use are offered. Written here because no Chinese thesaurus ships offline
on PyPI; the same dictionary serves English questions and place names.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection
from functools import lru_cache

from qa.translate import _PAREN, dictionary_entries

# Dictionary lines that are cross-references or grammar notes, not senses.
_NOT_A_SENSE = re.compile(r"^(see |variant|old variant|surname|abbr|used |classifier|also written|cl:)|cl:", re.I)
_MIN_SENSE_CHARS = 3
# A sense that many of the collection's words share ("to do", "work") says nothing about any one of them.
_MAX_WORDS_PER_SENSE = 6


def _sense(definition: str) -> str:
    text = definition.strip().lower()
    if _NOT_A_SENSE.search(text):
        return ""
    text = re.sub(r"\s+", " ", _PAREN.sub(" ", text)).strip(" ,;.")
    text = text.removeprefix("to ").strip()
    return text if len(text) >= _MIN_SENSE_CHARS else ""


class Synonyms:
    def __init__(self, vocabulary: Collection[str], idf: dict[str, float] | None = None, per_word: int = 3) -> None:
        """``vocabulary``: the words the documents use; ``idf`` breaks ties toward the commoner word."""
        self.idf = idf or {}
        self.per_word = per_word
        by_sense: dict[str, set[str]] = defaultdict(set)
        for chinese, definitions in dictionary_entries():  # two passes over the file: it is not kept
            if len(chinese) >= 2 and chinese in vocabulary:
                for definition in definitions:
                    sense = _sense(definition)
                    if sense:
                        by_sense[sense].add(chinese)
        kept = {s: frozenset(ws) for s, ws in by_sense.items() if len(ws) <= _MAX_WORDS_PER_SENSE}
        # Only the senses some document word has are kept for the dictionary's other words: a few thousand
        # entries, not the whole dictionary's 100 MB.
        senses: dict[str, set[str]] = defaultdict(set)
        for chinese, definitions in dictionary_entries():
            for definition in definitions:
                sense = _sense(definition)
                if sense in kept:
                    senses[chinese].add(sense)
        self._by_sense = kept
        self._senses = {word: tuple(found) for word, found in senses.items()}

    @lru_cache(maxsize=4096)  # noqa: B019 - one instance per loaded index, kept for its lifetime
    def of(self, word: str) -> tuple[str, ...]:
        """The collection's words sharing a dictionary sense with ``word`` (not ``word`` itself, nor a word
        containing it or inside it), those sharing most senses first."""
        if len(word) < 2:
            return ()
        shared: dict[str, int] = defaultdict(int)
        for sense in self._senses.get(word, ()):
            for other in self._by_sense[sense]:
                if other != word and other not in word and word not in other:
                    shared[other] += 1
        ranked = sorted(shared, key=lambda w: (-shared[w], self.idf.get(w, 99.0), w))
        return tuple(ranked[: self.per_word])
