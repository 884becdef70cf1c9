"""PDF with a text layer, read with pypdf (BSD): page by page, with the lines the layout broke joined again and
the running headers, footers and page numbers dropped. Scanned (image-only), encrypted and damaged PDFs are
refused with their reason.

The line joining and header detection are written here because pypdf gives lines, not paragraphs, and no
maintained non-AGPL library rebuilds paragraphs of Chinese text.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from io import BytesIO

from index.headings import numbered_level
from index.loaders import LoadedText, Unreadable

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
EDGE_LINES = 2  # lines at the top and the bottom of a page where running headers and footers sit
MIN_TEXT_PER_PAGE = 10  # fewer extracted characters per page on average: no text layer
WRAP_SHARE = 0.85  # a line at least this share of the usual full line width was wrapped by the layout


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _running_keys(pages: list[list[str]]) -> set[str]:
    """Lines (digits blurred) at the edge of at least half the pages: running headers and footers."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        edges = {_key(line) for line in lines[:EDGE_LINES] + lines[-EDGE_LINES:]}
        counts.update(edges)
    return {k for k, n in counts.items() if k and n >= max(2, len(pages) / 2)}


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def _drop_running(pages: list[list[str]]) -> list[list[str]]:
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
                key = _key(kept[i])
                if _PAGE_NUMBER.match(kept[i]) or (key in running and key not in dropped):
                    drop.add(i)
                    dropped.add(key)
            kept = [line for i, line in enumerate(kept) if i not in drop]
        out.append(kept)
    return out


def _joined(pages: list[list[str]]) -> tuple[str, tuple[int, ...]]:
    """The pages' lines as one text, a line the layout wrapped joined to the next; and where each page starts."""
    widths = sorted(_width(line) for lines in pages for line in lines if line)
    full = widths[int(len(widths) * 0.9)] if widths else 0
    parts: list[str] = []
    starts: list[int] = []
    length = 0
    previous = ""
    for lines in pages:
        starts.append(length)
        for line in lines:
            if parts:
                wrapped = (
                    _width(previous) >= WRAP_SHARE * full
                    and not previous.endswith(_CLOSERS)
                    and numbered_level(line) is None
                )
                sep = "" if wrapped else "\n"
                if wrapped and previous[-1:].isascii() and line[:1].isascii() and previous[-1:].isalnum():
                    sep = " "  # a wrapped English word boundary
                parts.append(sep)
                length += len(sep)
            parts.append(line)
            length += len(line)
            previous = line
    return "".join(parts), tuple(starts)


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
            texts = [(page.extract_text() or "").translate(GLYPH_FIXES) for page in reader.pages]
        except Unreadable:
            raise
        except Exception as exc:  # pypdf raises many kinds on broken files; each is a damaged PDF to the user
            raise Unreadable(f"damaged PDF ({exc.__class__.__name__}: {str(exc)[:120]}); export it again") from exc
        if not texts:
            raise Unreadable("damaged PDF: no pages")
        if sum(len(re.sub(r"\s", "", t)) for t in texts) < MIN_TEXT_PER_PAGE * len(texts):
            raise Unreadable(
                f"no text layer in {len(texts)} page(s) (a scanned or image-only PDF); it needs OCR before it can "
                "be indexed"
            )
        pages = [[line.strip() for line in t.split("\n") if line.strip()] for t in texts]
        text, starts = _joined(_drop_running(pages))
        return LoadedText(text=text, format="pdf", pages=starts)
