"""Chunks of the real seeds: clean text, right sections, bounded sizes, exact offsets, stable ids."""

from __future__ import annotations

import re

import pytest

from index.chunking import SECTION_SEP, ChunkingParams, chunk_document
from index.cleaning import clean
from index.documents import DocMeta, Document, read_seeds
from index.settings import REPO_ROOT

SEEDS = REPO_ROOT / "seeds"
MIN_CHARS = 40
_MARKUP = re.compile(r"\[bookmark:[^\]\n]*\]|<sup>[^<\n]*</sup>|</?sup>|\*\*")
_WS = re.compile(r"\s+")
PARAMS = [ChunkingParams(), ChunkingParams(size=500, overlap=100), ChunkingParams(size=200, overlap=40)]


@pytest.fixture(scope="module")
def docs():
    return read_seeds(SEEDS).documents


@pytest.fixture(scope="module")
def chunks(docs):
    return {d.name[:3]: chunk_document(d, ChunkingParams()) for d in docs}


def chunk_with(chunks, doc: str, needle: str):
    found = [c for c in chunks[doc] if needle in c.text]
    assert found, f"no chunk of {doc} contains {needle!r}"
    return found


def test_no_markup_in_any_chunk(chunks):
    for doc_chunks in chunks.values():
        assert doc_chunks
        for c in doc_chunks:
            for marker in ("[bookmark", "**", "<sup>", "</sup>", "\r"):
                assert marker not in c.text, (c.id, marker)
            assert c.text == c.text.strip()


def test_page_break_joins_reach_chunks(chunks):
    assert chunk_with(chunks, "000", "研发中心和生产力局为在海内外大学")
    assert chunk_with(chunks, "004", "国家中小学生网络学习平台")
    for c in chunks["004"]:
        assert "的通知各省" not in c.text


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: f"{p.size}-{p.overlap}")
def test_offsets_map_back_exactly(docs, params):
    for doc in docs:
        for c in chunk_document(doc, params):
            assert doc.clean.text[c.start : c.end] == c.text
            assert c.doc == doc.name
            rs, re_ = doc.clean.raw_span(c.start, c.end)
            raw_piece = doc.raw[rs:re_]
            # Same characters once the markup (and the whitespace that cleaning drops) is gone.
            assert _WS.sub("", _MARKUP.sub("", raw_piece)) == _WS.sub("", c.text), c.id
            # Each chunk character is the raw character it maps to.
            for i in range(c.start, c.end):
                assert doc.raw[doc.clean.raw_offsets[i]] == doc.clean.text[i]


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: f"{p.size}-{p.overlap}")
def test_chunk_sizes_bounded(docs, params):
    for doc in docs:
        doc_chunks = chunk_document(doc, params)
        assert doc_chunks
        for c in doc_chunks:
            # A dangling piece shorter than MIN_CHARS joins its neighbour, so a chunk may run over by that much.
            assert len(c.text) <= params.size + MIN_CHARS, (c.id, len(c.text))
            assert len(c.text) >= MIN_CHARS, (c.id, c.text)


def test_chunks_cover_the_document(docs):
    """Every non-blank character of the cleaned text is in some chunk."""
    for doc in docs:
        covered = bytearray(len(doc.clean.text))
        for c in chunk_document(doc, ChunkingParams()):
            covered[c.start : c.end] = b"\x01" * (c.end - c.start)
        missing = "".join(ch for ch, k in zip(doc.clean.text, covered, strict=True) if not k and not ch.isspace())
        assert missing == "", (doc.name, missing[:80])


def test_chunks_stay_inside_one_section(chunks):
    for doc_chunks in chunks.values():
        for c in doc_chunks:
            # A chunk never holds two top-level headings.
            tops = re.findall(r"(?m)^[一二三四五六七八九十]+、", c.text)
            assert len(tops) <= 1, c.text


def test_known_sections(chunks):
    (c,) = chunk_with(chunks, "003", "每万人口高价值发明专利拥有量达到13件")
    assert c.section[0] == "二、指导思想、基本原则和发展目标"
    assert c.section[-1] == "（三）发展目标"
    c = chunk_with(chunks, "001", "积极争取将翠亨新区上升为国家战略")[0]
    assert c.section == (
        "四、重点任务",
        "（二）加快推进重大创新载体建设，提升中山整体创新能力",
        "4.进一步加快翠亨新区建设",
    )
    assert c.section_label.startswith("四、重点任务" + SECTION_SEP + "（二）")
    assert c.section_label.endswith(SECTION_SEP + "4.进一步加快翠亨新区建设")
    c = chunk_with(chunks, "000", "300%税务扣减")[0]
    assert c.section == ("鼓励本地研发活动",)


def test_display_text_vs_context_text(chunks):
    c = chunk_with(chunks, "000", "300%税务扣减")[0]
    assert c.title == "香港便览：创新及科技"
    assert not c.text.startswith("《")
    assert "香港便览" not in c.text
    assert c.context_text.startswith("《香港便览：创新及科技》" + SECTION_SEP + "鼓励本地研发活动\n")
    assert c.context_text.endswith(c.text)
    c = chunk_with(chunks, "003", "每万人口高价值发明专利拥有量达到13件")[0]
    assert c.context_text.split("\n")[0] == (
        "《东丽区知识产权“十四五”发展规划》" + SECTION_SEP + SECTION_SEP.join(c.section)
    )
    assert c.region == "天津市东丽区"
    header = [c for c in chunks["004"] if not c.section]
    assert header and all(c.context_text.startswith("《2020年教育信息化和网络安全工作要点》\n") for c in header)


def test_ids_stable_and_unique(docs):
    again = read_seeds(SEEDS).documents
    for a, b in zip(docs, again, strict=True):
        ids_a = [c.id for c in chunk_document(a, ChunkingParams())]
        ids_b = [c.id for c in chunk_document(b, ChunkingParams())]
        assert ids_a == ids_b
        assert len(set(ids_a)) == len(ids_a)
        assert all(i.startswith(a.name + ":") for i in ids_a)


def test_id_changes_only_for_edited_text(docs):
    doc = next(d for d in docs if d.name.startswith("000"))
    raw = doc.raw.replace("可获300%税务扣减", "可获400%税务扣减")
    assert raw != doc.raw
    edited = Document(doc.name, doc.meta, "x", raw, clean(raw))
    old = {c.id for c in chunk_document(doc, ChunkingParams())}
    new = {c.id for c in chunk_document(edited, ChunkingParams())}
    changed = new - old
    assert changed
    assert all("400%" in c.text for c in chunk_document(edited, ChunkingParams()) if c.id in changed)


def _doc(text: str, name: str = "t.txt") -> Document:
    return Document(name, DocMeta(title="测试"), "0", text, clean(text))


def test_short_document_is_one_chunk():
    chunks = chunk_document(_doc("很短的文件。"), ChunkingParams())
    assert [c.text for c in chunks] == ["很短的文件。"]
    assert chunks[0].start == 0 and chunks[0].end == len("很短的文件。")


def test_window_baseline_and_unknown_method():
    text = "甲" * 250
    chunks = chunk_document(_doc(text), ChunkingParams(method="window", size=100, overlap=0))
    assert [(c.start, c.end) for c in chunks] == [(0, 100), (100, 200), (200, 250)]
    assert all(c.section == () for c in chunks)
    with pytest.raises(ValueError, match="structured"):
        chunk_document(_doc(text), ChunkingParams(method="nope"))


def test_long_sentence_without_punctuation_is_split():
    text = "一、总则\n" + "字" * 1000
    chunks = chunk_document(_doc(text), ChunkingParams(size=300, overlap=60))
    assert len(chunks) >= 4
    for c in chunks:
        assert len(c.text) <= 300 + MIN_CHARS
        assert text[c.start : c.end] == c.text
        assert c.section == ("一、总则",)
