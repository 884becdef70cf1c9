"""Which words of a question matter, and how much: IDF from the index, with care for unknown words.

A word the documents never use is either colloquial filler ("我爸", "茶餐厅": weak evidence either way)
or a name the documents do not cover ("驻马店", "西青区": strong evidence the answer is absent). jieba's
part-of-speech tags and place suffixes tell the two apart.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba
import jieba.posseg as pseg

jieba.setLogLevel(logging.WARNING)

_ENTITY_FLAGS = {"ns", "nr", "nt", "nrt"}  # places, people, organisations
_PLACE_SUFFIX = re.compile(r"^[\u4e00-\u9fff]{1,6}(省|市|区|县|镇|州|街道|乡|村)$")
GROUP_SEP = "|"  # a weight key "a|b" is satisfied by either alternative


@lru_cache(maxsize=2048)
def entity_words(text: str) -> frozenset[str]:
    words = set()
    for word, flag in pseg.cut(text):
        # Two-character tags are too often common words ("东西"); a place suffix is reliable at any length.
        if _PLACE_SUFFIX.match(word) or (len(word) >= 3 and flag in _ENTITY_FLAGS):
            words.add(word.lower())
    return frozenset(words)


# A place suffix after one of these is a generic word (全市, 本区, 各县, 社区, 园区), not a place name.
_GENERIC_PLACE_HEAD = set("全本各该此每其他市城社园小景片郊山地校厂库营")


@lru_cache(maxsize=2048)
def place_words(text: str) -> tuple[str, ...]:
    """Place names in a question: a name with an administrative suffix (深圳市, 西青区). jieba's bare place tag
    alone is not enough: it also tags everyday words (东西, 山寨)."""
    found: dict[str, None] = {}
    for word, _flag in pseg.cut(text):
        if len(word) >= 3 and _PLACE_SUFFIX.match(word) and word[0] not in _GENERIC_PLACE_HEAD:
            found[word] = None
    return tuple(found)


def is_entity(term: str, entities: frozenset[str]) -> bool:
    return any(term in e or e in term for e in entities if len(term) >= 2)


def term_weights(
    tokens: list[str],
    idf: dict[str, float],
    max_idf: float,
    entities: frozenset[str] = frozenset(),
    filler_share: float = 0.35,
) -> dict[str, float]:
    """Each distinct question term with its weight; ``filler_share`` weighs an unknown non-name word."""
    weights: dict[str, float] = {}
    for tok in tokens:
        if tok in idf:
            w = idf[tok]
        elif is_entity(tok, entities):
            w = max_idf
        else:
            w = filler_share * max_idf
        weights[tok] = max(weights.get(tok, 0.0), w)
    return weights


def group_weights(groups: list[list[str]], idf: dict[str, float]) -> dict[str, float]:
    """Weights for English questions: one key per English phrase, satisfied by any of its translations."""
    weights: dict[str, float] = {}
    for alternatives in groups:
        if alternatives:
            key = GROUP_SEP.join(alternatives)
            weights[key] = max(idf.get(a, 0.0) for a in alternatives)
    return weights


def present(key: str, text: str) -> bool:
    return any(alt and alt in text for alt in key.split(GROUP_SEP))


def coverage(text_norm: str, weights: dict[str, float]) -> float:
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w for t, w in weights.items() if present(t, text_norm)) / total
