"""Documents as they come (issue 12): the seeds converted by the test itself to PDF (headless Chromium's
print-to-PDF), Word .docx (python-docx), saved web pages and GBK/Big5/UTF-16 text, then read, indexed and asked.
Bad files of every kind are made here too and must each be skipped with their own reason."""

from __future__ import annotations

import io
import logging
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from bench.convert_seeds import convert
from eval.questions import load_questions, select_split
from index.builder import build_index
from index.documents import CATALOG_FILE, load_catalog, read_seeds
from index.load_pdf import GLYPH_FIXES
from index.loaders import Unreadable, load_bytes
from index.settings import REPO_ROOT
from index.textnorm import fold_width
from tests.test_faults import DOC_A, DOC_B, write_docs

SEEDS = REPO_ROOT / "seeds"
if not shutil.which("chromium"):
    pytest.skip("Chromium is not installed (make browser): the PDFs are printed with it", allow_module_level=True)
NOTICE = "004_9d795c24274e5595"  # the seed with a full GB/T 9704 header (letterhead, number, date)


def _bare(text: str) -> str:
    """Text compared across formats: widths folded, whitespace and quote styles ignored."""
    return re.sub(r"\s+", "", fold_width(text))


@pytest.fixture(scope="module")
def collections(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("formats")
    titles = {name: meta.title for name, meta in load_catalog(SEEDS)[0].items()}  # the PDFs' running header
    return {fmt: convert(SEEDS, root / fmt, fmt, titles) for fmt in ("pdf", "docx", "html", "gbk", "utf16", "big5")}


def _evidence_by_doc() -> dict[str, list[str]]:
    """The evaluation's evidence strings by seed (file stem), each under the seed whose cleaned text holds it."""
    texts = {Path(d.name).stem: _bare(d.clean.text) for d in read_seeds(SEEDS).documents}
    by_doc: dict[str, list[str]] = {}
    for q in load_questions():
        for ev in q.evidence:
            for stem, text in texts.items():
                if _bare(ev) in text:
                    by_doc.setdefault(stem, []).append(ev)
    return by_doc


@pytest.mark.browser
@pytest.mark.parametrize("fmt", ["pdf", "docx", "html", "gbk", "utf16"])
def test_converted_collection_keeps_the_evidence(collections, fmt) -> None:
    """Every format gives back the documents' text: the evaluation's evidence strings are found in it."""
    scan = read_seeds(collections[fmt])
    assert scan.skipped == []
    assert len(scan.documents) == 5
    evidence = _evidence_by_doc()
    for doc in scan.documents:
        text = _bare(doc.clean.text)
        wanted = [_bare(e) for e in evidence[Path(doc.name).stem]]
        found = sum(e in text for e in wanted)
        assert found >= 0.97 * len(wanted), f"{fmt} {doc.name}: {found}/{len(wanted)} evidence strings"
        assert doc.format == {"gbk": "text", "utf16": "text"}.get(fmt, fmt)


def test_big5_text_is_read_as_big5_not_gb18030(collections) -> None:
    (doc,) = [d for d in read_seeds(collections["big5"]).documents if d.name.startswith("003")]
    assert "知識產權" in doc.clean.text and "东丽区" not in doc.clean.text
    assert doc.meta.title == "东丽区知识产权“十四五”发展规划"  # from the catalog, which overrides


def _without_catalog(folder: Path, tmp_path: Path) -> Path:
    out = tmp_path / folder.name
    out.mkdir()
    for f in folder.iterdir():
        if f.name != CATALOG_FILE:
            (out / f.name).write_bytes(f.read_bytes())
    return out


@pytest.mark.browser
@pytest.mark.parametrize("fmt", ["pdf", "docx", "html", "gbk"])
def test_official_metadata_read_from_the_documents(collections, fmt, tmp_path) -> None:
    """Without a catalog, each document's own header gives its title, number, issuer, date and draft status."""
    metas = {Path(d.name).stem[:3]: d.meta for d in read_seeds(_without_catalog(collections[fmt], tmp_path)).documents}
    notice = metas["004"]
    assert notice.number == "教科技厅〔2020〕1号"
    assert notice.issuer == "教育部办公厅"
    assert notice.date == "2020-02-28" and notice.year == 2020
    assert notice.title == "教育部办公厅关于印发《2020年教育信息化和网络安全工作要点》的通知"
    assert metas["001"].title == "中山市建设创新型城市实施方案（2015-2020年）（征求意见稿）" and metas["001"].draft
    assert metas["002"].title == "关于促进数据产业高质量发展的实施意见（征求意见稿）" and metas["002"].draft
    assert metas["003"].title == "东丽区知识产权“十四五”发展规划" and not metas["003"].draft
    # The fact sheet opens with body text: its title is the file's name, not its first sentence.
    assert metas["000"].title == "000_888cab3c03a9d4df"
    for key in ("000", "001", "002", "003"):
        assert metas[key].number == "" and not notice.draft


def test_catalog_overrides_what_is_read(collections) -> None:
    notice = next(d for d in read_seeds(collections["gbk"]).documents if d.name.startswith("004"))
    assert notice.meta.title == "2020年教育信息化和网络安全工作要点"  # the catalog's
    assert notice.meta.number == "教科技厅〔2020〕1号"  # the catalog is silent: read from the document


@pytest.mark.browser
def test_pdf_pages_and_running_headers(collections) -> None:
    from pypdf import PdfReader

    path = collections["pdf"] / f"{NOTICE}.pdf"
    (doc,) = [d for d in read_seeds(collections["pdf"]).documents if d.name == path.name]
    pages = [_bare(p.extract_text().translate(GLYPH_FIXES)) for p in PdfReader(path).pages]
    assert len(doc.pages) == len(pages) > 3
    # Each page's text starts where the loader says: the cleaned text from that offset is on that page.
    for n, start in enumerate(doc.pages, 1):
        head = _bare(doc.clean.text[start : start + 40])[:12]
        assert head in pages[n - 1] or (n > 1 and head in pages[n - 2] + pages[n - 1])
    lines = doc.clean.text.split("\n")
    assert not any(re.fullmatch(r"-\s*\d+\s*-", line) for line in lines), "page numbers left in"
    # The running header (the title) is dropped from every page; the title as the text has it stays.
    (seed,) = [d for d in read_seeds(SEEDS).documents if d.name == f"{NOTICE}.txt"]
    header = _bare(seed.meta.title)
    assert _bare(doc.clean.text).count(header) == _bare(seed.clean.text).count(header)
    # Lines the layout wrapped are joined: a long paragraph of the source is one line again.
    assert "积极发展“互联网+教育”，发挥网络教育和人工智能优势" in doc.clean.text


# --- bad files ------------------------------------------------------------------------------------------------


def _image_pdf() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 560), "white")
    ImageDraw.Draw(image).rectangle((40, 40, 360, 80), fill="black")  # a "scanned" line of text
    out = io.BytesIO()
    image.save(out, format="PDF")
    return out.getvalue()


def _encrypted_pdf(real: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(real)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(210):
                member.write(block)
    return out.getvalue()


@pytest.mark.browser
def test_bad_files_each_skipped_with_their_reason(collections, tmp_path, caplog) -> None:
    real_pdf = (collections["pdf"] / f"{NOTICE}.pdf").read_bytes()
    folder = write_docs(tmp_path / "seeds", {"good.txt": DOC_A})
    files = {
        "scan.pdf": _image_pdf(),
        "locked.pdf": _encrypted_pdf(real_pdf),
        "cut.pdf": real_pdf[: len(real_pdf) // 2],
        "bomb.docx": _zip_bomb(),
        "notzip.docx": b"this is not a zip archive at all " * 20,
        "old.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
        "notice.wps": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
        "photo.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "zero.txt": b"",
        "sheet.xyz": b"some,columns\n1,2\n",
        "noise.txt": bytes(range(256)) * 8,
        "renamed.txt": real_pdf,  # a PDF called .txt: read by its content
        "legacy.txt": DOC_B.encode("gbk"),
        "unicode.txt": DOC_B.encode("utf-16-le"),  # Windows "Unicode" without a byte-order mark
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with caplog.at_level(logging.WARNING, logger="policyqa.index"):
        scan = read_seeds(folder)
    reasons = dict(scan.skipped)
    assert sorted(d.name for d in scan.documents) == ["good.txt", "legacy.txt", "renamed.txt", "unicode.txt"]
    assert "needs OCR" in reasons["scan.pdf"]
    assert "encrypted" in reasons["locked.pdf"]
    assert "truncated" in reasons["cut.pdf"]
    assert "zip bomb" in reasons["bomb.docx"]
    assert "not a zip archive" in reasons["notzip.docx"]
    assert ".doc)" in reasons["old.doc"] and "save it as .docx" in reasons["old.doc"]
    assert ".wps)" in reasons["notice.wps"] and "save it as .docx" in reasons["notice.wps"]
    assert "PNG image" in reasons["photo.txt"] and "OCR" in reasons["photo.txt"]
    assert reasons["zero.txt"].startswith("empty")
    assert "unsupported format (.xyz)" in reasons["sheet.xyz"]
    assert "binary" in reasons["noise.txt"] or "garbage" in reasons["noise.txt"]
    assert len(set(reasons.values())) == len(reasons), "each kind of fault has its own message"
    for name in reasons:
        assert name in caplog.text
    docs = {d.name: d for d in scan.documents}
    assert docs["renamed.txt"].format == "pdf" and docs["renamed.txt"].meta.number == "教科技厅〔2020〕1号"
    assert "两小时内报告" in docs["legacy.txt"].clean.text and "两小时内报告" in docs["unicode.txt"].clean.text


def test_loader_errors_are_unreadable_not_crashes() -> None:
    for name, data in [
        ("a.pdf", b"%PDF-1.7\n" + bytes(100) + b"%%EOF"),
        ("a.docx", b"PK\x03\x04garbage"),
        ("a.html", b"<html><body><script>x()</script></body></html>"),
    ]:
        with pytest.raises(Unreadable):
            load_bytes(name, data)


# --- a converted collection indexed and asked ------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_pdf_collection_indexes_and_answers_with_pages(collections, tmp_path, settings, embedder) -> None:
    from qa.pipeline import Pipeline

    s = settings.replace(seeds_dir=collections["pdf"], index_dir=tmp_path / "index")
    report = build_index(s, embedder, progress=False)
    assert report.documents == 5 and report.skipped == []
    pipeline = Pipeline(s, embedder=embedder, progress=False)
    assert all(c.page is not None and c.page >= 1 for c in pipeline.index.chunks)
    notice = pipeline.index.documents[f"{NOTICE}.pdf"]
    assert notice.format == "pdf" and notice.meta.number == "教科技厅〔2020〕1号" and notice.indexed
    questions = [q for q in select_split(load_questions(), "dev") if q.answerable and q.type == "factoid"][:8]
    answered = 0
    for q in questions:
        answer = pipeline.answer(q.question)
        if not answer.refused and all(any(alt in answer.answer for alt in group) for group in q.must_contain):
            answered += 1
            assert all(c.hit.chunk.page for c in answer.citations)
    assert answered >= 5, f"{answered}/{len(questions)} answered with all facts"
    # The header's metadata filters the collection and shows in citations with the page.
    from qa.filters import select_documents
    from ui.render import citation_html

    only = select_documents(pipeline.index.documents, issuer="教育部", year=2020)
    assert only == {f"{NOTICE}.pdf"}
    answer = pipeline.answer("数据安全有哪些要求？", docs=only)
    assert answer.citations and {c.hit.chunk.doc for c in answer.citations} == set(only)
    card = citation_html(answer.citations[0])
    assert "教科技厅〔2020〕1号" in card and re.search(r"第\d+页", card)
