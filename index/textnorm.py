"""Text normalisation shared by indexing, querying and evaluation: t2s, width folding, number spacing,
and jieba tokens for BM25."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

import jieba
from opencc import OpenCC

jieba.setLogLevel(logging.WARNING)

_T2S = OpenCC("t2s")
# "2 000" / "35,000" / "12 300" -> digits only, so numbers match however they were typeset.
_DIGIT_GROUP = re.compile(r"(?<=\d)[ ,，\u00a0\u2009](?=\d{3}(?!\d))")
_SPACES = re.compile(r"\s+")
_TOKEN_OK = re.compile(r"[\w\u4e00-\u9fff%％]", re.UNICODE)

# Function words that carry no topic in these questions; BM25 gains nothing from them.
STOPWORDS = frozenset(
    (
        "的 了 和 与 及 或 是 在 有 对 为 把 被 将 就 也 都 而 并 等 中 上 下 之 其 以 于 由 从 向 到 这 那 个 些 "
        "哪 哪些 什么 怎么 怎样 如何 多少 几 吗 呢 吧 啊 呀 么 请问 我 你 他 她 我们 你们 他们 想 要 能 会 可以 "
        "一下 一些 一个 还 又 没有 没 不 啥 咋 嘛 哦 那么 这个 那个 哪个 谁 多 年 月 日 各 每 里 时 该 "
        # question scaffolding: it says what kind of answer is wanted, not what the answer is about
        "哪一年 一年 哪年 哪一天 一天 哪天 时候 什么时候 何时 甚么 分别 提到 提出 哪几 几个 哪几个 几项 几家 "
        "几条 几次 几期 哪项 哪一 为什么 为了 目的 是否 具体 主要 那边 这边 听说 有没有 是不是 打算 还要 "
        # everyday verbs of colloquial questions ("能拿多少", "去哪里做")
        "做 拿 给 搞 弄 去 来 让 帮 找 用 能拿 可不可以"
    ).split()
)


def to_simplified(text: str) -> str:
    return _T2S.convert(text)


def fold_width(text: str) -> str:
    """Full-width letters, digits and punctuation to half-width (NFKC), leaving Chinese characters alone."""
    return unicodedata.normalize("NFKC", text)


def squash_numbers(text: str) -> str:
    return _DIGIT_GROUP.sub("", text)


# Letters and digits written together, apart or hyphenated are one name: GPT4 / GPT-4 / GPT 4, CVPR2022 /
# CVPR 2022. Both sides (documents and questions) are cut at the boundary the same way.
# (Two letters or more: "5G" and "3D" stay one word.)
_ALNUM_JOIN = re.compile(r"(?<=[A-Za-z]{2})[-\s]?(?=\d)|(?<=\d)[-\s]?(?=[A-Za-z]{2})")


def split_letters_digits(text: str) -> str:
    return _ALNUM_JOIN.sub(" ", text)


def normalize_for_match(text: str) -> str:
    """The form used to compare strings: simplified, half-width, numbers and spaces squashed, lower case,
    a hyphen between letters and digits dropped."""
    text = split_letters_digits(squash_numbers(fold_width(to_simplified(text))))
    return _SPACES.sub("", text).lower()


@lru_cache(maxsize=4096)
def _cut(text: str) -> tuple[str, ...]:
    return tuple(jieba.cut_for_search(text))


def search_tokens(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Tokens for BM25: simplified, half-width, lower-cased jieba search-mode words without punctuation."""
    text = split_letters_digits(squash_numbers(fold_width(to_simplified(text)))).lower()
    tokens = []
    for tok in _cut(text):
        tok = tok.strip()
        if not tok or not _TOKEN_OK.search(tok):
            continue
        if not keep_stopwords and tok in STOPWORDS:
            continue
        tokens.append(tok)
    return tokens
