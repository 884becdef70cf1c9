"""Siblings are not the asked thing: a sentence that names other members of a family than the one asked.

Chinese compounds put their head last ("优秀奖", "驰名商标", "特殊教育标杆学校"), so a sentence that holds the
head with other modifiers ("一二三等奖", "注册商标", "基础教育标杆学校、职业教育标杆学校") speaks of the
family's other members. Compounds are split only at the edges of jieba's dictionary words.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from functools import lru_cache

from qa.terms import GROUP_SEP


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def names_a_sibling(
    weights: dict[str, float],
    sentence: str,
    context: str,
    share: float,
    places: frozenset[str] = frozenset(),
    related: Callable[[str], tuple[str, ...]] = lambda word: (),
) -> str:
    """The sentence speaks of a sibling of what is asked, not of it: Chinese compounds put their head last,
    so a heavy question word M+H ("优秀奖", "驰名商标") that is nowhere in the passage, while its head H sits
    in the sentence inside another compound ("一二三等奖", "注册商标") and its modifier M (or a synonym of it)
    is absent, asks about a member of a family the sentence gives other members of. Places are left out
    ("香港政府" is the "特区政府" of a Hong Kong document). ``sentence``/``context`` normalised.

    Returns the asked word the sentence lacks, or "" when the sentence is about what is asked."""
    heaviest = max(weights.values(), default=0.0)
    for key, weight in weights.items():
        alternatives = key.split(GROUP_SEP)
        word = alternatives[0]
        if (
            weight < share * heaviest
            or len(word) < 2
            or not all(_cjk(ch) for ch in word)
            or any(a in context for a in alternatives)
            or any(p in word or word in p for p in places)
        ):
            continue
        # The longest head the sentence holds inside a compound of its own.
        for cut in _word_cuts(word):
            modifier, head = word[:cut], word[cut:]
            if len(head) == 1 and len(word) < 3 and head not in _LEVEL_HEADS:
                break  # a lone character ("助" of 资助) is too common a head to tell a family by
            if any(i > 0 and _cjk(sentence[i - 1]) for i in _find_all(sentence, head)):
                if not any(_modifier_present(m, sentence) for m in (modifier, *related(modifier))):
                    return word
                break
    return ""


def names_a_family_member(
    question_words: tuple[tuple[str, str], ...],
    sentence: str,
    context: str,
    places: frozenset[str] = frozenset(),
    related: Callable[[str], tuple[str, ...]] = lambda word: (),
) -> str:
    """The sentence lists a family the asked member is not in: it names a head H with two or more different
    modifiers ("基础教育标杆学校、职业教育标杆学校", "金奖3项，优秀奖18项", "信息科技…制造科技"), and the
    question puts a modifier M before that same head ("特殊教育标杆学校", "银奖", "纳米科技") that is nowhere
    in the passage. Unlike :func:`names_a_sibling` this needs no weight: the enumeration itself shows that the
    modifier tells the members apart. ``question_words``: the question's (modifier, head) pairs
    (:func:`modifier_head_pairs`); ``sentence``/``context`` normalised.

    Returns the asked word the sentence lacks, or ""."""
    for modifier, head in question_words:
        if (
            any(m in context for m in (modifier, *related(modifier)))
            or any(p in modifier or modifier in p for p in places)
            or head not in sentence
        ):
            continue
        if len(_family_modifiers(sentence, head)) >= 2:
            return modifier + head
    return ""


def modifier_head_pairs(question: str, content: Callable[[str], bool]) -> tuple[tuple[str, str], ...]:
    """(modifier, head) pairs of a question: two adjacent words ("特殊教育|标杆") and the parts of one compound
    split at its dictionary edges ("银|奖"), where the modifier is a content word of the question
    (``content``) and the head a word of two characters or a tier head."""
    import jieba.posseg as pseg

    tagged = [(p.word, p.flag) for p in pseg.cut(question, HMM=False)]
    words = [w for w, _ in tagged]
    pairs: dict[tuple[str, str], None] = {}
    for (a, fa), (b, fb) in itertools.pairwise(tagged):
        # A noun phrase: a noun-like modifier of two characters or more before a noun ("特殊教育|标杆"), not a
        # verb and its object ("开|数据") nor a measure word before its noun ("名|中小学").
        if (
            all(_cjk(ch) for ch in a + b)
            and content(a)
            and len(a) >= 2
            and fa[:1] in _NOUN_LIKE
            and not _VERB_PHRASE.search(a)
            and fb.startswith("n")
            and (len(b) >= 2 or b in _FAMILY_HEADS)
        ):
            pairs[(a, b)] = None
    for w in words:
        if len(w) >= 2 and all(_cjk(ch) for ch in w) and content(w):
            for cut in _word_cuts(w):
                if len(w) - cut >= 2 or w[cut:] in _FAMILY_HEADS:
                    pairs[(w[:cut], w[cut:])] = None
    return tuple(pairs)


@lru_cache(maxsize=8192)
def _family_modifiers(sentence: str, head: str) -> frozenset[str]:
    """The different words the sentence puts right before ``head`` (its own or inside one word: 金|奖)."""
    import jieba

    words = jieba.lcut(sentence, HMM=False)
    found: set[str] = set()
    for i, w in enumerate(words):
        if w == head and i > 0 and all(_cjk(ch) for ch in words[i - 1]) and words[i - 1] not in _JOINERS:
            found.add(words[i - 1])
        elif w.endswith(head) and len(w) > len(head) and all(_cjk(ch) for ch in w):
            found.add(w[: -len(head)])
    return frozenset(found)


# jieba's tags of words that can modify a noun as a kind of it: nouns, names, set phrases, distinguishing words.
_NOUN_LIKE = frozenset("nlb")
# ... which jieba sometimes gives to a verb phrase of speech ("开了个"): an aspect particle or a trailing 个 tells it.
_VERB_PHRASE = re.compile(r"[了着]|个$")
# Function words that stand before a head without modifying it.
_JOINERS = frozenset("的 和 及 与 或 、 之 等 个 项 所 家 名 为 是 在 了 有".split())


@lru_cache(maxsize=4096)
def _word_cuts(word: str) -> tuple[int, ...]:
    """Where a compound may split into modifier and head: at the edges of the dictionary words inside it
    ("学士|学位", "优秀|奖"), never inside one ("学|士学位"); a two-character word between its characters."""
    import jieba

    edges = {i for _, start, end in jieba.tokenize(word, mode="search", HMM=False) for i in (start, end)}
    if len(word) == 2:
        edges.add(1)
    return tuple(sorted(i for i in edges if 0 < i < len(word)))


# Heads that make a rank or tier of one character ("市级" beside "省级", "二等" beside "一等", "A类" beside "B类").
_LEVEL_HEADS = frozenset("级等档类星")
# ... and awards ("金奖" beside "银奖"), for a family the sentence enumerates.
_FAMILY_HEADS = _LEVEL_HEADS | {"奖"}


def _modifier_present(modifier: str, sentence: str) -> bool:
    """A modifier of two characters or more anywhere; a lone one only where it modifies something coordinated
    ("省、市两级"), since a single character stands inside many unrelated words ("市辖区")."""
    if len(modifier) >= 2:
        return modifier in sentence
    return re.search(rf"{re.escape(modifier)}[、和及与或/]", sentence) is not None


def _find_all(text: str, part: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(part), text)]
