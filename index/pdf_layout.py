"""What a PDF's text layer says about each extracted line beyond its characters: which characters are set in a
bold face, how large the glyphs are, which font family they use and where the line sits on the page.

pypdf's text extraction reports every run it emits to a visitor together with the font dictionary, the text and
transformation matrices and the font size; the runs concatenate to the extracted text, so each character of the
text gets the attributes of its run. Bold comes from the font's descriptor (/FontWeight, the ForceBold flag, or a
weight in the font's name): Chromium and other HTML printers write CJK text as Type3 fonts whose /BaseFont is
empty, but they still give each one a descriptor with the weight and the real face name.

Written here because neither pypdf nor any maintained non-AGPL library returns lines with these attributes.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

_WEIGHT_IN_NAME = re.compile(r"bold|black|heavy|semibold|demibold|extrabold|ultrabold|w[7-9]\b", re.IGNORECASE)
_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
_STYLE_SUFFIX = re.compile(
    r"[-,]?(bold|black|heavy|regular|medium|light|italic|oblique|demi\w*|semi\w*|w\d)+$", re.IGNORECASE
)
BOLD_WEIGHT = 600  # /FontWeight at or above this is a bold face (CSS and the PDF spec: 600 = semibold)
FORCE_BOLD_FLAG = 1 << 18  # PDF font descriptor /Flags bit 19


@dataclass(frozen=True)
class PdfLine:
    """One extracted line, stripped, with what the layout says about it (empty/zero when unknown)."""

    text: str
    bold: tuple[bool, ...] = ()  # per character of ``text``
    size: float = 0.0  # the largest glyph size on the line, in points
    family: str = ""  # the font family most of the line's CJK characters are set in
    baseline: float | None = None  # y of the line's baseline in page space (grows upwards)

    @property
    def all_bold(self) -> bool:
        return bool(self.bold) and all(b for ch, b in zip(self.text, self.bold, strict=True) if not ch.isspace())


@dataclass(frozen=True)
class _Face:
    bold: bool
    family: str


def _descriptor(font) -> dict:
    """The font's descriptor (a Type0 font keeps it in its descendant font)."""
    try:
        if font.get("/Subtype") == "/Type0":
            font = font["/DescendantFonts"][0].get_object()
        found = font.get("/FontDescriptor")
        return found.get_object() if found is not None else {}
    except (KeyError, IndexError, AttributeError, TypeError):
        return {}


def _face(font, cache: dict[int, tuple[object, _Face]]) -> _Face:
    """The font's weight and family, worked out once per font dictionary of a page (the cache holds the
    dictionary too, so that its id cannot be reused by another object meanwhile)."""
    key = id(font)
    if key not in cache:
        if not font:
            cache[key] = (font, _Face(False, ""))
        else:
            desc = _descriptor(font)
            name = _SUBSET_PREFIX.sub("", str(font.get("/BaseFont") or desc.get("/FontName") or "").lstrip("/"))
            weight = desc.get("/FontWeight")
            flags = desc.get("/Flags")
            bold = (
                (isinstance(weight, (int, float)) and weight >= BOLD_WEIGHT)
                or (isinstance(flags, int) and bool(flags & FORCE_BOLD_FLAG))
                or bool(_WEIGHT_IN_NAME.search(name))
            )
            family = str(desc.get("/FontFamily") or "") or _STYLE_SUFFIX.sub("", name)
            cache[key] = (font, _Face(bold, family))
    return cache[key][1]


def _times(a: list[float], b: list[float]) -> list[float]:
    """The product of two PDF matrices [a b c d e f]."""
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def page_lines(page, fix: dict[int, str]) -> list[PdfLine]:
    """The page's non-empty lines with their layout attributes; ``fix`` is a str.translate table applied to the
    text (one character to one character, so attributes stay aligned). Plain lines if the runs do not line up."""
    runs: list[str] = []
    attrs: list[tuple[_Face, float, float]] = []
    faces: dict[int, tuple[object, _Face]] = {}

    def visit(text: str, cm: list[float], tm: list[float], font, size: float) -> None:
        if not text:
            return
        m = _times(list(tm), list(cm))
        runs.append(text)
        attrs.extend([(_face(font, faces), abs(size) * math.hypot(m[2], m[3]), m[5])] * len(text))

    text = page.extract_text(visitor_text=visit) or ""
    aligned = "".join(runs) == text
    fixed = text.translate(fix)
    aligned = aligned and len(fixed) == len(text)
    text = fixed
    lines: list[PdfLine] = []
    pos = 0
    for raw in text.split("\n"):
        start, pos = pos, pos + len(raw) + 1
        line = raw.strip()
        if not line:
            continue
        if not aligned:
            lines.append(PdfLine(line))
            continue
        first = start + len(raw) - len(raw.lstrip())
        own = attrs[first : first + len(line)]
        inked = [a for ch, a in zip(line, own, strict=True) if not ch.isspace()]
        # The family of the CJK characters only: a viewer sets Latin letters and digits in another font anyway.
        wide = [a[0].family for ch, a in zip(line, own, strict=True) if unicodedata.east_asian_width(ch) in "WF"]
        family = Counter(wide).most_common(1)[0][0] if wide else ""
        lines.append(
            PdfLine(
                text=line,
                bold=tuple(a[0].bold for a in own),
                size=max((a[1] for a in inked), default=0.0),
                family=family,
                baseline=inked[0][2] if inked else None,
            )
        )
    return lines


def body_size_and_family(pages: list[list[PdfLine]]) -> tuple[float, str]:
    """The glyph size and font family most characters of the document are set in."""
    sizes: Counter[float] = Counter()
    families: Counter[str] = Counter()
    for lines in pages:
        for line in lines:
            n = len(line.text)
            sizes[round(line.size * 2) / 2] += n
            if line.family:
                families[line.family] += n
    return (sizes.most_common(1)[0][0] if sizes else 0.0), (families.most_common(1)[0][0] if families else "")
