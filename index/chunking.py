"""Cut documents into chunks that stay inside one section, at Chinese sentence boundaries.

Sizes were chosen by measuring retrieval on the dev questions (see the Index issue's note).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from index.documents import Document
from index.structure import Paragraph, parse_structure

# Paragraph, then sentence ends, then clause commas, then anything.
SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "，", "、", ""]
_TINY_BLOCK = 60  # a section this short (usually a bare heading) joins its first subsection
SECTION_SEP = " › "
_MIN_CHUNK = 40  # a shorter piece (a bare heading line, a dangling clause) joins its neighbour


@dataclass(frozen=True)
class Chunk:
    id: str
    doc: str  # seed file name
    title: str
    section: tuple[str, ...]
    start: int  # offsets into the document's cleaned text: clean_text[start:end] == text
    end: int
    text: str  # what a person reads
    region: str = ""
    page: int | None = None  # 1-based page where the passage starts (PDF), None for formats without pages
    number: str = ""  # the document's number (发文字号), for citations

    @property
    def where(self) -> str:
        """The document number and page for a citation ("教科技厅〔2020〕1号 · 第3页"), or ""."""
        return " · ".join(p for p in (self.number, f"第{self.page}页" if self.page else "") if p)

    @property
    def section_label(self) -> str:
        return SECTION_SEP.join(self.section)

    @property
    def context_text(self) -> str:
        """What is embedded and keyword-indexed: the passage with its title and section as context."""
        head = f"《{self.title}》"
        if self.section:
            head += SECTION_SEP + self.section_label
        return f"{head}\n{self.text}"


@dataclass(frozen=True)
class ChunkingParams:
    method: str = "structured"  # or "window"
    size: int = 300
    overlap: int = 60


@dataclass
class _Block:
    start: int
    end: int
    section: tuple[str, ...]


def _blocks(paragraphs: list[Paragraph]) -> list[_Block]:
    blocks: list[_Block] = []
    for p in paragraphs:
        if blocks and blocks[-1].section == p.section:
            blocks[-1].end = p.end
        else:
            blocks.append(_Block(p.start, p.end, p.section))
    merged: list[_Block] = []
    pending: _Block | None = None
    for i, block in enumerate(blocks):
        if pending is not None:
            # A bare heading joins its first child so the heading's words are searchable with it.
            block = _Block(pending.start, block.end, block.section)
            pending = None
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        is_parent = nxt is not None and nxt.section[: len(block.section)] == block.section
        if block.end - block.start < _TINY_BLOCK and is_parent:
            pending = block
            continue
        merged.append(block)
    if pending is not None:
        merged.append(pending)
    return merged


def _chunk_id(doc: str, start: int, end: int, text: str) -> str:
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
    return f"{doc}:{start}-{end}:{digest}"


def _locate(pieces: list[str], text: str, base: int) -> list[tuple[int, int]]:
    spans, cursor = [], 0
    for piece in pieces:
        at = text.find(piece, cursor)
        if at < 0:
            at = text.find(piece)
        spans.append((base + at, base + at + len(piece)))
        cursor = at + 1
    return spans


def _merge_tiny(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join pieces shorter than _MIN_CHUNK to the next piece of the same section (or the previous)."""
    out: list[tuple[int, int]] = []
    carry: int | None = None
    for start, end in spans:
        if carry is not None:
            start, carry = min(carry, start), None
        if end - start < _MIN_CHUNK:
            carry = start
            continue
        out.append((start, end))
    if carry is not None:
        if out:
            out[-1] = (out[-1][0], max(out[-1][1], spans[-1][1]))
        else:
            out.append((carry, spans[-1][1]))
    return out


def chunk_document(doc: Document, params: ChunkingParams) -> list[Chunk]:
    text = doc.clean.text
    if params.method == "window":
        # The naive baseline: fixed windows over the whole text, blind to sentences and sections.
        spans = [(s, min(s + params.size, len(text))) for s in range(0, len(text), params.size)]
        sections = [()] * len(spans)
    elif params.method == "structured":
        # Imported here: langchain takes ~1.3 s to import, and answering (which loads Chunk) never splits.
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            separators=SEPARATORS,
            keep_separator="end",
            chunk_size=params.size,
            chunk_overlap=params.overlap,
            strip_whitespace=True,
        )
        spans, sections = [], []
        for block in _blocks(parse_structure(doc.clean, doc.headings)):
            body = text[block.start : block.end]
            for span in _merge_tiny(_locate(splitter.split_text(body), body, block.start)):
                spans.append(span)
                sections.append(block.section)
    else:
        raise ValueError(f"unknown chunking method {params.method!r} (use 'structured' or 'window')")
    chunks = []
    for (start, end), section in zip(spans, sections, strict=True):
        piece = text[start:end]
        if not piece.strip():
            continue
        chunks.append(
            Chunk(
                id=_chunk_id(doc.name, start, end, piece),
                doc=doc.name,
                title=doc.meta.title,
                section=section,
                start=start,
                end=end,
                text=piece,
                region=doc.meta.region,
                page=doc.page_at(start),
                number=doc.meta.number,
            )
        )
    return chunks
