"""Values of the asked kind: does a clause hold an amount, a count of the asked thing, a date, a place, a
body, a person or a name — one the question did not already give?

General Chinese patterns only: measure words, currency units, administrative suffixes, job titles, common
surnames; nothing here knows any document collection.
"""

from __future__ import annotations

import re

from index.textnorm import normalize_for_match
from qa.analyse import AskKind
from qa.asked import MEASURE_WORDS

_NUM = r"(?:\d[\d,.\s]*\d|\d)"
ZH = "零一二三四五六七八九十百千万亿两"
_FIT: dict[AskKind, re.Pattern[str]] = {
    AskKind.AMOUNT: re.compile(
        rf"(?:{_NUM}|[{ZH}]+)\s*(?:余|多)?\s*(?:万|亿|千|百万|十万)?\s*(?:元|港元|美元|港币|欧元|块钱)|[$＄]\s*\d|HK\$"
    ),
    AskKind.PERCENT: re.compile(rf"{_NUM}\s*[%％‰]|百分之|{_NUM}\s*倍|[{ZH}]成(?![为立果员功本])"),
    # "一批", "一个" are "a batch", "a": no count; "两个", "三十家" are.
    AskKind.COUNT: re.compile(
        rf"(?:{_NUM}|[{ZH}]{{2,4}}|[{ZH.replace('一', '')}])\s*(?:余|多)?\s*(?:万|亿|千)?\s*(?:{MEASURE_WORDS})"
    ),
    # (a year, month or day is a date, not the figure asked)
    AskKind.NUMBER: re.compile(rf"\d[\d,.]*(?![\d,.]*\s*[年月日])|[{ZH}]{{1,3}}(?:{MEASURE_WORDS}|元|%|倍)"),
    # (a day as month·day, "4·26"; a year in Chinese numerals, "二〇三五年")
    AskKind.DATE: re.compile(
        r"(?:19|20)\d{2}\s*年|\d{1,2}\s*月|年底|年内|年初|上半年|下半年|季度|第[一二三四]季|"
        r"(?<![\d.])\d{1,2}\s*[·・]\s*\d{1,2}(?![\d.])|[〇零一二][〇零一二三四五六七八九]{3}\s*年"
    ),
    AskKind.DURATION: re.compile(
        rf"{_NUM}\s*(?:个)?\s*(?:年|月|天|日|周|小时)|[{ZH}]+\s*(?:个)?(?:年|月|天)|最长|为期|期限|以内|之内|次年|翌年|隔年"
    ),
    AskKind.ORGANISATION: re.compile(
        r"[\u4e00-\u9fffA-Za-z]{1,20}?(?:局|委|办|部|厅|署|司|处|中心|公司|集团|法院|协会|学会|大学|学院|研究院|"
        r"研究所|银行|委员会|办公室|小组|政府|联盟|基金会|机构|单位|汉办)(?![\u4e00-\u9fff]{0,1}(?:建设|发展))"
    ),
    # Places by suffix; a bare 区 only through jieba's place tag (below), or 社区/园区/区块链 would count.
    AskKind.PLACE: re.compile(
        r"[\u4e00-\u9fff]{2,6}(?:省|市|县|镇|乡|村|街道|州|特别行政区|新区|开发区|高新区|经开区)|位于|坐落|设在|落户|"
        r"[\u4e00-\u9fff\d]{2,12}(?:号楼|大楼|大厦|广场|展馆|会展中心)|"
        r"[\u4e00-\u9fff]{2,6}(?:路|街|湾|岛|角)(?![\u4e00-\u9fff]{0,1}(?:径|线|色|度))"
    ),
}
# A name: something quoted, a Latin-letter name, or a named programme, body or place.
_NAMED = re.compile(
    r"[「《“\"『【][^」》”\"』】]{2,40}[」》”\"』】]|[A-Za-z][A-Za-z0-9@&\-.+]{2,}|"
    r"[\u4e00-\u9fff（）()]{2,20}(?:计划|项目|平台|工程|行动|基地|中心|网|系统|大会|会议|奖|赛|园|馆|室|站|库|联盟)|"
    # an official document's number: 国办发〔2020〕1号
    r"[\u4e00-\u9fff]{1,10}[〔\[［(（]\s*(?:19|20)\d{2}\s*[〕\]］)）]\s*\d+\s*号"
)
_FIT[AskKind.NAME] = re.compile(f"{_NAMED.pattern}|{_FIT[AskKind.ORGANISATION].pattern}")


# A kind of body whose names end in a word of its own: asked "哪家公司", a government office is no answer.
# (Not 企业: an enterprise is often named by its brand alone, "中国移动".)
_NAMED_KINDS = {
    "公司": "公司|集团|企业",
    "集团": "集团|公司",
    "银行": "银行",
    "医院": "医院",
    "大学": "大学|学院",
    "高校": "大学|学院",
    "学院": "学院|大学",
    "学校": "学校|学院|大学|中学|小学",
}
_KIND_ASKED = re.compile(rf"哪(?:一|几)?[家所间个]?[\u4e00-\u9fff]{{0,2}}?({'|'.join(_NAMED_KINDS)})")
# The same asked in English ("which bank"): the kind in the documents' words.
_KIND_ASKED_EN = re.compile(r"\bwhich (bank|hospital|university|school|company|college)\b", re.I)
_KIND_EN = {
    "bank": "银行",
    "hospital": "医院",
    "university": "大学",
    "school": "学校",
    "company": "公司",
    "college": "学院",
}


def body_kind_asked(question: str) -> str:
    """The kind of body asked for ("哪家银行", "which bank" -> 银行), or ""."""
    if m := _KIND_ASKED.search(question):
        return m.group(1)
    if m := _KIND_ASKED_EN.search(question):
        return _KIND_EN.get(m.group(1).lower(), "")
    return ""


def _a_proper_name(value: str, kind: str) -> bool:
    """The body is named, not only described: "中国民航大学" is a name, "国内外一流商学院" a kind of body
    (jieba tags a place, a person, an organisation or a foreign word in it, besides the kind word itself)."""
    import jieba.posseg as pseg

    kind_word = re.compile(rf"^[\u4e00-\u9fff]?(?:{_NAMED_KINDS[kind]})$")
    return any(
        f.startswith(("nr", "ns", "nt", "nz", "eng", "j")) and not kind_word.match(w)
        for w, f in pseg.cut(value, HMM=False)
    )


def _named_in(value: str, asked: str) -> bool:
    """The question already names this: the value, or its last four characters or more ("支持做大做强郑州数据
    交易中心" when the question says "郑州数据交易中心")."""
    v = normalize_for_match(value).strip('「」《》“”"『』【】')
    return (bool(v) and any(v[-k:] in asked for k in range(len(v), 3, -1))) or (0 < len(v) <= 3 and v in asked)


# "由谁出任", "哪位领导", "姓名": a person is asked, and only a person's name answers.
PERSON_ASKED = re.compile(
    r"谁(?:出任|担任|任|领导|带领|主持)|哪位|姓名|"
    r"(?:长|主任|书记|专员|负责人|主席|总监|会长)(?:具体|到底|究竟|现在|目前)?(?:是谁|由谁|叫什么)|"
    r"\bwho (?:is|will be|has been|was) (?:the |appointed|named)",
    re.I,
)
_NAME_ASKED = re.compile(r"名字|姓名|叫什么|\bname\b", re.I)
_POST = re.compile(
    r"[\u4e00-\u9fff]{2,12}?(?:局长|部长|厅长|市长|区长|县长|主任|书记|主席|司长|署长|校长|院长|行政长官|总监|秘书长)"
)
# Common Chinese surnames (general knowledge, not any document's): a person's name starts with one. jieba's
# person tag alone also fires on phrases such as 建立健全.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
    "范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)


def _has_person_name(text: str, asked: str = "") -> bool:
    import jieba.posseg as pseg

    return any(
        flag == "nr"
        and 2 <= len(word) <= 4
        and word[0] in _SURNAMES
        and not (asked and normalize_for_match(word) in asked)
        for word, flag in pseg.cut(text)
    )


def _has_place_name(text: str, asked: str = "") -> bool:
    import jieba.posseg as pseg

    return any(
        flag == "ns" and len(word) >= 2 and not (asked and normalize_for_match(word) in asked)
        for word, flag in pseg.cut(text)
    )


# Measure words that count the same kind of thing ("多少个" takes any count).
_SAME_MEASURE = {
    "名": "名|人|位|人次",
    "人": "名|人|位|人次",
    "位": "名|人|位",
    "人次": "人次|人|名",
    "家": "家|个|所|户",
    "所": "所|家|个",
    "项": "项|个|件",
    "件": "件|项|个",
    "次": "次|场|届|期",
    "场": "场|次",
}


def fits_measure(measure: str, text: str) -> bool:
    """A count in ``text`` is of the asked measure word (any, when none or 个 was asked)."""
    if not measure or measure == "个":
        return True
    units = _SAME_MEASURE.get(measure, measure)
    return bool(re.search(rf"(?:\d|[{ZH}])\s*(?:余|多)?\s*(?:万|亿|千)?\s*(?:{units})", text, re.I))


def named_value(kind: AskKind, text: str, question: str) -> str:
    """The body, place or name of the asked kind that ``text`` gives and the question does not ("中国民航大学"
    for "依托哪所大学…"), or ""."""
    pattern = _FIT.get(kind) if kind in (AskKind.PLACE, AskKind.ORGANISATION, AskKind.NAME) else None
    asked = normalize_for_match(question)
    for m in pattern.finditer(text) if pattern is not None else ():
        value = re.sub(r"[\s,]", "", m.group(0))
        if not _named_in(value, asked):
            # the words before the name that the question shares ("依托" of "依托中国民航大学") are not the name
            cut = next((k for k in range(len(value) - 2, 1, -1) if value[:k] in asked), 0)
            return value[cut:]
    return ""


# A place of a kind asked ("设在哪个园区", "建在哪个县区"): a place of that kind must be named.
_PLACE_KINDS = {
    "园区": "园区|园|科学城|基地|开发区|新区",
    "县区": "县|区",
    "县": "县",
    "区": "区",
    "城市": "市",
    "市": "市",
    "省": "省",
    "镇": "镇",
    "街道": "街道|街|镇",
    "场馆": "馆|会展中心|博览中心|展览中心|会议中心|广场|会场|体育场",
    "展馆": "馆|会展中心|博览中心|展览中心",
    "会场": "馆|会展中心|会议中心|会场|酒店",
}
_PLACE_KIND_ASKED = re.compile(
    rf"哪(?:一|几)?[个些座]?(?:展览|举办|展示)?({'|'.join(sorted(_PLACE_KINDS, key=len, reverse=True))})"
)
_NOT_A_PLACE_NAME = re.compile(r"^(?:全|本|各|该|此|其|城|县|地|社|园|景|片|小|新|老)")


_PLACE_KIND_EN = {"venue": "场馆", "city": "城市", "district": "区", "county": "县", "province": "省", "park": "园区"}
_PLACE_KIND_ASKED_EN = re.compile(rf"\b(?:which|what)\s+({'|'.join(_PLACE_KIND_EN)})\b", re.I)


def place_kind_asked(question: str) -> str:
    """The kind of place asked for ("哪个园区" -> 园区, "which venue" -> 场馆), or ""."""
    if m := _PLACE_KIND_ASKED.search(question):
        return m.group(1)
    if m := _PLACE_KIND_ASKED_EN.search(question):
        return _PLACE_KIND_EN[m.group(1).lower()]
    return ""


def _names_place_of_kind(text: str, kind: str, asked: str) -> bool:
    """``text`` names a place ending in the asked kind ("罗山县", "元朗创新园"), not one the question names
    and not a generic one ("全市", "城区")."""
    for m in re.finditer(rf"([\u4e00-\u9fffA-Za-z]{{1,8}}?)(?:{_PLACE_KINDS[kind]})", text):
        stem = m.group(1)
        value = m.group(0)
        if len(stem) < 2 and _NOT_A_PLACE_NAME.match(stem):
            continue
        if _NOT_A_PLACE_NAME.match(value) and len(stem) < 2:
            continue
        if asked and normalize_for_match(value) in asked:
            continue
        return True
    return False


def fits(kind: AskKind, text: str, stated: frozenset[str], question: str = "") -> bool:
    """Does the text hold a value of the asked kind that the question did not already state? A place, body
    or name the question itself names is not an answer to it ("香港国际创科展在哪个场馆" is not answered by
    "在香港举办")."""
    asked = normalize_for_match(question)
    if kind is AskKind.PLACE and (place_kind := place_kind_asked(question)):
        return _names_place_of_kind(text, place_kind, asked)
    if kind is AskKind.PLACE and _has_place_name(text, asked):
        return True
    if kind in (AskKind.ORGANISATION, AskKind.NAME) and PERSON_ASKED.search(question):
        # A person: a name, or a post held by whoever holds it ("由创新科技及工业局局长担任") unless the name
        # itself is asked ("组长叫什么名字").
        if _NAME_ASKED.search(question):
            return _has_person_name(text, asked)
        posts = (m.group(0) for m in _POST.finditer(text))
        return _has_person_name(text, asked) or any(not _named_in(p, asked) for p in posts)
    pattern = _FIT.get(kind)
    if pattern is None:
        return True
    asked_kind = (body_kind_asked(asked) or body_kind_asked(question)) if kind is AskKind.ORGANISATION else ""
    for m in pattern.finditer(text):
        value = re.sub(r"[\s,]", "", m.group(0))
        if asked_kind and not (
            re.search(rf"(?:{_NAMED_KINDS[asked_kind]})$", value) and _a_proper_name(value, asked_kind)
        ):
            continue
        if kind in (AskKind.PLACE, AskKind.ORGANISATION, AskKind.NAME) and asked and _named_in(value, asked):
            continue
        if kind in (AskKind.AMOUNT, AskKind.COUNT, AskKind.NUMBER, AskKind.PERCENT) and value in stated:
            continue
        if kind in (AskKind.AMOUNT, AskKind.COUNT, AskKind.NUMBER) and any(value in s for s in stated):
            continue
        return True
    return False
