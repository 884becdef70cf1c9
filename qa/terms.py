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
    """Place names in a question: a word jieba tags as a place that also carries an administrative suffix
    (深圳市, 西青区) or that CC-CEDICT knows first as a place (苏州). A tag alone is not enough: jieba tags
    everyday words as places (东西, 山寨), and generic zones carry suffixes (高新区, 示范区, 专业镇, 大城市)."""
    found: dict[str, None] = {}
    for word, flag in pseg.cut(text):
        if flag != "ns":
            continue
        suffixed = (
            len(word) >= 3
            and _PLACE_SUFFIX.match(word)
            and word[0] not in _GENERIC_PLACE_HEAD
            and not re.sub(r"(省|市|区|县|镇|州|街道|乡|村)$", "", word).endswith("城")
        )
        if suffixed or _dictionary_place(word):
            found[word] = None
    return tuple(found)


def _dictionary_place(word: str) -> bool:
    """A bare name ("苏州") that the dictionary knows first of all as a city, county, district or province."""
    if len(word) < 2:
        return False
    from qa.translate import chinese_place_names

    return word in chinese_place_names()


def content_words(text: str) -> list[str]:
    """The words of a question (jieba precise mode, simplified, half-width, lower case), without stopwords
    and punctuation, in order and without repeats."""
    from index.textnorm import STOPWORDS, fold_width, squash_numbers, to_simplified

    text = squash_numbers(fold_width(to_simplified(text))).lower()
    words = [w.strip() for w in jieba.cut(text, HMM=False)]
    return list(dict.fromkeys(w for w in words if w and w not in STOPWORDS and re.search(r"[\w\u4e00-\u9fff%]", w)))


def is_entity(term: str, entities: frozenset[str]) -> bool:
    return any(term in e or e in term for e in entities if len(term) >= 2)


# How much a word of each part of speech (jieba's tags) says about what a question is about. Nouns, names
# and technical words carry the topic; pronouns, adverbs, particles, measure and time words are the frame
# of everyday speech ("我们公司…那边能奖多少钱") that the evidence need not repeat.
_POS_WEIGHT = {
    "r": 0.0, "p": 0.0, "c": 0.0, "u": 0.0, "y": 0.0, "e": 0.0, "o": 0.0, "uj": 0.0, "ul": 0.0,
    "d": 0.2, "q": 0.2, "ad": 0.3, "vd": 0.3, "z": 0.3, "f": 0.3, "t": 0.3, "s": 0.3, "m": 0.5, "zg": 0.5,
    "v": 0.6, "a": 0.6, "l": 0.7, "i": 0.7, "b": 0.8,
}  # fmt: skip


# The people of a question's personal context ("我儿子刚拿到博士学位…") say who asks, not what about.
_PERSONAL = frozenset(
    "儿子 女儿 孩子 小孩 老人 老人家 爸 妈 爸爸 妈妈 父母 家里 家人 老婆 老公 爱人 "
    "朋友 同事 老板 我家 本人 自己".split()
)


# The frame of a spoken question, whatever jieba tags them: verbs of asking and knowing ("想知道…"), of
# intending ("准备建在哪"), totals and hedges ("一共", "大概"), and the directional complements of a verb
# ("贷出去", "弄起来").
_FRAME = frozenset(
    "知道 了解 打听 告诉 请教 咨询 听说 问问 看看 想问 一共 总共 总计 一起 到底 究竟 大概 大约 差不多 左右 来着 "
    "打算 准备 想要 希望 愿意 "
    "出去 出来 下来 下去 上来 上去 进来 进去 起来 过来 过去 回来 回去".split()
)


@lru_cache(maxsize=2048)
def pos_weights(text: str) -> dict[str, float]:
    """Word -> weight by its part of speech in ``text`` (words not listed weigh 1)."""
    out: dict[str, float] = {}
    for word, flag in pseg.cut(text, HMM=False):
        word = word.lower()
        w = _POS_WEIGHT.get(flag, _POS_WEIGHT.get(flag[:1], 1.0) if flag[:1] in {"v", "a", "d"} else 1.0)
        if word in _PERSONAL or word in _FRAME:
            w = 0.0
        out[word] = max(out.get(word, 0.0), w)
    return out


def _pos_of(token: str, pos: dict[str, float]) -> float:
    """A search token's weight: its own word's, or the heaviest word it is part of."""
    if token in pos:
        return pos[token]
    return max((w for word, w in pos.items() if token in word), default=1.0)


def term_weights(
    tokens: list[str],
    idf: dict[str, float],
    max_idf: float,
    entities: frozenset[str] = frozenset(),
    filler_share: float = 0.35,
    pos: dict[str, float] | None = None,
    single_char_share: float = 1.0,
) -> dict[str, float]:
    """Each distinct question term with its weight; ``filler_share`` weighs an unknown non-name word and
    ``pos`` (from :func:`pos_weights`) scales a word by its part of speech."""
    weights: dict[str, float] = {}
    for tok in tokens:
        if tok in idf:
            w = idf[tok]
        elif is_entity(tok, entities):
            w = max_idf
        else:
            w = filler_share * max_idf
        if pos is not None:
            w *= _pos_of(tok, pos)
        if len(tok) == 1 and not tok.isascii():
            # A single Chinese character standing alone ("小", "人", "厂") is a morpheme whose meaning lives in
            # the compounds around it; it says little about what is asked.
            w *= single_char_share
        if w > 0:
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
