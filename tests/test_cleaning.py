"""Cleaning of the converted seed files: markup removed, page breaks joined, real paragraphs kept apart.

Expected strings are read from the seed files themselves (see the raw lines quoted in each test).
"""

from __future__ import annotations

import re

import pytest

from index.cleaning import clean
from index.documents import read_seeds
from index.settings import REPO_ROOT

SEEDS = REPO_ROOT / "seeds"


def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


DOC_000 = "000_888cab3c03a9d4df.txt"
DOC_003 = "003_0162c2ce5302660f.txt"
DOC_004 = "004_9d795c24274e5595.txt"

_MARKUP = re.compile(r"\[bookmark:[^\]\n]*\]|<sup>[^<\n]*</sup>|</?sup>|\*\*")
_WS = re.compile(r"\s+")


@pytest.fixture(scope="module")
def docs():
    return {d.name: d for d in read_seeds(SEEDS).documents}


def assert_maps_back(raw: str, cleaned) -> None:
    """Every cleaned character is the raw character it says it came from, in order, and all that was
    deleted in between is markup or whitespace."""
    text, where = cleaned.text, cleaned.raw_offsets
    assert len(where) == len(text) + 1
    assert where[-1] == len(raw)
    for i, ch in enumerate(text):
        assert raw[where[i]] == ch, (i, ch, raw[where[i]])
        if i:
            assert where[i] > where[i - 1]
    if text:
        rs, re_ = cleaned.raw_span(0, len(text))
        assert _WS.sub("", _MARKUP.sub("", raw[rs:re_])) == _WS.sub("", text)


@pytest.mark.parametrize("name", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_markup_removed_and_offsets_exact(name):
    raw = seed_text(name)
    cleaned = clean(raw)
    for marker in ("[bookmark", "**", "<sup>", "</sup>", "\r", "\ufeff"):
        assert marker not in cleaned.text
    assert "\n\n\n" not in cleaned.text
    assert cleaned.text == cleaned.text.strip("\n")
    assert_maps_back(raw, cleaned)


def test_page_break_inside_word_joined_000(docs):
    # raw: "…已扩展至涵盖五所公营研发中心和生\n\n产力局为在海内外大学…"
    raw = seed_text(DOC_000)
    assert "研发中心和生\n\n产力局为在海内外大学" in raw
    text = docs[DOC_000].clean.text
    assert "五所公营研发中心和生产力局为在海内外大学" in text
    assert "研发中心和生\n" not in text


def test_page_break_after_bold_lead_in_joined_000(docs):
    # raw: "**鼓励本地研发活动：**为鼓励企业在港作更多研发投资及推动\n\n本地研发活动，政府为企业…"
    text = docs[DOC_000].clean.text
    assert "为鼓励企业在港作更多研发投资及推动本地研发活动，政府为企业进行合资格研发活动的开支" in text
    # raw: "…推广高端数据中心、\n\n云端运算服务、大数据…"
    assert "推广高端数据中心、云端运算服务、大数据及对网络安全的认知" in text


def test_page_break_joined_004(docs):
    # raw: "…启动国家中小学\n\n生网络学习平台建设,网络学习空间…"
    text = docs[DOC_004].clean.text
    assert "启动国家中小学生网络学习平台建设" in text
    assert "国家中小学生网络学习平台" in text


def test_real_paragraphs_not_glued_004(docs):
    text = docs[DOC_004].clean.text
    lines = text.split("\n")
    title = "教育部办公厅关于印发《2020年教育信息化和 网络安全工作要点》的通知"
    assert title in lines
    i = lines.index(title)
    # The addressee line follows after one blank line, on its own line.
    assert next(ln for ln in lines[i + 1 :] if ln).startswith("各省、自治区、直辖市教育厅")
    assert "的通知各省" not in text
    # Short header lines stay separate.
    assert "教育部办公厅文件" in lines
    assert "教科技厅〔2020〕1号" in lines
    # A heading is never glued to the paragraph that follows it, even with no closing punctuation.
    assert "一、工作思路" in lines
    assert "3.完善国家数字教育资源公共服务体系" in lines
    assert "2020 年教育信息化和网络安全工作要点" in lines


def test_truncated_sentence_before_bold_heading_not_glued_000(docs):
    # raw ends a bullet mid-sentence ("…一体化的电子采购") and the next paragraph is a bold lead-in:
    # the converter lost text there; gluing would merge two topics.
    text = docs[DOC_000].clean.text
    assert "一体化的电子采购\n\n数码共融：为方便所有人" in text


def test_headings_and_special_columns_not_glued_003(docs):
    text = docs[DOC_003].clean.text
    lines = text.split("\n")
    assert "（三）发展目标" in lines
    assert "专栏7：高价值专利培育行动" in lines
    assert "二、指导思想、基本原则和发展目标" in lines
    # Bookmarks at line starts are gone; the heading text itself is intact.
    assert not any(ln.startswith("[") for ln in lines)


def test_bold_spans_mark_lead_ins_000(docs):
    clean_text = docs[DOC_000].clean
    bold = {clean_text.text[s:e] for s, e in clean_text.bold_spans}
    # raw: "**推动创新及科技发展：**创新及科技（创科）…" and "**鼓励本地研发活动：**为鼓励…"
    assert "推动创新及科技发展：" in bold
    assert "鼓励本地研发活动：" in bold
    assert "创新科技及工业局" in bold


def test_synthetic_markup_and_breaks():
    raw = (
        "\ufeff[bookmark: _Toc1]一、总则\r\n"
        "　　**人才：**每月津贴<sup>1</sup>为二万元，这是一个很长的句子用来测试分页的情况，以及\n\n"
        "\n"
        "继续的部分。\n"
        "\n\n\n"
        "另一段。\x07\n"
    )
    cleaned = clean(raw)
    assert cleaned.text == (
        "一、总则\n人才：每月津贴为二万元，这是一个很长的句子用来测试分页的情况，以及继续的部分。\n\n另一段。"
    )
    assert_maps_back(raw, cleaned)
    assert [cleaned.text[s:e] for s, e in cleaned.bold_spans] == ["人才："]


def test_short_line_and_closed_sentence_not_joined():
    raw = "第一行\n\n第二行\n\n这一句话已经结束了，而且足够长足够长足够长足够长。\n\n下一段开始。"
    assert clean(raw).text == raw


def test_empty_and_whitespace_only():
    for raw in ("", "\n\n", "  \u3000\n", "[bookmark: _Toc1]**"):
        cleaned = clean(raw)
        assert cleaned.text.strip() == ""
        assert cleaned.raw_offsets[-1] == len(raw)


def test_raw_span_of_chunk_region(docs):
    doc = docs[DOC_000]
    text = doc.clean.text
    start = text.index("合资格研发开支的首200万元")
    end = start + len("合资格研发开支的首200万元，可获300%税务扣减")
    rs, re_ = doc.clean.raw_span(start, end)
    assert doc.raw[rs:re_] == "合资格研发开支的首200万元，可获300%税务扣减"
    # Across a page-break join the raw slice still contains the break.
    start = text.index("研发中心和生产力局")
    rs, re_ = doc.clean.raw_span(start, start + len("研发中心和生产力局"))
    assert doc.raw[rs:re_] == "研发中心和生\n\n产力局"
    assert doc.clean.raw_span(5, 5) == (doc.clean.raw_offsets[5],) * 2
