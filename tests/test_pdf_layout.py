"""PDF headings and paragraphs from the layout (issue 12): small PDFs printed here by headless Chromium from HTML,
with a bold lead-in, a bold heading line, a heading set in larger type, a wrapped paragraph whose last line is
short and unpunctuated, a plain short line that is not a heading, and a running header with page numbers."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest

from index.documents import read_document
from index.load_pdf import GLYPH_FIXES
from index.loaders import load_bytes
from index.pdf_layout import page_lines
from index.structure import parse_structure

if not shutil.which("chromium"):
    pytest.skip("Chromium is not installed (make browser): the PDFs are printed with it", allow_module_level=True)

pytestmark = pytest.mark.browser

HEADER = "某市关于测试排版的说明"
LONG = (
    "本段文字用于检验折行段落的还原，它足够长，会在页面的右边缘被排版折成好几行，"
    "其中每一行都应当接回同一个段落，而最后一行较短并且没有句末标点，它不能被当成标题"
    "因为它只是这个段落的最后几个字而已并没有独立成段的排版证据所以仍属正文最后一行以上内容仅供测试使用"
)

# A long unbreakable address near the end of the first line: the layout breaks the line early, before it.
URL_PARAGRAPH = (
    "市民可以通过各种渠道了解相关政策，包括官方网站和政务服务信息平台(www.averyveryverylongexampledomain.gov.cn)"
    "、热线电话和现场咨询窗口等方式，获取最新的办事指南。"
)


def _page(body: list[str]) -> str:
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<style>body{font-family:'Noto Sans CJK SC',sans-serif;font-size:15px;line-height:1.6;margin:0}"
        "p{margin:0 0 4px}.big{font-size:21px;font-weight:normal}.next{break-before:page}</style></head><body>"
        + "".join(body)
        + "</body></html>"
    )


def _filler(n: int, start: int) -> list[str]:
    # Each a little longer than the text column (about 41 characters of 15px on A4): two lines, the second short.
    return [
        f"<p>第{i}条正文说明了一项具体的安排，内容完整，涉及申请条件、办理流程、审核时限、公开方式和监督渠道等事项，"
        "语句以句号结束。</p>"
        for i in range(start, start + n)
    ]


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory) -> bytes:
    from bench.convert_seeds import to_pdfs

    body = [
        "<p><b>园区概况：</b>本园区成立于二〇一〇年，主要承担孵化与展示两项职能。</p>",
        *_filler(3, 1),
        f"<p>{html.escape(LONG)}</p>",
        "<p>某某市人民政府办公室</p>",  # short, unpunctuated, plain: a signature line, not a heading
        f"<p>{URL_PARAGRAPH}</p>",
        *_filler(3, 4),
        "<p><b>配套服务</b></p>",  # a bold line of its own: a heading
        "<p>园区提供会议室、实验室和公共仓储，按季度开放申请。</p>",
        *_filler(3, 7),
        "<p class='next big'>资金与保障</p>",  # larger type, not bold, on the next page: a heading
        "<p>资金由财政专项列支，执行情况每年公开一次。</p>",
        *_filler(4, 10),
    ]
    path = tmp_path_factory.mktemp("pdf_layout") / "sample.pdf"
    to_pdfs({path: (_page(body), HEADER)})
    return path.read_bytes()


def test_page_lines_carry_bold_and_size(sample_pdf) -> None:
    """Chromium writes the CJK text in Type3 fonts without a /BaseFont; the descriptor still gives the weight."""
    from io import BytesIO

    from pypdf import PdfReader

    lines = [line for page in PdfReader(BytesIO(sample_pdf)).pages for line in page_lines(page, GLYPH_FIXES)]
    lead = next(line for line in lines if line.text.startswith("园区概况"))
    assert all(lead.bold[: len("园区概况：")]) and not any(lead.bold[len("园区概况：") :])
    assert next(line for line in lines if line.text == "配套服务").all_bold
    body = next(line for line in lines if line.text.startswith("第1条"))
    big = next(line for line in lines if line.text == "资金与保障")
    assert not body.all_bold and big.size > 1.3 * body.size > 0


def test_headings_paragraphs_and_running_lines(sample_pdf) -> None:
    loaded = load_bytes("sample.pdf", sample_pdf)
    assert "**园区概况：**本园区" in loaded.text  # the lead-in is marked for cleaning, as .txt/.docx/.html do
    heading_lines = {loaded.text[s:e] for s, e, _ in loaded.headings}
    assert heading_lines == {"配套服务", "资金与保障"}

    doc = read_document("sample.pdf", sample_pdf)
    text = doc.clean.text
    lines = text.split("\n")
    # The wrapped paragraph is one line again; its short, unpunctuated last line is not a paragraph of its own.
    assert LONG in lines
    assert "某某市人民政府办公室" in lines
    assert URL_PARAGRAPH in lines  # the line broken early before the address is joined again
    # The running header and the "- N -" page numbers are gone; the pages are known.
    assert HEADER not in text and not any(line.strip("- ").isdigit() for line in lines)
    assert len(doc.pages) == 2 and text[doc.pages[1] :].lstrip("\n").startswith("资金与保障")

    sections = {text[p.start : p.end]: p.section for p in parse_structure(doc.clean, doc.headings)}
    assert sections["园区概况：本园区成立于二〇一〇年，主要承担孵化与展示两项职能。"] == ("园区概况",)
    assert sections[LONG] == ("园区概况",)
    assert sections["某某市人民政府办公室"] == ("园区概况",)  # not a heading: the section goes on
    assert sections["园区提供会议室、实验室和公共仓储，按季度开放申请。"] == ("配套服务",)
    assert sections["资金由财政专项列支，执行情况每年公开一次。"] == ("资金与保障",)


def test_text_without_layout_evidence_keeps_plain_paragraphs(tmp_path: Path) -> None:
    """A PDF whose short lines have no bold, size or gap evidence gets no headings: only numbering makes them."""
    from bench.convert_seeds import to_pdfs

    body = ["<p>工作安排</p>", *_filler(6, 1), "<p>一、总体要求</p>", *_filler(6, 7)]
    path = tmp_path / "plain.pdf"
    to_pdfs({path: (_page(body), HEADER)})
    loaded = load_bytes(path.name, path.read_bytes())
    assert loaded.headings == ()
    assert "**" not in loaded.text
    lines = loaded.text.split("\n")
    assert lines[lines.index("工作安排") + 1].startswith("第1条正文")
