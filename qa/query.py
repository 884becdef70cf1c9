"""Check and normalise a question: traditional -> simplified, full-width -> half-width, whitespace."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from index.textnorm import fold_width, to_simplified

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


class QuestionError(ValueError):
    """The question cannot be answered as typed; the message is for the person who typed it."""


@dataclass(frozen=True)
class Query:
    original: str  # as typed, for display
    text: str  # simplified, half-width, single-spaced
    language: str  # "zh" or "en"


def detect_language(text: str) -> str:
    cjk = len(_CJK.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text))
    return "en" if latin > 3 * cjk and latin >= 6 else "zh"


def normalize_question(question: object, max_chars: int) -> Query:
    if not isinstance(question, str):
        raise QuestionError("问题必须是文字。")
    # Lone surrogates (from broken clients) cannot be encoded; drop them rather than fail later.
    question = question.encode("utf-8", "ignore").decode("utf-8")
    stripped = _CONTROL.sub("", question).strip()
    if not stripped:
        raise QuestionError("请输入问题。")
    if len(stripped) > max_chars:
        raise QuestionError(f"问题太长（{len(stripped)} 字），请精简到 {max_chars} 字以内。")
    text = fold_width(to_simplified(stripped))
    text = unicodedata.normalize("NFC", _SPACES.sub(" ", text)).strip()
    if not any(ch.isalnum() for ch in text):
        raise QuestionError("没有看懂这个问题，请用文字描述您想了解的内容。")
    return Query(original=question.strip(), text=text, language=detect_language(text))
