"""Question analysis: what is asked, the qualifiers that pin it, and the parts of a many-part question.

Built only from general Chinese (and English) question patterns: question words, measure words, currency
units, year and ordinal forms. Nothing here knows the words of any particular document collection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from qa.asked import (
    ACTUAL,
    APPLY_ASKED,
    ATTRIBUTE,
    BENEFIT_ASKED,
    BREAKDOWN_ASKED,
    DAY,
    FEE_ASKED,
    MEASURE_ASKED,
    MEASURE_WORDS,
    PER_UNIT_ASKED,
    PERIOD,
    REASON_ASKED,
    REST_ASKED,
    SANCTION_ASKED,
    SUPERLATIVE_ASKED,
    TOTAL_ASKED,
    UNIT_ASKED,
    UNTIL_ASKED,
    counted_noun,
    members_asked,
)


class AskKind(StrEnum):
    AMOUNT = "amount"  # a sum of money
    PERCENT = "percent"  # a share, rate or ratio
    COUNT = "count"  # how many of something
    NUMBER = "number"  # some figure, unit not said
    DATE = "date"  # a year, month or day
    DURATION = "duration"  # how long
    ORGANISATION = "organisation"  # which body, unit, company
    PLACE = "place"  # where
    NAME = "name"  # what something is called
    PURPOSE = "purpose"
    METHOD = "method"
    YESNO = "yesno"
    OPEN = "open"

    @classmethod
    def from_str(cls, value: str) -> AskKind:
        try:
            return cls(value.strip().lower())
        except ValueError as exc:
            raise ValueError(f"unknown ask kind {value!r}; one of {', '.join(k.value for k in cls)}") from exc

    @property
    def specific(self) -> bool:
        """The answer must hold a value of this kind (a figure, a date, a body ...), not just the topic."""
        return self in _SPECIFIC

    @property
    def label(self) -> str:
        """How the refusal names what the documents leave out ("没有说明具体金额")."""
        return _LABELS.get(self, "相关内容")


_SPECIFIC = frozenset(
    {
        AskKind.AMOUNT,
        AskKind.PERCENT,
        AskKind.COUNT,
        AskKind.NUMBER,
        AskKind.DATE,
        AskKind.DURATION,
        AskKind.ORGANISATION,
        AskKind.PLACE,
        AskKind.NAME,
    }
)
_LABELS = {
    AskKind.AMOUNT: "具体金额",
    AskKind.PERCENT: "具体比例",
    AskKind.COUNT: "具体数量",
    AskKind.NUMBER: "具体数字",
    AskKind.DATE: "具体时间",
    AskKind.DURATION: "具体期限",
    AskKind.ORGANISATION: "具体单位",
    AskKind.PLACE: "具体地点",
    AskKind.NAME: "具体名称",
}

_ZH_DIGITS = "零一二三四五六七八九十百千万亿两"
# The A-not-A question (给不给, 有没有, 可以不可以): a general Chinese yes/no form.
_A_NOT_A = r"(?P<ab>[\u4e00-\u9fff]{1,2})[不没](?P=ab)"

# Checked in this order; the first that matches names the kind. Each list is general question vocabulary.
# ("几" after a numeral or 好 is "-odd", not a question: "七十好几", "十几个")
_KIND_PATTERNS: list[tuple[AskKind, re.Pattern[str]]] = [
    (
        AskKind.PERCENT,
        re.compile(
            r"比例|比重|百分之|百分比|占比|增长率|增速|增幅|[^\s]率(是|为|要?达到)?(多少|几)|"
            r"\bpercent|\bpercentage|\bshare of|\brate\b|\bratio\b",
            re.I,
        ),
    ),
    (
        AskKind.COUNT,
        re.compile(
            rf"(多少|(?<![哪好十百千万])几)\s*(万|亿|千|百)?\s*(?:{MEASURE_WORDS})|数量|数目|"
            r"\bhow many\b|(?<!document )(?<!reference )(?<!file )\bnumber of\b",
            re.I,
        ),
    ),
    (
        AskKind.AMOUNT,
        re.compile(
            # "多少租金补贴", "奖金是多少": a money word right after or before the asking word
            r"多少钱|几多钱|多少[\u4e00-\u9fff]{0,3}?(资金|经费|补贴|补助|奖励|资助|津贴|奖金|拨款|投资|预算|租金|费)|"
            r"(资金|经费|补贴|补助|津贴|奖金|拨款|预算|租金|费用|造价)(是|为|有)?多少|金额|多少(预算|造价|费用)|"
            # pay: "月薪大概多少", "工资能拿多少"
            r"(薪|工资|薪酬|薪水|收入|待遇)[^，,。？?]{0,4}?多少|"
            r"(资金|经费|基金|资金池|预算)[^，,。？?]{0,3}?(规模|多大)|补偿\s*多少|"
            # money moved: "贷了多少", "融资多少", "筹集了多少"
            r"(?<![借])(贷|贷款|融资|筹集|筹措|募集)\s*(了)?\s*多少|"
            r"多少\s*(万|亿|千)?\s*(元|块|港元|美元)|(奖|补|补贴|资助|奖励|津贴|拨款|投入|投资)\s*(了)?多少|"
            r"(拿|给|发|领)\s*多少|\bhow much (money|funding|capital|subsid|grant|allowance)|\bbudget\b|\bcost\b",
            re.I,
        ),
    ),
    # "那几年"/"近几年" place a question in time; they do not ask how long.
    (
        AskKind.DURATION,
        re.compile(r"多久|多长时间|多长|(?<![那这近前头])几(?:年|个月)|期限|为期|\bhow long\b|\bduration\b", re.I),
    ),
    (
        AskKind.DATE,
        re.compile(
            r"哪一?年|哪个月|几月|几号|哪一?天|何时|什么时候|啥时候|什么时间|日期|截止|"
            # "when" asks only where a question starts with it; elsewhere it sets a condition ("... when it first").
            r"^\s*when\b|\bwhat year\b|\bwhich year\b|\bwhat date\b|\bwhat month\b|\bdeadline\b|\bby when\b",
            re.I,
        ),
    ),
    (
        AskKind.ORGANISATION,
        re.compile(
            # (a level before the kind of body: "哪个国家机构", "哪个市级部门")
            r"哪(个|些|一|所|家|间)?(?:国家|省|市|区|县)?级?(部门|机构|单位|司局|司|局|委|办|组织|公司|企业|法院|大学|高校|学校|中心|协会|小组|团队|基金|银行|医院)|"
            r"哪(?:所|家|间)[\u4e00-\u9fff]{0,2}?(?:学院|大学|公司|银行|医院)|"
            r"哪家|哪几家|谁|哪位|什么人|什么(部门|机构|单位)|责任单位|牵头单位|主办单位|主管部门|"
            r"\bwho\b|\bwhich (department|agency|body|organi[sz]ation|institution|office|company|court|university|"
            r"bank|hospital|school|college|firm)",
            re.I,
        ),
    ),
    (
        AskKind.PLACE,
        re.compile(
            r"哪里|哪儿|在哪(?!些|几)|何处|哪(个|座)?(城市|地方|地区|省|市|区|县|镇|街道|国家|园区|场馆|展馆|场地|会场)|"
            r"位于|坐落|地点|地址|\bwhere\b|\bin what (city|place)\b|"
            r"\bwhich (city|place|venue|district|province|country)\b",
            re.I,
        ),
    ),
    (
        AskKind.NAME,
        re.compile(
            r"叫什么|叫做什么|什么名|名称|名字|姓名|称为|改成了?什么|更名为|文号|"
            r"哪(个|项|一项)(计划|项目|平台|系统|网站|文件|政策|工程|行动|基地|奖|赛事|活动|方案|意见|条例|办法|标准|会议|课程)|"
            r"\bcalled\b|\bname of\b|\bwhat(?:'s| is) the name\b|\b(?:document|reference|file) number\b|"
            r"\bwhich (programme|program|scheme|plan|platform|project)\b",
            re.I,
        ),
    ),
    (
        AskKind.NUMBER,
        re.compile(
            r"多少|(?<![哪好十百千万])几|多大|多高|多远|多重|多宽|多深|"
            r"\bhow much\b|\bwhat (is|was) the (target|figure|amount)\b",
            re.I,
        ),
    ),
    (AskKind.PURPOSE, re.compile(r"为什么|为何|为了|目的|作用|效果|意义|想达到|\bwhy\b|\bpurpose\b|\baim\b", re.I)),
    (
        AskKind.METHOD,
        re.compile(r"如何|怎么|怎样|通过什么|采取|措施|方式|途径|\bhow (do|does|did|will|can|should|is|are)\b", re.I),
    ),
    (
        AskKind.YESNO,
        re.compile(
            # A-not-A questions (给不给, 有没有, 行不行) and a closing 不/没/没有/否 ("还给补贴不？") are general
            # Chinese yes/no forms.
            rf"吗\s*[？?]?$|是否|{_A_NOT_A}|可不可以|能否|可否|(?:不|没有?|否)\s*[？?]?$|"
            r"^(is|are|does|do|can|will)\b",
            re.I,
        ),
    ),
]
_LIST = re.compile(
    r"哪些|哪几|有什么|有哪|包括|包含|列出|几项|几大|几个方面|分别|各自|各有|都有|\bwhat are\b|\blist\b", re.I
)

# Question words and filler: they say what kind of answer is wanted, never what it is about, so no evidence
# has to contain them.
QUESTION_WORDS = re.compile(
    r"请问|是多少|有多少|多少钱|多少|是什么|有什么|有哪些|哪些|哪几|是哪|哪一|哪个|哪家|哪里|哪儿|在哪|几个|几项|几家|"
    r"什么时候|啥时候|何时|如何|怎么样|怎样|怎么|为什么|为何|多久|多长时间|叫什么|叫做|什么|名字|是谁|谁|是否|有没有|"
    r"能不能|可不可以|会不会|管不管|是不是|能否|可否|分别|各自|具体|一下|大概|大约|吗|呢|吧|啊|呀|嘛|啥|咋|"
    rf"{_A_NOT_A}|(?:不|没有?|否)(?=[?？]?$)|"
    # "这文件里", "该规划中": the document itself, pointed at, is not what the question is about
    r"(?:这|该|本|此|那)(?:份|个|篇|项)?(?:文件|规划|意见|方案|通知|措施|要点|办法)(?:里|中|上)?|"
    r"[?？。！!，,、；;：:]"
)

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-—–~至到]\s*((?:19|20)\d{2})(?!\d)")
# Five-year plans are general Chinese planning vocabulary: 十四五 = 2021-2025.
PLAN = re.compile(r"“?([十]?[一二三四五六七八九])五”?(?:规划|时期|期间|末|初)?")
_PLAN_BASE = {"十一": 2006, "十二": 2011, "十三": 2016, "十四": 2021, "十五": 2026}
_ORDINAL = re.compile(rf"(第\s*[{_ZH_DIGITS}\d]+|首)\s*(届|批次|批|期|轮|阶段|次|部分|条|款)")
# 第二届 / 第二次 / 第二期 / 首次 all count editions of one thing; 批 and 批次 count batches.
_ORDINAL_CLASS = {"届": "届", "次": "届", "期": "届", "轮": "届", "批次": "批", "批": "批"}
_QUOTED = re.compile(r"[「《“\"『]([^」》”\"』]{2,40})[」》”\"』]")
_ZH_NUM = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2, "十": 10}
_VALUE = re.compile(
    rf"\d[\d,.\s]*\s*(?:万|亿|千|百)?\s*(?:元|港元|美元|%|‰|倍|{MEASURE_WORDS})|[{_ZH_DIGITS}]+\s*(?:万|亿)\s*元"
)
# A figure the question sets as a bar ("销售收入超500亿元的产业集群"): it names a tier, which the answer must be of.
_THRESHOLD = re.compile(
    rf"(?:超过?|不低于|不少于|高于|大于|达)\s*({_VALUE.pattern})|({_VALUE.pattern})\s*(?:以上|以下|及以上)"
)
# Where one question ends and the next begins: a question mark or a semicolon with more text after it.
_PART_BREAK = re.compile(r"(?<=[？?；;])\s*")
_PART_LEAD = re.compile(r"^(另外|此外|还有|同时|以及|并且|那么|那|又)[，,、]?")
# A piece that leans on the one before ("剩下的又按几倍？", "叫什么名字？") is not a question of its own.
_LEANING = re.compile(r"^(那|这|该|其|此|它|又|还|剩下|剩余|其余|余下|其中)")
_MIN_PART_CONTENT = 6
# A leaning piece with this much of its own ("其中智能机器人专项的资金每年多少？") is a question of its own, asked with
# the piece before it as context.
_MIN_LEANING_CONTENT = 9


@dataclass(frozen=True)
class Analysis:
    text: str  # the normalised question
    kind: AskKind
    wants_list: bool
    years: frozenset[int]  # years the question asks about ("2020年", "十四五" -> 2021..2025)
    ordinals: frozenset[str]  # "第2批", "第1届" ...
    stated_values: frozenset[str]  # figures the question itself states ("6亿元"): never an answer
    names: tuple[str, ...]  # quoted names ("「数字政策办公室」"): the answer must be about that very thing
    focus: str  # the question without its question words, for messages
    measure: str = ""  # the measure word of a count asked ("多少家企业" -> 家): a count of something else is not it
    actual: bool = False  # what has happened ("实际引进了多少"), not a target: a plan's figure does not answer
    reason: bool = False  # why something is so is asked: the sentence must give a reason or purpose
    sanction: bool = False  # what follows a breach is asked: the sentence must name a sanction
    total: bool = False  # a total count is asked: a part of the whole ("其中…7家") does not answer
    benefit: str = ""  # the money asked about ("有没有购车补贴" -> 补贴): a sentence that gives none does not answer
    attribute: str = ""  # a detail of a scheme asked for by name (申请条件, 所需材料, 评选标准): it must be there
    exact_day: bool = False  # the date asked is a month or day ("几月几日"), not only a year
    period: str = ""  # "年" for 每年, "月" for 每月 ...: a figure asked per period must be given per period
    event: str = ""  # the verb whose date is asked ("什么时候建成通车" -> 通车): the date must be of that event
    event_forms: tuple[str, ...] = ()  # ... and the other verbs of that event (set by the preparer)
    per_unit: bool = False  # a sum per recipient or a cap is asked (PER_UNIT_ASKED)
    thresholds: frozenset[str] = frozenset()  # figures set as a bar ("超500亿元"): the answer must name that tier
    members: str = ""  # a term whose members or meaning are asked ("“三个课堂”具体指哪三个"): naming it is no answer
    rest_of: str = ""  # "除了教育部，另外七个部门是哪些": the others of a group, of which this one is named
    until: bool = False  # when something ends is asked ("持续到哪一年", "until when"): a start date does not answer
    breakdown: bool = False  # a figure for each of several things ("各专项分别投了多少"): one total does not answer
    superlative: bool = False  # which one is most ("哪一项拿到的最多"): the sentence must compare
    counted: tuple[str, ...] = ()  # what a count asked counts ("多少个研究中心" -> 中心), with the documents'
    # synonyms for it (set by the pipeline): a count of something else does not answer

    @property
    def needs_value(self) -> bool:
        """The answer must hold something of its own (a figure, a date, a body, a named detail, what actually
        happened), not only the topic."""
        return (
            self.kind.specific
            or bool(self.attribute)
            or self.actual
            or bool(self.benefit)
            or self.reason
            or self.sanction
            or bool(self.members or self.rest_of or self.superlative)
        )

    @property
    def qualifiers(self) -> bool:
        return bool(self.years or self.ordinals)


# Verbs of planning, degree and extent, not events: "预计哪一年通车" asks when it opens, not when it was
# planned; "覆盖到哪一年" asks for the end of a span.
_NOT_EVENTS = frozenset(
    "进行 开展 提出 计划 打算 预计 要求 需要 可以 能够 没有 成为 实现 达到 正式 开始 继续 进一步 "
    "覆盖 涵盖 包括 包含 持续 延续 截至 直到 起来 出来 下来 上来 过来 进来 开始 "
    "定为 定在 确定 设定 定下 展望 做到".split()
)
# Verbs that name one event in several words: a date of "公布" answers "什么时候发布".
_EVENT_FAMILIES = (
    frozenset("发布 公布 印发 出台 推出 颁布 下发 公开 发表 发出".split()),
    frozenset("成立 设立 组建 建立 挂牌 创立 创办".split()),
    frozenset("上调 提高 增加 提升 调高 上涨 增至".split()),
    frozenset("下调 降低 减少 调低 下降".split()),
    frozenset("举办 举行 召开 开幕".split()),
    frozenset("建成 完成 竣工 落成 启用 投入使用 投入运营 开通 通车".split()),
    frozenset("启动 开始 实施 施行 推行 开展 推出".split()),
)


def event_forms(event: str) -> tuple[str, ...]:
    """The event's verb and the other verbs that name the same event (general Chinese, not a collection's)."""
    return tuple(dict.fromkeys([event, *(w for f in _EVENT_FAMILIES if event in f for w in sorted(f))]))


def _event(text: str) -> str:
    """The last two-character-or-longer verb of the question outside its question words and quoted names
    (the 工作 of 《…工作要点》 is no event)."""
    import jieba.posseg as pseg

    bare = strip_question_words(_QUOTED.sub(" ", text))
    verbs = [w for w, f in pseg.cut(bare, HMM=False) if f.startswith("v") and len(w) >= 2]
    verbs = [v for v in verbs if v not in _NOT_EVENTS]
    return verbs[-1] if verbs else ""


_CLAUSE_END = re.compile(r"[，,；;：:]")
_WHICH_ONES = re.compile(r"都是啥|都是什么|是啥|是哪些|有哪些|包括哪些|分别是|都有啥|都有什么")
_SENTENCE_END = re.compile(r"(?<=[？?。！!])")


def ask_kind(text: str) -> AskKind:
    """The kind asked by the first sentence that asks anything, in the last of its clauses that does: a long
    everyday question puts its context first ("手上有几项专利…，想知道…一共贷了多少钱？" asks an amount, not a
    count), and a question that leans on an earlier one ("…是哪个司局？这个司局还要…") asks what the first asks."""
    for sentence in [s for s in _SENTENCE_END.split(text) if s.strip()] or [text]:
        for clause in reversed([c for c in _CLAUSE_END.split(sentence) if c.strip()]):
            for kind, pattern in _KIND_PATTERNS:
                if pattern.search(clause):
                    if kind in (AskKind.COUNT, AskKind.NUMBER) and _WHICH_ONES.search(clause) and "多少" not in clause:
                        return AskKind.OPEN  # "几个专项都是啥" asks which, not how many
                    return kind
            if has_question_word(clause):
                # The clause that asks asks something open ("区里有啥帮扶？"); a figure in the context before it
                # ("手里有几项专利") is not what is asked.
                return AskKind.OPEN
    return AskKind.OPEN


def _zh_int(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text in _ZH_NUM:
        return _ZH_NUM[text]
    if len(text) == 2 and text[0] == "十":
        return 10 + _ZH_NUM.get(text[1], 0)
    if len(text) in (2, 3) and text[1] == "十":
        return _ZH_NUM.get(text[0], 0) * 10 + (_ZH_NUM.get(text[2], 0) if len(text) == 3 else 0)
    return None


def years_in(text: str) -> frozenset[int]:
    """Every year a text mentions, ranges and five-year plans expanded."""
    years = {int(y) for y in _YEAR.findall(text)}
    for a, b in _YEAR_RANGE.findall(text):
        lo, hi = int(a), int(b)
        if 0 <= hi - lo <= 30:
            years.update(range(lo, hi + 1))
    for m in PLAN.finditer(text):
        base = _PLAN_BASE.get(m.group(1))
        if base and "五" in m.group(0):
            years.update(range(base, base + 5))
    return frozenset(years)


def ordinals_in(text: str) -> frozenset[str]:
    found = set()
    for m in _ORDINAL.finditer(text):
        head = m.group(1).replace(" ", "")
        n = 1 if head == "首" else _zh_int(head[1:])
        unit = _ORDINAL_CLASS.get(m.group(2), m.group(2))
        if n is not None:
            found.add(f"第{n}{unit}")
    return frozenset(found)


def values_in(text: str) -> frozenset[str]:
    return frozenset(re.sub(r"[\s,]", "", m.group(0)) for m in _VALUE.finditer(text))


def strip_question_words(text: str) -> str:
    return re.sub(r"\s+", " ", QUESTION_WORDS.sub(" ", text)).strip()


def analyse(text: str) -> Analysis:
    kind = ask_kind(text)
    names = tuple(dict.fromkeys(m.group(1).strip() for m in _QUOTED.finditer(text)))
    return Analysis(
        text=text,
        kind=kind,
        wants_list=bool(_LIST.search(text)),
        years=years_in(text),
        ordinals=ordinals_in(text),
        stated_values=values_in(text),
        names=names,
        event=_event(text) if kind in (AskKind.DATE, AskKind.DURATION) else "",
        period=m.group(1) if (m := PERIOD.search(text)) else "",
        attribute=(
            (a.group(1) or a.group(2))
            if (a := ATTRIBUTE.search(text))
            else ("申请" if APPLY_ASKED.search(text) else ("费用" if FEE_ASKED.search(text) else ""))
        ),
        exact_day=kind is AskKind.DATE and bool(DAY.search(text)),
        until=kind is AskKind.DATE and bool(UNTIL_ASKED.search(text)),
        breakdown=kind in (AskKind.AMOUNT, AskKind.COUNT, AskKind.NUMBER, AskKind.PERCENT)
        and bool(BREAKDOWN_ASKED.search(text)),
        superlative=bool(SUPERLATIVE_ASKED.search(text)),
        actual=bool(ACTUAL.search(text)),
        reason=bool(REASON_ASKED.search(text)),
        sanction=bool(SANCTION_ASKED.search(text)),
        total=kind is AskKind.COUNT and bool(TOTAL_ASKED.search(text)),
        benefit=m.group(0) if (m := BENEFIT_ASKED.search(text)) else "",
        measure=(
            m.group(1)
            if kind is AskKind.COUNT and (m := MEASURE_ASKED.search(text))
            else (u.group(1) if (u := UNIT_ASKED.search(text)) else "")
        ),
        per_unit=kind is AskKind.AMOUNT and bool(PER_UNIT_ASKED.search(text)),
        thresholds=frozenset(re.sub(r"[\s,]", "", m.group(1) or m.group(2)) for m in _THRESHOLD.finditer(text)),
        counted=(c,) if kind is AskKind.COUNT and (c := counted_noun(text)) else (),
        members=members_asked(text, names),
        rest_of=r.group(1) if (r := REST_ASKED.search(text)) else "",
        focus=strip_question_words(text),
    )


# Words that ask something of their own; a bare "呢" or "吗" closing a fragment ("那2015年呢？") does not.
_ASKING_WORD = re.compile(rf"什么|哪|谁|多少|几|怎|如何|为什么|为何|何时|何处|啥|咋|是否|{_A_NOT_A}")


def has_question_word(text: str) -> bool:
    return bool(_ASKING_WORD.search(text))


# A part that points back ("这类奖励…", "依托该中心…", "其中…") or is too short to stand alone ("主要补哪种专利？").
_POINTS_BACK = re.compile(r"这|那|该|其|此|它|上述|前者|后者|剩下|剩余|余下")
_SELF_CONTAINED_CHARS = 10


def leans_on_previous(piece: str) -> bool:
    return bool(_POINTS_BACK.search(piece)) or len(strip_question_words(piece)) < _SELF_CONTAINED_CHARS


def _has_question(piece: str) -> bool:
    return ask_kind(piece) is not AskKind.OPEN or piece.rstrip().endswith(("？", "?"))


def split_parts(text: str, max_parts: int) -> list[str]:
    """Two or more questions in one ("…是多少？…又是多少？") become separate parts, in order.

    A piece without a question of its own (a lead-in such as "两份文件都提到了专利导航：") stays with the
    piece after it.
    """
    pieces = [p.strip() for p in _PART_BREAK.split(text) if p.strip()]
    parts: list[str] = []
    pending = ""
    for piece in pieces:
        own = len(strip_question_words(piece))
        leaning = _LEANING.match(piece) and own < _MIN_LEANING_CONTENT
        if parts and not pending and (own < _MIN_PART_CONTENT or leaning):
            parts[-1] += piece
            continue
        piece = pending + piece
        if _has_question(piece) and len(strip_question_words(piece)) >= 2:
            parts.append(piece)
            pending = ""
        else:
            pending = piece
    if pending:
        if parts:
            parts[-1] += pending
        else:
            parts.append(pending)
    if len(parts) > max_parts:
        parts = [*parts[: max_parts - 1], "".join(parts[max_parts - 1 :])]
    if len(parts) > 1:
        parts = [_PART_LEAD.sub("", p).strip() or p for p in parts]
    return parts or [text]
