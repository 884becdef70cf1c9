"""What the answer says when the documents do not answer: worded for any collection, never only "规定"."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from qa.inputs import strip_markup
from qa.judge import Judgement, Verdict
from qa.terms import GROUP_SEP
from qa.values import PERSON_ASKED

if TYPE_CHECKING:
    from qa.prepare import PreparedQuery

MAX_TOPIC_CHARS = 30
MAX_QUOTED_QUESTION_CHARS = 18  # a longer question is not quoted back whole
_QUOTES = re.compile(r"[“”\"'「」『』]")
PASSAGES_NOTE = "下面列出可能相关的内容，供您参考。"


def _topic(text: str) -> str:
    text = _QUOTES.sub("", strip_markup(text)).strip()  # quoted back: never a tag a client could render
    return text if len(text) <= MAX_TOPIC_CHARS else text[: MAX_TOPIC_CHARS - 1] + "…"


def _named(prepared: PreparedQuery, judgement: Judgement) -> str:
    """What the documents do mention: the question's own quoted name, else the longest run of the question the
    closest sentence repeats, else its heaviest content terms found there, else the question's focus."""
    if prepared.analysis is not None and prepared.analysis.names:
        return f"「{strip_markup(prepared.analysis.names[0])}」"
    if judgement.best is not None:
        # The longest run of the question that the closest sentence repeats word for word names the topic
        # in the question's own order ("研发经费占GDP比重"), better than a bag of its words.
        question = prepared.analysis.text if prepared.analysis else prepared.query.text
        run = _longest_shared_run(question, judgement.best.text)
        if len(run) >= 4:
            return f"「{strip_markup(run)}」"
        text = judgement.best.text
        found: dict[str, float] = {}
        for key, weight in prepared.weights.items():  # a key lists a word and its synonyms: name the one there
            alternative = next((a for a in key.split(GROUP_SEP) if len(a) >= 2 and a in text), None)
            if alternative:
                found[alternative] = max(found.get(alternative, 0.0), weight)
        if found:
            return "「" + "、".join(sorted(found, key=lambda t: -found[t])[:3]) + "」"
    return ""  # nothing of the question is in the closest sentence: the documents cannot be said to mention it


def _longest_shared_run(a: str, b: str) -> str:
    """The longest piece of ``a`` (no punctuation) that also stands in ``b``."""
    best = ""
    for piece in re.split(r"[\s，,。？?！!；;：:、“”「」《》\"']+", a):
        for i in range(len(piece)):
            for j in range(len(piece), i + len(best), -1):
                if piece[i:j] in b:
                    best = piece[i:j]
                    break
    return best.strip("的了和与及在对")


def refusal_line(
    judgement: Judgement, prepared: PreparedQuery, covered: list[str], higher: Collection[str] = ()
) -> str:
    """One sentence for a question (or a part of one) that the documents do not answer. ``higher``: units
    above the documents' own places (天津市 of 天津市东丽区), which the documents mention but do not speak for."""
    analysis = prepared.analysis
    focus = _topic((analysis.focus if analysis else prepared.query.text).rstrip("？?。.！! "))
    if judgement.verdict is Verdict.UNKNOWN_PLACE:
        where = "、".join(covered)
        tail = f"（现有文件涉及：{where}）" if where else ""
        if judgement.place in higher:
            return f"现有文件中没有{judgement.place}本级的文件{tail}，无法说明{judgement.place}层面的规定。"
        return f"文件中没有找到关于{judgement.place}的内容{tail}。"
    if judgement.verdict is Verdict.NOT_DETAILED and analysis is not None:
        label = analysis.kind.label if analysis.kind.specific else "这方面的具体内容"
        if analysis.attribute and not analysis.kind.specific:
            label = f"具体{analysis.attribute}"
        if PERSON_ASKED.search(analysis.text):
            label = "具体人选"
        if judgement.best is not None and judgement.best.absent:
            # "没有说明优秀奖的金额", "没有说明关于超500亿元的内容"
            absent = judgement.best.absent
            label = f"{absent}的{label.removeprefix('具体')}" if analysis.kind.specific else f"关于{absent}的内容"
        elif analysis.rest_of:
            label = f"{analysis.rest_of}以外的其他各项"
        elif analysis.superlative:
            label = "各项之间的比较"
        elif analysis.members:
            label = f"「{analysis.members}」具体指哪些"
        elif analysis.reason:
            label = "原因"
        elif analysis.sanction:
            label = "相应的处理或处罚"
        elif analysis.benefit and not analysis.kind.specific:
            # "没有说明补贴方面的内容"; an English question's money word in the documents' language
            money = analysis.benefit if re.search(r"[\u4e00-\u9fff]", analysis.benefit) else "资助或奖励"
            money = "资金补助" if "钱" in money else money  # "发点钱" in the documents' words
            label = f"{money}方面的内容"
        elif analysis.actual:
            label = "实际完成情况"  # the documents give the target or the task, not what came of it
        elif judgement.contradicted and analysis.years:
            years = "、".join(str(y) for y in sorted(analysis.years)[:3])
            label = f"{years}年的{label.removeprefix('这方面的').removeprefix('具体')}"
        named = _named(prepared, judgement)
        # A place no document is about is said first: the documents only mention it (深圳 in a Hong Kong plan).
        lead = f"现有文件都不是{prepared.unknown_places[0]}的文件；" if prepared.unknown_places else ""
        if not named:
            return f"{lead}文件中没有说明{_topic(focus)}的{label.removeprefix('具体')}。"
        return f"{lead}文件提到了{named}，但没有说明{label}。"
    if len(focus) > MAX_QUOTED_QUESTION_CHARS:
        return "文件中没有找到与这个问题相关的内容。"  # a long everyday question is not quoted back whole
    return f"文件中没有找到关于「{focus}」的内容。"


def with_passages_note(text: str, passages: bool = True) -> str:
    """The refusal, and the note that related passages follow when any do."""
    return f"{text}{PASSAGES_NOTE}" if passages else text
