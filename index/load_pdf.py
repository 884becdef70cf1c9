"""PDF with a text layer, read with pypdf (BSD): page by page, with the lines the layout broke joined again and
the running headers, footers and page numbers dropped. Scanned (image-only), encrypted and damaged PDFs are
refused with their reason.

Structure comes from the layout (index/pdf_layout.py gives each line its bold characters, glyph size, font family
and baseline): a bold run that opens a paragraph is marked **…** as the Word and web-page loaders mark it, so it
becomes a lead-in heading the way a .txt file's bold does; a paragraph that is one short line without closing
punctuation is a heading when the layout sets it apart (bold, larger type, another font family or a clearly wider
gap above). Where paragraphs are spaced further apart than lines, the gap also decides whether a full line goes on.

The line joining and header detection are written here because pypdf gives lines, not paragraphs, and no
maintained non-AGPL library rebuilds paragraphs of Chinese text.
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from io import BytesIO

from index.headings import LEAD_IN_LEVEL, numbered_level
from index.loaders import LoadedText, Unreadable
from index.pdf_layout import PdfLine, body_size_and_family, page_lines

log = logging.getLogger("policyqa.index")

# Fonts map some ideographs and the radicals of the same shape to one glyph, and a PDF's ToUnicode table then
# gives the radical (⻓ for 长, ⽂ for 文). Kangxi radicals (U+2F00–U+2FD5) have NFKC mappings; the CJK radicals
# supplement mostly has none, so its equivalents are listed here: pairs (radical, ideograph) taken from the glyphs
# Noto Sans CJK shares between them (they match Unicode's EquivalentUnifiedIdeograph data).
_SUPPLEMENT_PAIRS = (
    "⺂乛⺃乚⺅亻⺉刂⺋㔾⺎兀⺏尣⺐尢⺒巳⺓幺⺔彑⺕彐⺖忄⺘扌⺙攵⺛旡⺞歺⺠民⺡氵⺣灬⺤爫⺦丬⺨犭⺫罒⺭礻⺯糹⺰纟"
    "⺱罓⺲罒⺳㓁⺹耂⺺肀⺾艹⺿艹⻂衤⻃覀⻄西⻅见⻆角⻈讠⻉贝⻋车⻌辶⻍辶⻎辶⻐钅⻑長⻒镸⻓长⻔门⻖阝⻘青⻙韦"
    "⻚页⻛风⻜飞⻝食⻟飠⻠饣⻢马⻣骨⻤鬼⻥鱼⻦鸟⻧卤⻨麦⻩黄⻪黾⻫斉⻬齐⻭歯⻮齿⻯竜⻰龙⻱龜⻲亀"
)
GLYPH_FIXES = {ord(_SUPPLEMENT_PAIRS[i]): _SUPPLEMENT_PAIRS[i + 1] for i in range(0, len(_SUPPLEMENT_PAIRS), 2)}
GLYPH_FIXES.update({cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)})
# The same glyph sharing turns the dash of Chinese text (——, U+2014) into the horizontal bar (U+2015).
GLYPH_FIXES[0x2015] = "\u2014"

_PAGE_NUMBER = re.compile(
    r"^[-—–_·\s]*(?:第\s*)?[0-9０-９]{1,4}\s*(?:页)?(?:\s*[/／]\s*[0-9]{1,4})?[-—–_·\s]*$"
    r"|^(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$",
    re.IGNORECASE,
)
_CLOSERS = tuple("。！？!?；;：:")
_PAUSES = tuple("，,、")  # a line ending in a comma continues a sentence: never a heading
_BULLETS = ("- ", "• ", "· ", "● ", "▪ ")
EDGE_LINES = 2  # lines at the top and the bottom of a page where running headers and footers sit
MIN_TEXT_PER_PAGE = 10  # fewer extracted characters per page on average: no text layer
WRAP_SHARE = 0.85  # a line at least this share of the usual full line width was wrapped by the layout
# Headings told by layout alone (see _HeadingEvidence): at most this long, in glyphs at least this much larger than
# the body's, or after a gap at least this much larger than paragraphs' usual one (measured on enough paragraphs).
HEADING_MAX_CHARS = 40
HEADING_SIZE_RATIO = 1.15
HEADING_GAP_RATIO = 1.4
MIN_GAP_SAMPLES = 5
# Paragraphs count as set apart when their usual gap is this much more than the lines' pitch inside one; then a
# line at most this much more than the pitch below a full line ending in 。 continues that paragraph.
PARAGRAPH_GAP_RATIO = 1.08
SAME_PARAGRAPH_SLACK = 1.03


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _running_keys(pages: list[list[PdfLine]]) -> set[str]:
    """Lines (digits blurred) at the edge of at least half the pages: running headers and footers."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        edges = {_key(line.text) for line in lines[:EDGE_LINES] + lines[-EDGE_LINES:]}
        counts.update(edges)
    return {k for k, n in counts.items() if k and n >= max(2, len(pages) / 2)}


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def _drop_running(pages: list[list[PdfLine]]) -> list[list[PdfLine]]:
    running = _running_keys(pages)
    out = []
    for lines in pages:
        kept = list(lines)
        dropped: set[str] = set()
        # The bottom first: a running header that repeats the title is printed on the first page too, and there
        # the title line itself (at the top) must stay. Each running line is dropped once per page.
        for top in (False, True):
            edge = range(min(EDGE_LINES, len(kept))) if top else range(max(0, len(kept) - EDGE_LINES), len(kept))
            drop = set()
            for i in edge:
                key = _key(kept[i].text)
                if _PAGE_NUMBER.match(kept[i].text) or (key in running and key not in dropped):
                    drop.add(i)
                    dropped.add(key)
            kept = [line for i, line in enumerate(kept) if i not in drop]
        out.append(kept)
    return out


@dataclass
class _Paragraph:
    """Lines the layout wrapped, joined again; ``gap`` is the baseline distance from the line above on the same
    page (None at a page's top or when the PDF gave no positions)."""

    page: int
    gap: float | None
    lines: list[PdfLine] = field(default_factory=list)
    text: str = ""
    bold: list[bool] = field(default_factory=list)
    page_starts: list[tuple[int, int]] = field(default_factory=list)  # (page, offset in text) of each line

    def add(self, line: PdfLine, sep: str, page: int) -> None:
        self.page_starts.append((page, len(self.text)))
        self.text += sep + line.text
        self.bold += [False] * len(sep) + list(line.bold or (False,) * len(line.text))
        self.lines.append(line)


def _full_width(pages: list[list[PdfLine]]) -> int:
    widths = sorted(_width(line.text) for lines in pages for line in lines)
    return widths[int(len(widths) * 0.9)] if widths else 0


def _gap(above: PdfLine | None, line: PdfLine) -> float | None:
    """How far below the line above this one sits; None if unknown or not below it (a new column, a header
    written after the body)."""
    if above is None or above.baseline is None or line.baseline is None or above.baseline <= line.baseline:
        return None
    return above.baseline - line.baseline


def _line_pitch(pages: list[list[PdfLine]], full: int) -> float | None:
    """The distance between the lines of one paragraph, if paragraphs are set visibly further apart than that
    (then a full line that ends in 。 followed at this distance goes on; otherwise nothing tells, and it ends)."""
    inside: list[float] = []
    between: list[float] = []
    for lines in pages:
        for above, line in itertools.pairwise(lines):
            gap = _gap(above, line)
            if gap is None:
                continue
            if _width(above.text) >= WRAP_SHARE * full and not above.text.endswith(_CLOSERS):
                inside.append(gap)  # certainly wrapped
            elif _width(above.text) < WRAP_SHARE * full:
                between.append(gap)  # certainly a new paragraph
    if len(inside) < MIN_GAP_SAMPLES or len(between) < MIN_GAP_SAMPLES:
        return None
    pitch = sorted(inside)[len(inside) // 2]
    return pitch if sorted(between)[len(between) // 2] >= PARAGRAPH_GAP_RATIO * pitch else None


def _set_apart(a: PdfLine, b: PdfLine) -> bool:
    """The two lines are typeset differently (a bold or larger heading above its text)."""
    sizes = sorted((a.size, b.size))
    return (
        a.all_bold != b.all_bold
        or (sizes[0] > 0 and sizes[1] >= HEADING_SIZE_RATIO * sizes[0])
        or (bool(a.family and b.family) and a.family != b.family)
    )


def _goes_on(previous: PdfLine, line: PdfLine, gap: float | None, full: int, pitch: float | None) -> bool:
    """``line`` continues the paragraph of the line before it.

    Without a measured line pitch: the line before reached the column's edge without closing punctuation. Where
    paragraphs are spaced further apart than lines, the gap decides: a full line ending in 。 may go on, and so
    may a short unclosed one the layout broke early (before a long URL or word), unless it is typeset apart (a
    heading with no space below it); a closed short line never does.
    """
    if numbered_level(line.text) is not None:
        return False
    at_edge = _width(previous.text) >= WRAP_SHARE * full
    closed = previous.text.endswith(_CLOSERS)
    if pitch is None or gap is None:
        return at_edge and not closed
    return gap <= SAME_PARAGRAPH_SLACK * pitch and (at_edge or (not closed and not _set_apart(previous, line)))


def _paragraphs(pages: list[list[PdfLine]]) -> list[_Paragraph]:
    """The pages' lines as paragraphs: a line the layout wrapped is joined to the next."""
    full = _full_width(pages)
    pitch = _line_pitch(pages, full)
    paragraphs: list[_Paragraph] = []
    previous: PdfLine | None = None
    for number, lines in enumerate(pages):
        above: PdfLine | None = None  # the line above on this page
        for line in lines:
            gap = _gap(above, line)
            if previous is not None and _goes_on(previous, line, gap, full, pitch):
                sep = ""
                if previous.text[-1:].isascii() and line.text[:1].isascii() and previous.text[-1:].isalnum():
                    sep = " "  # a wrapped English word boundary
                paragraphs[-1].add(line, sep, number)
                previous = above = line
                continue
            paragraphs.append(_Paragraph(number, gap))
            paragraphs[-1].add(line, "", number)
            previous = above = line
    return paragraphs


def _lead_in(paragraph: _Paragraph) -> tuple[int, int] | None:
    """Where a bold run that opens the paragraph (after a "- " bullet, if any) and is followed by regular text
    starts and ends."""
    text = paragraph.text
    start = 2 if text.startswith(_BULLETS) else 0
    end = start
    while end < len(text) and (paragraph.bold[end] or text[end].isspace()):
        end += 1
    end = start + len(text[start:end].rstrip())
    if end > start and paragraph.bold[start] and text[end:].strip():
        return start, end
    return None


class _HeadingEvidence:
    """Whether a paragraph that is one short line without closing punctuation is a heading, by layout: set in a
    bold face, in larger glyphs or another font family than the body, or after a clearly larger gap than
    paragraphs usually leave. The last line of a wrapped paragraph never gets here: it was joined to the line
    before (which reached the column's edge without closing punctuation)."""

    def __init__(self, paragraphs: list[_Paragraph], pages: list[list[PdfLine]]) -> None:
        self.size, self.family = body_size_and_family(pages)
        self.full = _full_width(pages)
        gaps = sorted(p.gap for p in paragraphs if p.gap)
        self.usual_gap = gaps[len(gaps) // 2] if len(gaps) >= MIN_GAP_SAMPLES else None

    def is_heading(self, paragraph: _Paragraph, is_last: bool) -> bool:
        text = paragraph.text
        if (
            is_last
            or len(paragraph.lines) != 1
            or len(text) > HEADING_MAX_CHARS
            or _width(text) >= WRAP_SHARE * self.full
            or text.endswith(_CLOSERS + _PAUSES)
            or numbered_level(text) is not None  # numbered headings are found by the numbering, as in .txt
            or _PAGE_NUMBER.match(text)
        ):
            return False
        line = paragraph.lines[0]
        return (
            line.all_bold
            or (self.size > 0 and line.size >= HEADING_SIZE_RATIO * self.size)
            or bool(line.family and self.family and line.family != self.family)
            or bool(self.usual_gap and paragraph.gap and paragraph.gap >= HEADING_GAP_RATIO * self.usual_gap)
        )


def _joined(pages: list[list[PdfLine]]) -> tuple[str, tuple[int, ...], tuple[tuple[int, int, int], ...]]:
    """The pages' paragraphs as one text (a bold lead-in marked **…** for cleaning, as the Word and web-page
    loaders do); where each page starts; and the lines the layout shows to be headings."""
    paragraphs = _paragraphs(pages)
    evidence = _HeadingEvidence(paragraphs, pages)
    parts: list[str] = []
    starts: list[int] = []
    headings: list[tuple[int, int, int]] = []
    length = 0
    for i, paragraph in enumerate(paragraphs):
        lead = _lead_in(paragraph)
        for page, offset in paragraph.page_starts:
            # A page starts where its first line joins the text: before the line break, or inside a paragraph
            # the page break wrapped (moved by the marks put around a lead-in before it).
            base = length + (1 if parts else 0)  # where the paragraph's text starts
            shift = 0 if lead is None or offset <= lead[0] else 2 if offset < lead[1] else 4
            at = length if offset == 0 else base + offset + shift
            while len(starts) <= page:
                starts.append(at)
        if parts:
            parts.append("\n")
            length += 1
        text = paragraph.text
        if lead is not None:
            s, e = lead
            text = f"{text[:s]}**{text[s:e]}**{text[e:]}"
        elif evidence.is_heading(paragraph, i == len(paragraphs) - 1):
            headings.append((length, length + len(text), LEAD_IN_LEVEL))
        parts.append(text)
        length += len(text)
    while len(starts) < len(pages):
        starts.append(length)
    return "".join(parts), tuple(starts), tuple(headings)


class PdfLoader:
    format = "pdf"
    suffixes = (".pdf",)

    def sniff(self, head: bytes) -> bool:
        return b"%PDF-" in head[:1024]

    def load(self, data: bytes) -> LoadedText:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError

        if b"%PDF-" not in data[:1024]:
            raise Unreadable("named .pdf but is not a PDF (no %PDF header)")
        if b"%%EOF" not in data[-2048:]:
            raise Unreadable("damaged PDF: truncated (no end-of-file marker); download or export it again")
        try:
            reader = PdfReader(BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")  # many "protected" PDFs only restrict printing: empty password
                except (PyPdfError, NotImplementedError, ValueError):
                    opened = 0
                if not opened:
                    raise Unreadable("encrypted PDF (needs a password); save an unprotected copy")
            pages = [page_lines(page, GLYPH_FIXES) for page in reader.pages]
        except Unreadable:
            raise
        except Exception as exc:  # pypdf raises many kinds on broken files; each is a damaged PDF to the user
            raise Unreadable(f"damaged PDF ({exc.__class__.__name__}: {str(exc)[:120]}); export it again") from exc
        if not pages:
            raise Unreadable("damaged PDF: no pages")
        if sum(len(re.sub(r"\s", "", line.text)) for lines in pages for line in lines) < MIN_TEXT_PER_PAGE * len(pages):
            raise Unreadable(
                f"no text layer in {len(pages)} page(s) (a scanned or image-only PDF); it needs OCR before it can "
                "be indexed"
            )
        text, starts, headings = _joined(_drop_running(pages))
        return LoadedText(text=text, format="pdf", pages=starts, headings=headings)
