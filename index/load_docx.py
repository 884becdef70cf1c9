"""Word .docx, read with python-docx: paragraphs and tables in document order, headings from paragraph styles
(Heading N / 标题 N, or an outline level), a bold run that opens a paragraph kept as a lead-in, table rows as lines
of cells. Archives that unpack to far more than they hold (zip bombs) are refused before they are opened."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

from index.loaders import LoadedText, Unreadable

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 5000
CELL_SEP = " | "
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Unreadable("not a Word .docx file (not a zip archive); open it in Word or WPS and save as .docx") from exc
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise Unreadable(
            f"refused: the .docx would unpack to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MiB "
            "(a zip bomb or not a real Word document)"
        )
    if "word/document.xml" not in names:
        raise Unreadable("a zip archive without word/document.xml: not a Word .docx file")


def _heading_level(paragraph) -> int | None:
    style = paragraph.style
    while style is not None:
        m = _HEADING_STYLE.match(style.name or "")
        if m:
            return max(1, int(m.group(1)))
        style = style.base_style
    ppr = paragraph._p.pPr
    if ppr is not None:
        from docx.oxml.ns import qn

        outline = ppr.find(qn("w:outlineLvl"))
        if outline is not None and (val := outline.get(qn("w:val"), "")).isdigit() and int(val) < 9:
            return int(val) + 1
    return None


def _paragraph_text(paragraph) -> str:
    """The paragraph's text; a bold run that opens it (a lead-in like "人才：") is marked **…** for cleaning."""
    runs = [(r.text, bool(r.bold)) for r in paragraph.runs if r.text]
    text = paragraph.text
    if not runs or "".join(t for t, _ in runs) != text:
        return text  # fields and hyperlinks hold text outside runs: keep the plain text
    lead = ""
    for t, bold in runs:
        if not bold:
            break
        lead += t
    if lead.strip() and len(lead) < len(text):
        return f"**{lead}**{text[len(lead):]}"
    return text


class DocxLoader:
    format = "docx"
    suffixes = (".docx",)

    def sniff(self, head: bytes) -> bool:
        # A zip that names a word/ part early; other zips are looked into by pick_loader.
        return head.startswith(b"PK\x03\x04") and b"word/" in head

    def load(self, data: bytes) -> LoadedText:
        _check_archive(data)
        import docx
        from docx.table import Table

        try:
            document = docx.Document(BytesIO(data))
        except Exception as exc:  # python-docx raises KeyError, lxml errors, ... on broken parts
            reason = f"damaged Word document ({exc.__class__.__name__}); open it in Word and save it again"
            raise Unreadable(reason) from exc
        lines: list[str] = []
        headings: list[tuple[int, int, int]] = []
        pos = 0
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                new = [_row_text(row) for row in block.rows]
                new = [r for r in new if r]
            else:
                text = _paragraph_text(block).strip()
                new = [text] if text else []
                level = _heading_level(block) if text else None
                if level is not None:
                    headings.append((pos, pos + len(text), level))
            for line in new:
                lines.append(line)
                pos += len(line) + 1
        return LoadedText(text="\n".join(lines), format="docx", headings=tuple(headings))


def _row_text(row) -> str:
    cells: list[str] = []
    for cell in row.cells:
        text = " ".join(cell.text.split())
        if not cells or text != cells[-1]:  # a merged cell is returned once per grid column it spans
            cells.append(text)
    return CELL_SEP.join(cells).strip(" |")
