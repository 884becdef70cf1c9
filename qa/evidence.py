"""Evidence: the sentences and clauses of the top passages, scored by whether they answer the question.

A candidate is scored lexically (the question's content terms in the clause, its sentence, and more weakly
its paragraph, section and title), by whether it holds what is asked (a figure with a fitting unit, a date,
a body, a name), and by whether its years and ordinals agree with the question's. Headings are context for
the clauses under them, never statements of their own.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from index.sentences import sentence_spans
from index.textnorm import normalize_for_match
from qa.analyse import Analysis, AskKind, ordinals_in, values_in, years_in
from qa.terms import GROUP_SEP, coverage
from qa.tuning import Tuning
from qa.types import Hit
from qa.values import fits, fits_measure

# Clauses end at Chinese commas, colons and semicolons, and at an ASCII comma that is not inside a number
# ("35,000元" stays whole).
_CLAUSE = re.compile(r"(?:[^；;，,：:]|(?<=\d),(?=\d))+[；;，,：:]?")
_SEGMENT_END = "；;。！？!?"
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
# How a document gives a sanction.
_SANCTION = re.compile(r"罚|处分|追责|问责|追究|退回|退还|收回|追回|取消|撤销|失信|黑名单|惩戒")
_MONTH = re.compile(r"\d{1,2}\s*月|[一二三四五六七八九十]{1,2}月|月底|月初|月中|季度|上旬|中旬|下旬")
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
    "标准": r"标准|\d[\d,.]*\s*(?:%|万?元)",
    "负责人": "负责人|负责",
    # Contact details as documents write them.
    "地址": r"地址|位于|[路街道]\s*\d+\s*号",
    "电话": r"电话|热线|\d{3,4}-\d{7,8}|\d{8}",
    "网址": r"网址|网站|网页|www\.|https?://|\.gov|\.hk\b|\.cn\b",
}


@dataclass(frozen=True)
class Candidate:
    hit_index: int  # which passage
    start: int  # offsets of the statement in the passage text
    end: int
    text: str
    own: float  # content-term coverage of the clause itself
    local: float  # ... of its sentence, with what only its paragraph, section and title add counted in part
    fits: bool  # holds a value of the asked kind
    qualifier: int  # +1 the question's years/ordinals agree, 0 unknown, -1 contradicted
    score: float
    dense: float = 0.0  # cosine of its sentence to the question (0 when no sentence vectors)
    meaning: float = 0.0  # that cosine on a 0-1 scale (see Tuning.dense_floor)
    support: tuple[int, int] | None = None  # another span of the passage that holds the value (a 责任单位 note)
    absent: str = ""  # the asked word whose siblings the sentence gives instead (names_a_sibling)

    @property
    def relevance(self) -> float:
        """How well the candidate is about the question: by its words, or by its meaning when the question
        is in everyday words the documents do not use."""
        return max(self.local, self.meaning)


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


def clause_spans(sentence: str, base: int, min_chars: int) -> list[tuple[int, int]]:
    spans = []
    for m in _CLAUSE.finditer(sentence):
        s, e = m.span()
        if e - s >= min_chars:
            spans.append((base + s, base + e))
    return spans


def _segment_of(text: str, clauses: list[tuple[int, int]], anchor: tuple[int, int]) -> set[tuple[int, int]]:
    """The clauses between the semicolons (or sentence ends) around ``anchor``."""
    i = clauses.index(anchor)
    lo = i
    while lo > 0 and text[clauses[lo - 1][1] - 1] not in _SEGMENT_END:
        lo -= 1
    hi = i
    while hi < len(clauses) - 1 and text[clauses[hi][1] - 1] not in _SEGMENT_END:
        hi += 1
    return set(clauses[lo : hi + 1])


def _qualifier(analysis: Analysis, near: str, context: str) -> int:
    """+1 when the years/ordinals asked are where the clause is, -1 when other ones are there instead.

    Years agree when they overlap (2020 sits in 2015-2020 and in 十三五); ordinals must match each kind
    asked (第二批 is not 第一批, whatever 第二阶段 says)."""
    if not analysis.qualifiers:
        return 0
    verdicts = []
    if analysis.years:
        here = years_in(near)
        if here:
            verdicts.append(1 if analysis.years & here else -1)
        else:  # a title's or heading's years only place the clause: they can contradict, not confirm
            around = years_in(context)
            verdicts.append(-1 if around and not analysis.years & around else 0)
    if analysis.ordinals:
        here = ordinals_in(near) or ordinals_in(context)
        for unit in {o[-1] for o in analysis.ordinals}:
            asked = {o for o in analysis.ordinals if o[-1] == unit}
            found = {o for o in here if o[-1] == unit}
            verdicts.append(0 if not found else 1 if asked <= found else -1)
    return min(verdicts) if verdicts else 0


def gather(
    analysis: Analysis,
    hits: list[Hit],
    weights: dict[str, float],
    tuning: Tuning,
    doc_years: dict[str, int | None] | None = None,
    similarity: Callable[[int, int, int], float | None] | None = None,
    dense_scale: tuple[float, float] | None = None,
    sibling: Callable[[str, str], str] | None = None,
) -> list[Candidate]:
    """Every candidate statement of the top passages, best first.

    ``dense_scale`` (floor, ceiling) maps a sentence's cosine onto 0-1 (default: the tuning's); ``sibling``
    (normalised sentence, normalised context) tells a sentence about a sibling of the asked thing
    (:func:`names_a_sibling` bound to the question)."""
    floor, ceiling = dense_scale or (tuning.dense_floor, tuning.dense_ceiling)
    out: list[Candidate] = []
    stated = analysis.stated_values | values_in(analysis.text)
    event = normalize_for_match(analysis.event) if analysis.event else ""
    attribute = re.compile(_ATTRIBUTE_WORDS.get(analysis.attribute, analysis.attribute)) if analysis.attribute else None
    period = (
        re.compile(rf"每(?:一)?个?{analysis.period}|{analysis.period}均|一{analysis.period}|{analysis.period}度")
        if (analysis.period and analysis.kind in (AskKind.AMOUNT, AskKind.COUNT, AskKind.NUMBER))
        else None
    )
    # "信易+" names a family of names ("信易游", "信易阅"): the stem must be there.
    names = [re.sub(r"[+×*xX＋…]+$", "", normalize_for_match(n)) or normalize_for_match(n) for n in analysis.names]
    for hi, hit in enumerate(hits[: tuning.evidence_passages]):
        chunk = hit.chunk
        text = chunk.text
        head = f"{chunk.title} {chunk.section_label}"
        year = (doc_years or {}).get(chunk.doc)
        # The nearest years place a clause: its section's ("“十三五”发展回顾" of a "十四五" plan is about 2016-2020),
        # else its title's, else the document's year.
        context_years = next(
            (t for t in (chunk.section_label, chunk.title) if years_in(t)), f"{year}年" if year else ""
        )
        rank = 1.0 / math.pow(hi + 1, tuning.rank_decay)
        para_cov: dict[int, float] = {}
        spans = sentence_spans(text, tuning.clause_min_chars)
        for s, e in spans:
            sentence = text[s:e]
            line_start = text.rfind("\n", 0, s) + 1
            line_end = text.find("\n", e)
            paragraph = text[line_start : len(text) if line_end < 0 else line_end]
            if line_start not in para_cov:
                para_cov[line_start] = coverage(normalize_for_match(f"{head} {paragraph}"), weights)
            sentence_norm = normalize_for_match(sentence)
            sent_cov = coverage(sentence_norm, weights)
            local = sent_cov + tuning.context_share * max(0.0, para_cov[line_start] - sent_cov)
            named = all(n in normalize_for_match(f"{head} {paragraph}") for n in names)
            before = text[line_start:s]
            sim = (similarity(hit.row, s, e) if similarity else None) or 0.0
            meaning = min(1.0, max(0.0, (sim - floor) / max(1e-6, ceiling - floor)))
            clauses = clause_spans(sentence, s, tuning.clause_min_chars) if e - s > tuning.long_sentence_chars else []
            owns = {c: coverage(normalize_for_match(text[c[0] : c[1]]), weights) for c in clauses}
            # In a long sentence the value must sit in a clause about the question: "2025年…注册商标量达到2万件…
            # 地理标志等数量持续增长" gives no figure for 地理标志.
            top_own = max(owns.values(), default=0.0)
            relevant = {c for c, o in owns.items() if o >= tuning.clause_share * top_own}
            # ... or in the same run between semicolons as the clause most about it: "对首次…进入财务报表的，
            # 按入表金额10%给予奖励，单个企业不超过10万元" gives the condition and the reward in one run.
            segment = _segment_of(text, clauses, max(owns, key=owns.get)) if owns else set()
            relevant |= segment
            # A date heads the sentence it governs ("到2017年，…，基本建成创新型城市"): for a date, the sentence counts.
            date_here = analysis.kind is AskKind.DATE and fits(AskKind.DATE, sentence, stated, analysis.text)
            clause_fit = {
                c: c in relevant and (date_here or fits(analysis.kind, text[c[0] : c[1]], stated, analysis.text))
                for c in clauses
            }
            # (a date's event in other words than the question's still counts when the sentence means it)
            absent = (
                sibling(sentence_norm, normalize_for_match(f"{head} {sentence}"))
                if sibling is not None and analysis.needs_value
                else ""
            )
            # A bar the question sets ("超500亿元") names a tier: a sentence without it is of other tiers.
            other_tier = next((t for t in analysis.thresholds if t not in re.sub(r"[\s,]", "", sentence)), "")
            missing_detail = (
                (analysis.actual and _states_a_plan(sentence, chunk.title, chunk.section_label))
                or (analysis.measure and not fits_measure(analysis.measure, sentence))
                or (analysis.counted and not any(c in sentence_norm for c in analysis.counted))
                or (event and event not in sentence_norm and meaning < tuning.min_meaning)
                or (period and not period.search(sentence))
                or (analysis.per_unit and not _PER_UNIT.search(sentence))
                or (analysis.benefit and not _BENEFIT.search(sentence))
                or (analysis.reason and not _REASON.search(sentence))
                or (analysis.sanction and not _SANCTION.search(paragraph))
                or (attribute and not attribute.search(paragraph))
                or (analysis.exact_day and not _MONTH.search(sentence))
                or absent
            )
            absent = absent or other_tier
            if missing_detail:
                clause_fit = dict.fromkeys(clause_fit, False)  # a date, but of another event
            note = None
            if analysis.kind is AskKind.ORGANISATION and not missing_detail:
                # Work plans name who does a task in a note closing its paragraph: "…（责任单位：高教司）".
                note = _paragraph_note(text, spans, line_start, len(text) if line_end < 0 else line_end)
                if note is not None and (
                    note == (s, e) or not fits(analysis.kind, text[note[0] : note[1]][-62:], stated, analysis.text)
                ):
                    note = None
            for cs, ce in [(s, e), *clauses]:
                clause = text[cs:ce]
                whole = (cs, ce) == (s, e)
                own = sent_cov if whole else owns[(cs, ce)]
                blended = own + 0.5 * max(0.0, sent_cov - own) + max(0.0, local - sent_cov)
                if not clauses:
                    fit = fits(analysis.kind, clause, stated, analysis.text) and not missing_detail
                else:
                    fit = any(clause_fit.values()) if whole else clause_fit[(cs, ce)]
                support = note if note is not None and not fit else None
                fit = fit or support is not None
                qual = _qualifier(analysis, sentence, f"{context_years} {before}")
                score = blended + (tuning.fit_bonus if fit and analysis.kind.specific else 0.0)
                score += tuning.dense_weight * meaning
                if qual < 0 or not named or other_tier:
                    score *= 1.0 - tuning.qualifier_penalty
                    qual = -1
                out.append(
                    Candidate(hi, cs, ce, clause, own, local, fit, qual, score * rank, sim, meaning, support, absent)
                )
    out.sort(key=lambda c: (-c.score, c.hit_index, c.start))
    return out


_TRAILING_NOTE = re.compile(r"[（(][^（）()]{1,60}[）)][。；;]?$")


def _paragraph_note(text: str, spans: list[tuple[int, int]], line_start: int, line_end: int) -> tuple[int, int] | None:
    """The sentence closing the paragraph when it ends in a bracketed note."""
    inside = [(s, e) for s, e in spans if line_start <= s and e <= line_end]
    if inside and _TRAILING_NOTE.search(text[inside[-1][0] : inside[-1][1]]):
        return inside[-1]
    return None


def statement_span(text: str, start: int, end: int, max_chars: int) -> tuple[int, int]:
    """The span to quote for a clause: its whole sentence when that is short enough, else the run of the
    sentence between semicolons that holds the clause, so that nothing is cut mid-statement."""
    for s, e in sentence_spans(text, 1):
        if s <= start and end <= e:
            if e - s <= max_chars:
                return s, e
            left = max(text.rfind(c, s, start) for c in "；;")
            right_candidates = [i for i in (text.find(c, end - 1, e) for c in "；;") if i >= 0]
            ls = left + 1 if left >= s else s
            re_ = min(right_candidates) + 1 if right_candidates else e
            return ls, re_
    return start, end
