"""Convert a folder of .txt seeds into other formats, the way documents reach staff: PDF (headless Chromium's
print-to-PDF, with a running header and page numbers), Word .docx (python-docx), saved web pages (.html with a
menu and a footer around the text) and legacy-encoded text (GBK, Big5, UTF-16).

The converted collections are what the format tests and ``python -m bench.formats`` index and evaluate.
"""

from __future__ import annotations

import html
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from index.cleaning import clean
from index.documents import CATALOG_FILE
from index.headings import numbered_level

FORMATS = ("pdf", "docx", "html", "gbk", "utf16", "big5")


def _plain(raw: str) -> tuple[str, list[tuple[int, int]]]:
    """The text a reader sees (conversion marks removed) and its bold spans."""
    c = clean(raw)
    return c.text, c.bold_spans


def _lines_with_bold(raw: str) -> list[list[tuple[str, bool]]]:
    """Each line as (text, bold) runs."""
    text, bold = _plain(raw)
    lines, pos = [], 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        runs, cursor = [], start
        for b_start, b_end in bold:
            if b_end <= start or b_start >= end:
                continue
            s, e = max(b_start, start), min(b_end, end)
            if s > cursor:
                runs.append((text[cursor:s], False))
            runs.append((text[s:e], True))
            cursor = e
        if cursor < end:
            runs.append((text[cursor:end], False))
        lines.append(runs)
    return lines


def to_html(raw: str, title: str, *, page_chrome: bool) -> str:
    """The document as a web page; ``page_chrome`` adds a site menu and footer, as a page saved from a site has."""
    body = []
    for runs in _lines_with_bold(raw):
        if not runs:
            continue
        inner = "".join(f"<b>{html.escape(t)}</b>" if b else html.escape(t) for t, b in runs)
        body.append(f"<p>{inner}</p>")
    menu = footer = ""
    if page_chrome:
        menu = (
            '<nav class="menu"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li>'
            '<li><a href="/bsfw">办事服务</a></li><li><a href="/hdjl">互动交流</a></li></ul></nav>'
        )
        footer = (
            '<footer><p>主办单位：某某网站管理中心　联系电话：0000-00000000</p>'
            '<p>网站标识码：0000000000　备案序号：某ICP备00000000号</p></footer>'
        )
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:'Noto Sans CJK SC',sans-serif;font-size:15px;line-height:1.6;margin:0}"
        "p{margin:0 0 4px}</style></head><body>"
        f"{menu}<article>{''.join(body)}</article>{footer}</body></html>"
    )


def to_docx(raw: str, path: Path) -> None:
    """A Word document: numbered heading lines in Heading styles, bold runs kept, body in Normal."""
    import docx

    document = docx.Document()
    for runs in _lines_with_bold(raw):
        line = "".join(t for t, _ in runs)
        if not line.strip():
            continue
        level = numbered_level(line)
        if level is not None and len(line) <= 40:
            document.add_heading(line, level=min(level, 9))
            continue
        para = document.add_paragraph()
        for text, bold in runs:
            para.add_run(text).bold = bold
    document.save(str(path))


def to_pdfs(pages: dict[Path, tuple[str, str]]) -> None:
    """Print each (html, running header) to its PDF path with headless Chromium: A4, a running header, and the
    page number in the footer."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable) if executable else p.chromium.launch()
        try:
            page = browser.new_page()
            for path, (markup, header) in pages.items():
                page.set_content(markup, wait_until="load")
                page.pdf(
                    path=str(path),
                    format="A4",
                    display_header_footer=True,
                    header_template=(
                        f"<div style='font-size:9px;width:100%;text-align:center'>{html.escape(header)}</div>"
                    ),
                    footer_template=(
                        "<div style='font-size:9px;width:100%;text-align:center'>"
                        "- <span class='pageNumber'></span> -</div>"
                    ),
                    margin={"top": "25mm", "bottom": "25mm", "left": "22mm", "right": "22mm"},
                )
        finally:
            browser.close()


def _encoded(encoding: str) -> Callable[[str], bytes]:
    def encode(raw: str) -> bytes:
        if encoding == "big5":
            # Big5 holds traditional characters only: the text is converted first, as a Hong Kong or Taiwan
            # document would be written; the few characters Big5 lacks become '?'.
            from opencc import OpenCC

            return OpenCC("s2t").convert(raw).encode("big5", errors="replace")
        return raw.encode(encoding)

    return encode


def convert(seeds: Path, out: Path, fmt: str, titles: dict[str, str] | None = None) -> Path:
    """``seeds``' .txt files converted to ``fmt`` in ``out`` (file names keep their stem), plus the catalog
    renamed to the new file names. Returns ``out``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    sources = sorted(seeds.glob("*.txt"))
    suffix = {"pdf": ".pdf", "docx": ".docx", "html": ".html"}.get(fmt, ".txt")
    pdf_jobs: dict[Path, tuple[str, str]] = {}
    for src in sources:
        raw = src.read_text(encoding="utf-8")
        target = out / (src.stem + suffix)
        title = (titles or {}).get(src.name, src.stem)
        if fmt == "pdf":
            pdf_jobs[target] = (to_html(raw, title, page_chrome=False), title)
        elif fmt == "docx":
            to_docx(raw, target)
        elif fmt == "html":
            target.write_text(to_html(raw, title, page_chrome=True), encoding="utf-8")
        else:
            target.write_bytes(_encoded({"gbk": "gb18030", "utf16": "utf-16", "big5": "big5"}[fmt])(raw))
    if pdf_jobs:
        to_pdfs(pdf_jobs)
    catalog = seeds / CATALOG_FILE
    if catalog.is_file():
        text = catalog.read_text(encoding="utf-8")
        if suffix != ".txt":
            for src in sources:
                text = text.replace(f'["{src.name}"]', f'["{src.stem}{suffix}"]')
        (out / CATALOG_FILE).write_text(text, encoding="utf-8")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: python -m bench.convert_seeds SEEDS_DIR OUT_DIR FORMAT")
    print(convert(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]))
