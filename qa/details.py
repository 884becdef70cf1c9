"""What a sentence must hold besides the question's topic: the detail the question pins down.

A sentence about the right topic still does not answer when the question asks what actually happened and the
sentence states a target, asks a sum per recipient and the sentence gives a budget, asks money, a reason, a
sanction, a contact detail or a day and the sentence gives none, counts one thing and the sentence counts
another. Each check is a general pattern of Chinese (or English) policy writing, never a word of one collection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.chunking import Chunk
from index.textnorm import normalize_for_match
from qa.analyse import Analysis, AskKind
from qa.asked import MEASURE_WORDS
from qa.values import ZH, fits_measure

# A target or plan, not what has happened: "到2017年…引进100名" does not say how many were actually brought in.
_TARGET = re.compile(r"到\s*\d{4}\s*年|目标|力争|计划|预计|将|争取|达到")
# A plan, programme or work plan states what is to be done; only its review sections, or a sentence that
# reports a result (截至…, 已…, 累计…), say what happened.
_PLAN_TITLE = re.compile(r"规划|方案|要点|计划|意见|措施|纲要|行动")
_REVIEW_SECTION = re.compile(r"回顾|成效|成就|成绩|基础|现状|进展|总结")
_RESULT = re.compile(r"截至|已经|已|累计|以来|荣获|取得了|实现了|完成了|建成了|获批|先后")


def _states_a_plan(sentence: str, title: str, section: str) -> bool:
    """The sentence gives a target or a task, not a result."""
    if _TARGET.search(sentence):
        return True
    return bool(_PLAN_TITLE.search(title)) and not _REVIEW_SECTION.search(section) and not _RESULT.search(sentence)


# How a document gives a sum per recipient or a cap: "最高5万元", "不超过20万元", "每项奖励10万元", "分别奖励…",
# a rate ("按…30%给予"), "一次性补助".
_PER_UNIT = re.compile(
    r"最高|最多|上限|封顶|不超过|不高于|以内|单个|单笔|单项|每(?:一)?(?:家|个|项|人|所|笔|位|名|间|支|宗|户)|分别|一次性|[%％]"
)
# How a document gives money: its words for it (a sum alone may be a sales figure or a budget).
_BENEFIT = re.compile(
    r"补贴|补助|津贴|资助|奖励|奖补|奖金|报销|减免|扣减|扣除|免征|免税|退税|优惠|贴息|补偿|资金|经费|拨款|配对"
)
# How a document gives a reason or a purpose ("为释放…潜力", "旨在", "由于", "以阐明", "…，降低…成本").
_REASON = re.compile(
    r"为了|以便|以期|旨在|因为|由于|藉此|借此|从而|为此|原因|理由|鉴于|所以|因此|目的|"
    r"[为以](?:[\u4e00-\u9fff]{0,2})(?:推动|促进|提升|提高|加强|鼓励|配合|释放|支持|满足|适应|应对|解决|阐明|确保|保障)|"
    # a policy's purpose as the clause after its measure: "探索建立…机制，降低…成本"
    r"[，,](?:降低|提高|提升|促进|推动|增强|减少|扩大|保障|确保|助力|带动|满足|释放|缓解|改善|激发|激励)"
)
# A count of some of a group ("社群当中包括七家", "其中5个"), with no total beside it (共, 累计, 总数).
_PART_COUNT = re.compile(
    rf"(?:包括|其中|当中|中有)[^，,。；;]{{0,6}}?[\d一二三四五六七八九十两]+\s*(?:{MEASURE_WORDS})"
)
_ANY_COUNT = re.compile(rf"[\d一二三四五六七八九十两][\d\s,]*\s*(?:{MEASURE_WORDS})")
_TOTAL = re.compile(r"共|总|累计|合计|全部")


def _counts(nouns: tuple[str, ...], sentence: str) -> bool:
    """A figure of the sentence counts one of ``nouns``: the noun follows the figure ("16个国家重点实验室") or
    comes just before it ("企业数量达到50家"); a noun elsewhere in the sentence counts nothing."""
    for noun in nouns:
        n = re.escape(noun)
        # after the figure anywhere in its sentence part; before it only a few characters away, and not across
        # a 的 that makes the noun part of another phrase ("公司负责管理的三个创新园" counts 创新园)
        if re.search(rf"[\d{ZH}][^。；;]{{0,40}}?{n}|{n}[^。；;：:的]{{0,8}}?[\d{ZH}]", sentence):
            return True
    return False


# What follows a term that says what it is or holds: "“三个课堂”（专递课堂、…）", "“两区”指…", "即", "包括".
_DEFINITION_AFTER = re.compile(
    r"^[”」\"』》]?\s*(?:[（(：:]|[，,]?(?:即|是指|指的?是|指(?![导出挥标南引])|包括|包含|涵盖|分别|主要(?:是|有|包括)))"
)
# ... or later in its run: "《…蓝图2.0》，提出超过130项措施，涵盖「智慧出行」、…".
_LISTED_LATER = re.compile(r"包括|包含|涵盖|分别(?:是|为)|[：:]")
# A list that runs up to the term: "模式创新、组织创新、人才创新等“1+7”创新工程".
_LIST_BEFORE = re.compile(r"、[^、，,。；;等]{1,12}(?:等)?[“\"「]?$")


def _defines(term: str, sentence: str, context: str) -> bool:
    """The sentence says what ``term`` stands for or lists what it holds, rather than naming it in passing ("在
    “三区三州”实施…", a longer title 《关于加强“三个课堂”应用的指导意见》). Where the sentence lacks the
    term, its paragraph or heading must have it and the sentence must list ("两个平台，分别是…"): what a term
    holds is said where the term is."""
    at = [m.start() for m in re.finditer(re.escape(term), sentence)] if term else []
    for start in at:
        before = sentence[max(0, start - 24) : start]
        opened = before.rfind("《")
        if opened >= 0 and "》" not in before[opened:] and opened < len(before) - 1:
            continue  # inside a longer title
        after = sentence[start + len(term) :]
        run = re.split(r"[。；;]", after, maxsplit=1)[0]
        if _DEFINITION_AFTER.search(after[:6]) or _LISTED_LATER.search(run) or _LIST_BEFORE.search(before):
            return True
    return not at and term in context and bool(_LISTED_LATER.search(sentence))


_YEAR = re.compile(r"(?:19|20)\d{2}\s*年")
_START = re.compile(
    r"(?:自|从)\s*(?:19|20)\d{2}\s*年(?:\s*\d{1,2}\s*月)?|(?:19|20)\d{2}\s*年(?:\s*\d{1,2}\s*月)?\s*(?:开始|起|以来)"
)


def _only_starts(sentence: str) -> bool:
    """Every year in the sentence is when something began ("自2015年开始…每年5000万元"): no end is given."""
    years = len(_YEAR.findall(sentence))
    starts = len(_START.findall(sentence))
    return years > 0 and starts >= years


_FIGURE = re.compile(r"(?<![\d.,])\d[\d,.]*\s*(?:%|万|亿|千|百)?\s*(?![\d年月日号])")
_COMPARES = re.compile(r"最|第一|居首|首位|之首|排名|位居|领先|超过其他")


def _several_figures(sentence: str) -> bool:
    """The sentence gives a figure for each of several things ("分别", "各", two figures or more)."""
    return bool(re.search(r"分别|各(?:自|为|占)", sentence)) or len(_FIGURE.findall(sentence)) >= 2


def _only_a_part(sentence: str) -> bool:
    """The sentence counts only some of a group: its first count follows 包括/其中/当中, and no total is given."""
    part = _PART_COUNT.search(sentence)
    first = _ANY_COUNT.search(sentence)
    return bool(part and first and first.start() >= part.start() and not _TOTAL.search(sentence))


# How a document gives a sanction.
_SANCTION = re.compile(r"罚|处分|追责|问责|追究|退回|退还|收回|追回|取消|撤销|失信|黑名单|惩戒")
_MONTH = re.compile(
    r"\d{1,2}\s*月|[一二三四五六七八九十]{1,2}月|月底|月初|月中|季度|上旬|中旬|下旬|(?<![\d.])\d{1,2}\s*[·・]\s*\d{1,2}(?![\d.])"
)
# Words a document uses for a detail asked by name (its own word first).
_ATTRIBUTE_WORDS = {
    "条件": "条件|符合|满足|具备",
    "材料": "材料|资料|证明|文件",
    "资料": "资料|材料|证明",
    "流程": "流程|程序|手续|步骤|办理",
    "程序": "程序|流程|手续|步骤|办理",
    "手续": "手续|流程|程序|办理",
    "步骤": "步骤|流程|程序",
    "组长": "组长|牵头",
    # The standard of an award or subsidy is its rate or amount.
    "门槛": r"门槛|限制|不超过|不低于|以下|以上|周岁|岁|条件",
    "标准": r"标准|\d[\d,.]*\s*(?:%|万?元)",
    "负责人": "负责人|负责",
    "费用": "费用|经费|租金|成本|开支|支出|收费|免费|付费|[\\d十百千万]\\s*元",
    "资质": "资质|牌照|许可|资格|条件",
    "牌照": "牌照|资质|许可|资格",
    "主题": "主题",
    "限制": r"限制|限于|不超过|不高于|以下|以上|周岁|岁|门槛",
    # How to apply: the body applied to, or the steps.
    "申请": r"申请|申报|报名|受理|办理|提交|登记|网上|窗口|平台|热线|电话",
    # Contact details as documents write them.
    "地址": r"地址|位于|[路街道]\s*\d+\s*号",
    "位置": r"地址|位于|坐落|[路街道]\s*\d+\s*号",
    "电话": r"电话|热线|\d{3,4}-\d{7,8}|\d{8}",
    "网址": r"网址|网站|网页|www\.|https?://|\.gov|\.hk\b|\.cn\b",
}


@dataclass(frozen=True)
class DetailCheck:
    """The question's detail checks, compiled once per question (:meth:`of`)."""

    analysis: Analysis
    events: tuple[str, ...]  # the asked event's verb and its other words, normalised
    attribute: re.Pattern[str] | None
    period: re.Pattern[str] | None
    min_meaning: float  # a sentence this close in meaning may name the event in other words

    @classmethod
    def of(cls, analysis: Analysis, min_meaning: float) -> DetailCheck:
        attribute = _ATTRIBUTE_WORDS.get(analysis.attribute, analysis.attribute) if analysis.attribute else ""
        p = analysis.period
        period = (
            re.compile(rf"每(?:一)?个?{p}|{p}均|一{p}|{p}度")
            if (p and analysis.kind in (AskKind.AMOUNT, AskKind.COUNT, AskKind.NUMBER))
            else None
        )
        events = tuple(normalize_for_match(e) for e in (analysis.event_forms or (analysis.event,)) if e)
        return cls(analysis, events, re.compile(attribute) if attribute else None, period, min_meaning)

    def _defines(self, sentence_norm: str, paragraph: str, chunk: Chunk) -> bool:
        context = normalize_for_match(f"{chunk.section_label} {paragraph}")
        return _defines(normalize_for_match(self.analysis.members), sentence_norm, context)

    def missing(self, sentence: str, sentence_norm: str, paragraph: str, chunk: Chunk, meaning: float) -> bool:
        """The sentence (in its paragraph and passage) lacks the detail the question asks for."""
        a = self.analysis
        return bool(
            (a.actual and _states_a_plan(sentence, chunk.title, chunk.section_label))
            or (a.measure and not fits_measure(a.measure, sentence))
            or (a.counted and not _counts(a.counted, sentence_norm))
            or (self.events and not any(e in sentence_norm for e in self.events) and meaning < self.min_meaning)
            or (self.period and not self.period.search(sentence))
            or (a.per_unit and not _PER_UNIT.search(sentence))
            or (a.benefit and not _BENEFIT.search(sentence))
            or (a.reason and not _REASON.search(sentence))
            or (a.sanction and not _SANCTION.search(paragraph))
            or (self.attribute and not self.attribute.search(paragraph))
            or (a.exact_day and not _MONTH.search(sentence))
            or (a.total and _only_a_part(sentence))
            or (a.members and not self._defines(sentence_norm, paragraph, chunk))
            or (a.rest_of and normalize_for_match(a.rest_of) + "等" in sentence_norm)
            or (a.until and _only_starts(sentence))
            or (a.breakdown and not _several_figures(sentence))
            or (a.superlative and not _COMPARES.search(sentence))
        )
