"""What a question asks for besides its kind: the details an answering sentence must give (a condition, a fee,
an outcome, a reason, the members of a term, a figure for each of several things …) and what a count counts.

General Chinese (and English) question vocabulary only, like qa/analyse.py, which reads these into its Analysis.
"""

from __future__ import annotations

import itertools
import re

MEASURE_WORDS = (
    "个|家|项|名|人|所|件|条|支|座|台|批|次|种|部|篇|门|堂|场|户|位|间|套|本|期|届|亩|平方米|公顷|人次|小时|"
    "类|处|款|只|辆|张|册|份|万人|余人|余家|余个|余项|余所|平方公里|公里|千米|千瓦|兆瓦|吨|"
    "大"  # "几大课堂" is counted as "八大课堂"
)

# The details of a scheme people ask for by name; a sentence that names the scheme without the detail does not
# answer ("申请条件是什么" is not answered by "实施融资补助政策").
ATTRIBUTE_NOUNS = (
    "条件|材料|资料|标准|资格|资质|牌照|流程|程序|手续|步骤|门槛|名单|人选|负责人|组长|"
    "地址|位置|电话|网址|费用|价格|主题|限制"
)
ATTRIBUTE = re.compile(
    rf"(?:什么|啥|哪些|哪几[种项类个]?|何种|哪种|哪一?个|有没有|有无|是否有)[\u4e00-\u9fff]{{0,4}}?({ATTRIBUTE_NOUNS})|"
    rf"({ATTRIBUTE_NOUNS})[\u4e00-\u9fff]{{0,3}}?(?:是什么|有哪些|是哪些|包括哪些|有什么|是谁|是多少|怎么|在哪|是哪)"
)
MEASURE_ASKED = re.compile(rf"(?:多少|(?<![哪好十百千万])几)\s*(?:万|亿|千|百)?\s*({MEASURE_WORDS})")
# A unit in Latin letters asked for ("多少PFLOPS", "多少MW"): the figure must be given in it.
UNIT_ASKED = re.compile(r"(?:多少|几)\s*([A-Za-z]{2,10})\b")
# What has happened, not a target: "实际引进了多少", "到底有没有实现…目标", "是否完成", "去年比前年增长了多少".
ACTUAL = re.compile(
    r"实际|实实在在|最终|到底有没有|(?:有没有|是否(?:已经?)?)(?:实现|完成|达到|达成|做到)|"
    r"(?:实现|完成|达到|达成|做到)了(?:吗|没有|没)|比(?:去年|前年|上一?年)|(?:去年|前年)[^，,。？?]{0,15}(?:多少|几)|"
    r"(?:拿到|获得|取得|通过|获批|评上)[^，,。？?]{0,15}(?:了吗|了没有|了没|没有)|(?:得|获|拿)了?奖了?(?:吗|没有|没)|(?:评估|考核|验收)[^，,。？?]{0,6}(?:结论|结果)|"
    r"\bactually\b|\bin fact\b|"
    r"^(?!.*\b(?:aim|plan|target|goal|intend|expect|want))(?=.*\bdid\b.*\b(?:achieve|meet|reach|complete))",
    re.I,
)
# What a term stands for or which things it groups: "是指哪些", "什么意思", "包括哪些", "分别是什么" ("哪两家企业"
# asks for companies, not for what the quoted term before it holds).
MEMBERS_ASKED = re.compile(
    r"指(?:的)?(?:是)?(?:哪|什么|啥)|什么意思|啥意思|(?:包括|包含|涵盖)(?:了)?哪|分别(?:是|指|叫)(?:哪|什么|啥)|"
    r"\bwhat (?:do|does|did) .{2,40}? (?:stand for|mean|refer to)\b|"
    r"\bwhat (?:are|were) the (?:two|three|four|five|six|seven|eight|nine|ten)\b",
    re.I,
)
# "除了X，另外/其他/其余…是哪些": the rest of a group that has X in it.
REST_ASKED = re.compile(
    r"除了?([^，,。？?、]{2,20}?)(?:以外|之外|外)?[，,]?(?:另外|其他|其余|剩下|别的)[^？?]*?(?:哪|什么|啥)"
)


def members_asked(text: str, names: tuple[str, ...]) -> str:
    """The quoted term whose members or meaning the question asks, the one nearest before the asking words."""
    m = MEMBERS_ASKED.search(text)
    if not m or not names:
        return ""
    before = [n for n in names if 0 <= text.find(n) < m.start()]
    return max(before, key=text.rfind) if before else ""


# How to take part in something ("怎么申请入驻", "如何报名", "去哪儿办"): the sentence must say how or where.
APPLY_ASKED = re.compile(
    r"(?:怎么|怎样|如何|咋|去哪儿?|找谁|向谁|在哪儿?)(?:[\u4e00-\u9fff]{0,2})(?:申请|申报|报名|加入|入驻|办理|参加|报)"
)


# Whether one pays ("要不要交钱", "收费吗"): the fee must be there.
FEE_ASKED = re.compile(r"(?:交|花|付)(?:不(?:交|花|付))?钱|收不收费|收费吗|免费吗|要(?:不要)?付费")


UNTIL_ASKED = re.compile(
    r"(?:持续|延续|执行|有效期?|实施)到(?:哪|什么|啥)|到(?:哪一?年|什么时候|啥时候)(?:为止|结束|截止)|"
    r"哪一?年(?:结束|截止|到期)|什么时候(?:结束|截止|到期)|\buntil (?:when|which|what)\b|\bend(?:s)? in which\b",
    re.I,
)


BREAKDOWN_ASKED = re.compile(
    r"分别[^，,。？?]{0,8}?(?:多少|几)|各(?:自|个|项|类)?[^，,。？?]{0,6}?(?:多少|几)|每次[^，,。？?]{0,4}?多少"
)
SUPERLATIVE_ASKED = re.compile(
    r"(?:哪|什么|啥)[^，,。？?]{0,12}?(?:最多|最少|最高|最低|最大|最小|最早|最晚|最快|排第一|第一名)|\bwhich\b.{0,40}\bmost\b",
    re.I,
)


# A reason asked ("为什么定在…", "why"): a sentence that only states the measure does not give it.
REASON_ASKED = re.compile(r"为什么|为何|为啥|干嘛|什么原因|原因是|理由|\bwhy\b|\breason", re.I)
# What follows a breach ("会受到什么处罚", "要退回补助吗"): a sentence without a sanction does not say.
SANCTION_ASKED = re.compile(
    r"处罚|惩罚|罚款|罚多少|追责|问责|追究|退回|退还|收回|追回|取消资格|黑名单|\bpenalt|\bsanction|\bpunish|\brepay",
    re.I,
)
# A total asked ("一共有多少家", "总共", "总数"): a count of some of them ("当中包括七家") does not answer.
TOTAL_ASKED = re.compile(r"一共|总共|共有|总数|合计|总计|全部|\bin total\b|\baltogether\b", re.I)
# Money given to people or firms, asked for by the word a citizen uses ("有没有种植补贴", "能报销吗").
BENEFIT_ASKED = re.compile(
    # (a mechanism or system of rewards is a topic, not money asked for: "奖励机制支持哪三个“首”")
    r"(?:补贴|补助|津贴|资助|奖励|奖金|报销|减免|免税|退税|贴息|补偿|奖补)(?!机制|体系|制度)|"
    r"(?:给|发|补|拿|领)(?:我|俺|咱)?们?(?:一?点|些)?钱|"
    r"\b(?:rewards?|subsid(?:y|ies|ise|ize)|grants?|allowances?|bonus(?:es)?|rebates?|reimburse\w*)\b",
    re.I,
)
DAY = re.compile(r"几月|几号|几日|哪一?天|哪个月|日期|截止|\bdeadline\b|\bwhat date\b|\bwhich day\b|\bwhat day\b", re.I)
# A sum asked per recipient or as a cap ("每家最高给多少", "单个项目最多资助多少"): a budget total does not answer it.
PER_UNIT_ASKED = re.compile(r"最高|最多|上限|封顶|单个|单笔|单项|每(?:一)?(?:家|个|项|人|所|笔|位|名|间|支|宗|户)")
PERIOD = re.compile(r"每(?:一)?个?(年|月|季度|周|天|日)")


def counted_noun(text: str) -> str:
    """The head noun of what a count asks about: the last word of the phrase after "多少个/几家…"
    ("有多少个国家工程技术研究中心" -> 中心), or "" when the count has no noun after it ("达到多少件")."""
    import jieba.posseg as pseg

    m = MEASURE_ASKED.search(text)
    if not m:
        return ""
    phrase = re.split(r"[\s，,。？?！!；;：:、（）()“”「」]|呢|吗|啊|呀|了", text[m.end() :])[0]
    words = [(p.word, p.flag) for p in pseg.cut(phrase, HMM=False)]
    nouns = [w for w, flag in words if flag.startswith("n") and len(w) >= 2]
    if nouns and phrase.endswith(nouns[-1]):
        return nouns[-1]
    # "多少家企业入驻": the counted noun comes first and the verb of what they do follows it
    lead = list(itertools.takewhile(lambda wf: wf[1].startswith("n"), words))
    if lead and len(lead) < len(words) and words[len(lead)][1].startswith("v") and len(lead[-1][0]) >= 2:
        return lead[-1][0]
    return ""


HOW_MANY = re.compile(
    r"\bhow many ([a-z][a-z\- ]*?)\s+(?:does|do|did|are|is|have|has|had|will|would|were|was|can|could|in|of|at|"
    r"to|per|for|from|under|so|by|with|on)\b",
    re.I,
)


def english_counted_noun(text: str) -> str:
    """The head noun of what an English count asks about, singular ("how many IP service agencies have…" ->
    agency), or "" when there is none."""
    m = HOW_MANY.search(text)
    if not m:
        return ""
    head = m.group(1).split()[-1].lower()
    for plural, singular in (("ies", "y"), ("ches", "ch"), ("shes", "sh"), ("sses", "ss"), ("xes", "x"), ("s", "")):
        if head.endswith(plural) and len(head) > len(plural) + 2:
            return head[: -len(plural)] + singular
    return head
