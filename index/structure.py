"""Give every paragraph of a cleaned document its section path, from the heading numbering and lead-ins."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from index.cleaning import CleanText
from index.headings import BULLET_LEAD_IN_LEVEL, LEAD_IN_LEVEL, heading_title, lead_in_title, numbered_level

_MAX_LEAD_IN = 40


@dataclass(frozen=True)
class Paragraph:
    start: int  # cleaned-text offsets of the line, newline excluded
    end: int
    section: tuple[str, ...]  # heading titles from the top level down, including this line's own heading
    is_heading: bool  # the line is only a title, with no body text


def _lead_in(clean: CleanText, start: int, end: int) -> str | None:
    """A bold span at the very start of the line (after an optional "- " bullet) names a topic."""
    line = clean.text[start:end]
    offset = 2 if line.startswith("- ") else 0
    for b_start, b_end in clean.bold_spans:
        if b_start == start + offset and b_end <= end and b_end - b_start <= _MAX_LEAD_IN:
            return lead_in_title(clean.text[b_start:b_end])
        if b_start > start + offset:
            break
    return None


def parse_structure(clean: CleanText, styled: Mapping[int, int] | None = None) -> list[Paragraph]:
    """Paragraphs with section paths. ``styled`` maps a line's start to the heading level its format gave it
    (Word's Heading styles); other headings are found by their numbering and bold lead-ins."""
    styled = styled or {}
    paragraphs: list[Paragraph] = []
    stack: list[tuple[int, str]] = []
    pos = 0
    text = clean.text
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            continue
        level = numbered_level(line)
        title: str | None = None
        is_heading = False
        if start in styled:
            level, title, is_heading = styled[start], heading_title(line), True
        elif level is not None:
            title = heading_title(line)
            is_heading = re.sub(r"\s+", "", line).rstrip("。：:") == title.rstrip("…")
        else:
            title = _lead_in(clean, start, end)
            if title is not None:
                level = BULLET_LEAD_IN_LEVEL if line.startswith("- ") else LEAD_IN_LEVEL
        if level is not None and title:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title))
        paragraphs.append(Paragraph(start, end, tuple(t for _, t in stack), is_heading))
    return paragraphs
