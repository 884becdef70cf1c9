"""Clean converted PDF/Word text by deletion only, keeping a map back to the raw file.

Every step removes characters and never rewrites them, so each cleaned character is a raw character and
``raw_offsets[i]`` says where. That lets a citation point at the exact bytes of the original file. These
rules are specific to how these documents were converted, so they are written here rather than taken
from a library.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from index.headings import is_heading_line

_BOOKMARK = re.compile(r"\[bookmark:[^\]\n]*\]")
_SUP = re.compile(r"<sup>[^<\n]*</sup>|</?sup>")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_STRAY_BOLD = re.compile(r"\*\*")
_LEAD_WS = re.compile(r"(?m)^[ \t\u3000\u00a0]+|[ \t\u3000\u00a0]+$")
_CR = re.compile(r"\r")
_EXTRA_BLANKS = re.compile(r"(?<=\n\n)\n+")  # keep at most one blank line
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")
# A line that ends with one of these closes its paragraph; anything else (a CJK character, a digit,
# a comma) at the end of a long line followed by a blank means the page broke mid-sentence.
_CLOSERS = set('。！？!?；;：:…)）」』”’"》')
_MIN_BROKEN_LINE = 25  # headings and short labels are never joined to what follows
# A document's title line ("……的通知") ends without punctuation too, but is its own paragraph.
_TITLE_LINE = re.compile(r"(通知|意见|办法|规定|方案|要点|规划|决定|批复|函|公告)$")


@dataclass(frozen=True)
class CleanText:
    text: str
    raw_offsets: list[int]  # raw index of each cleaned character, plus a final sentinel = len(raw)
    bold_spans: list[tuple[int, int]]  # [start, end) in cleaned coordinates

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw [start, end) that the cleaned [start, end) came from."""
        if end <= start:
            pos = self.raw_offsets[start]
            return pos, pos
        return self.raw_offsets[start], self.raw_offsets[end - 1] + 1


class _Text:
    """Text plus, for each character, its index in the raw file."""

    def __init__(self, raw: str) -> None:
        self.text = raw
        self.where = list(range(len(raw)))

    def delete(self, spans: list[tuple[int, int]]) -> None:
        if not spans:
            return
        keep_text: list[str] = []
        keep_where: list[int] = []
        pos = 0
        for start, end in sorted(spans):
            if start < pos:
                start = pos
            keep_text.append(self.text[pos:start])
            keep_where.extend(self.where[pos:start])
            pos = max(pos, end)
        keep_text.append(self.text[pos:])
        keep_where.extend(self.where[pos:])
        self.text = "".join(keep_text)
        self.where = keep_where

    def delete_regex(self, pattern: re.Pattern[str]) -> None:
        self.delete([m.span() for m in pattern.finditer(self.text)])


def _page_break_gaps(text: str) -> list[tuple[int, int]]:
    """Spans of newlines (and blank lines) that a page break put inside a sentence."""
    gaps = []
    for m in re.finditer(r"\n(?:[ \t\u3000]*\n)+", text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        before = text[line_start : m.start()].rstrip().rstrip("*").rstrip()
        after_end = text.find("\n", m.end())
        after = text[m.end() : after_end if after_end >= 0 else len(text)].strip()
        if not before or not after or len(before) < _MIN_BROKEN_LINE:
            continue
        last = before[-1]
        unclosed = before.count("(") + before.count("（") > before.count(")") + before.count("）")
        if last in _CLOSERS and not unclosed:
            continue
        if (
            _TITLE_LINE.search(before)
            or is_heading_line(before)
            or is_heading_line(after)
            or after.startswith(("**", "- ", "专栏"))
        ):
            continue
        gaps.append(m.span())
    return gaps


def clean(raw: str) -> CleanText:
    t = _Text(raw)
    t.delete_regex(_CR)
    t.delete_regex(_CONTROL)
    t.delete_regex(_BOOKMARK)
    t.delete_regex(_SUP)
    t.delete_regex(_LEAD_WS)
    t.delete(_page_break_gaps(t.text))
    # Bold marks: remember what was bold (lead-in headings) in raw coordinates, then drop the marks.
    bold_raw: list[tuple[int, int]] = []
    marks: list[tuple[int, int]] = []
    for m in _BOLD.finditer(t.text):
        bold_raw.append((t.where[m.start(1)], t.where[m.end(1) - 1] + 1))
        marks += [(m.start(), m.start() + 2), (m.end() - 2, m.end())]
    t.delete(marks)
    t.delete_regex(_STRAY_BOLD)
    t.delete_regex(_EXTRA_BLANKS)
    # Leading and trailing blank lines of the whole document.
    lead = len(t.text) - len(t.text.lstrip("\n"))
    trail = len(t.text) - len(t.text.rstrip("\n"))
    t.delete([(0, lead), (len(t.text) - trail, len(t.text))])

    where = t.where
    bold = []
    for rs, re_ in bold_raw:
        s = bisect.bisect_left(where, rs)
        e = bisect.bisect_left(where, re_)
        if e > s:
            bold.append((s, e))
    return CleanText(text=t.text, raw_offsets=[*where, len(raw)], bold_spans=bold)
