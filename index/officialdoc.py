"""Metadata read from the document itself, by the layout rules of Chinese official documents (GB/T 9704):
the issuing body (发文机关标志 "XX文件", or the body before 关于 in the title), the document number
(发文字号 "X〔YYYY〕N号"), the title (the lines after the number, up to the addressee or the body), the date
(成文日期 at the end, or the printed 印发 date), and whether it is a draft (征求意见稿).

Only layout and general patterns are used (numbering, date formats, the document types of the 党政机关公文处理
工作条例); no names of particular documents or bodies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEAD_LINES = 20  # the header (版头) and title sit in the first lines
TAIL_LINES = 15  # the signature, the date and the printing note (版记) sit in the last lines
MAX_TITLE_LINE = 60
MAX_TITLE = 100

_OPEN, _CLOSE = "〔［\\[（(【", "〕］\\]）)】"
_NUMBER = re.compile(
    rf"^(?P<num>[\u4e00-\u9fff]{{1,15}}\s*[{_OPEN}]\s*(?:19|20)\d{{2}}\s*[{_CLOSE}]\s*第?\s*\d{{1,5}}\s*号)"
)
_NUMBER_PARTS = re.compile(rf"^(.*?)\s*[{_OPEN}]\s*((?:19|20)\d{{2}})\s*[{_CLOSE}]\s*第?\s*(\d+)\s*号")
_LETTERHEAD = re.compile(r"^(?P<body>[\u4e00-\u9fff\s（）()]{2,60}?)\s*文\s*件$")
_SIGNER = re.compile(r"签\s*发\s*人")
_ATTACHMENT = re.compile(r"^附\s*件\s*\d*\s*[：:]?$")
# Document types of official documents (党政机关公文处理工作条例) and of policy texts: a title ends with one.
_DOC_TYPE = re.compile(
    r"(?:通知|通告|公告|公报|意见|办法|规定|方案|要点|规划|纲要|计划|决定|决议|批复|函|报告|请示|通报|纪要|命令|令|"
    r"议案|条例|细则|规则|措施|指南|指引|标准|章程|便览|白皮书)$"
)
_DRAFT = re.compile(r"征求意见稿|送审稿|讨论稿|草\s*案")
_BODY_END = tuple("。；;：:！？!?")
_ORG_END = re.compile(r"(?:政府|办公厅|办公室|委员会|局|部|厅|委|院|署|会|中心|处|所|办|府|公司|协会|学会|联合会)$")
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"[0-9０-９]{1,4}|[〇○零一二三四五六七八九十]{1,4}"
_DATE = re.compile(
    rf"^[（(]?\s*(?P<y>{_NUM})\s*年\s*(?P<m>{_NUM})\s*月\s*(?P<d>{_NUM})\s*日\s*(?P<printed>印\s*发)?\s*[）)]?$"
)
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff《》“”（）])\s+(?=[\u4e00-\u9fff《》“”（）])")


@dataclass(frozen=True)
class OfficialHeader:
    title: str = ""
    issuer: str = ""
    number: str = ""
    date: str = ""  # ISO yyyy-mm-dd
    year: int | None = None
    draft: bool = False


def _cn_number(text: str) -> int | None:
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    if all(ch in _CN_DIGITS for ch in text):  # 二〇二〇: digit by digit
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    if "十" in text:  # 二十八, 十二, 十
        tens, _, ones = text.partition("十")
        t = _CN_DIGITS.get(tens, 0) if tens else 1
        o = _CN_DIGITS.get(ones, 0) if ones else 0
        if (tens and tens not in _CN_DIGITS) or (ones and ones not in _CN_DIGITS):
            return None
        return t * 10 + o
    return None


def parse_date(line: str) -> tuple[str, bool] | None:
    """(ISO date, printed) for a line that is only a date ("2020年2月28日", "二〇二〇年二月二十八日印发")."""
    m = _DATE.match(re.sub(r"\s+", "", line))
    if not m:
        return None
    y, mo, d = (_cn_number(m.group(k)) for k in ("y", "m", "d"))
    if y is None or mo is None or d is None or not (1900 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}", bool(m.group("printed"))


def normalise_number(number: str) -> str:
    """发文字号 with the standard hexagonal brackets: 教科技厅[2020]1号 -> 教科技厅〔2020〕1号."""
    m = _NUMBER_PARTS.match(re.sub(r"\s+", "", number))
    return f"{m.group(1)}〔{m.group(2)}〕{int(m.group(3))}号" if m else number


def _is_title_line(line: str) -> bool:
    letters = sum(ch.isalpha() for ch in line)
    return letters >= 4 and len(line) <= MAX_TITLE_LINE and not line.endswith(_BODY_END)


def _title(lines: list[str]) -> tuple[str, int]:
    """The title read from ``lines`` (the header's lines after the number), and how many lines it took."""
    from index.headings import numbered_level

    for i, line in enumerate(lines):
        if _ATTACHMENT.match(line) or _SIGNER.search(line):
            continue
        if not _is_title_line(line) or numbered_level(line) is not None:
            return "", 0  # the body (or the first heading) comes first: the text carries no title
        parts = [line]
        for nxt in lines[i + 1 :]:
            parenthesised = bool(re.fullmatch(r"[（(][^（）()]{1,30}[）)]", nxt))
            joined = "".join(parts)
            if len(joined) + len(nxt) > MAX_TITLE or numbered_level(nxt) is not None:
                break
            if not parenthesised and not _is_title_line(nxt):
                break
            if parenthesised or not _DOC_TYPE.search(_bare(joined)):
                long_body = _DOC_TYPE.search(_bare(nxt)) is None and len(nxt) > 30
                if not parenthesised and (parse_date(nxt) or long_body):
                    break
                parts.append(nxt)
                continue
            break
        return _CJK_GAP.sub("", "".join(parts)), i + len(parts)
    return "", 0


def _bare(title: str) -> str:
    """The title without trailing parenthesised notes ("（2015-2020年）（征求意见稿）")."""
    return re.sub(r"(?:[（(][^（）()]*[）)])+$", "", title)


def read_header(text: str) -> OfficialHeader:
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    head = lines[:HEAD_LINES]
    issuer = number = ""
    start = 0
    for i, line in enumerate(head[:8]):
        flat = re.sub(r"\s+", "", line)
        if m := _LETTERHEAD.match(flat):
            issuer = issuer or m.group("body")
            start = i + 1
        elif m := _NUMBER.match(flat):
            number = normalise_number(m.group("num"))
            start = i + 1
    title, used = _title(head[start:])
    if not issuer and title and (m := re.match(r"^(.{2,30}?)关于", title)) and _ORG_END.search(m.group(1)):
        issuer = m.group(1)
    date, printed_date = "", ""
    for line in lines[-TAIL_LINES:][::-1]:
        parsed = parse_date(line)
        if parsed:
            if parsed[1]:
                printed_date = printed_date or parsed[0]
            elif not date:
                date = parsed[0]
    if not date:  # a date in parentheses under the title
        for line in head[start + used : start + used + 2]:
            if (parsed := parse_date(line)) and not parsed[1]:
                date = parsed[0]
    date = date or printed_date
    year = int(date[:4]) if date else None
    if year is None and number:
        year = int(re.search(r"(?:19|20)\d{2}", number).group(0))
    draft = bool(_DRAFT.search(title)) or any(_DRAFT.search(line) for line in head[start : start + used + 2])
    return OfficialHeader(title=title, issuer=issuer, number=number, date=date, year=year, draft=draft)
