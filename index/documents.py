"""Read the seeds folder: documents, their catalog entries, and the files that had to be skipped."""

from __future__ import annotations

import bisect
import hashlib
import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from index.cleaning import CleanText, clean
from index.loaders import Unreadable, load_bytes
from index.officialdoc import OfficialHeader, read_header

log = logging.getLogger("policyqa.index")

CATALOG_FILE = "catalog.toml"
MAX_DOC_BYTES = 20 * 1024 * 1024
OUTSIDE_HINT = " (set POLICYQA_ALLOW_SEED_SYMLINKS=1 to follow it)"


@dataclass(frozen=True)
class DocMeta:
    title: str
    issuer: str = ""
    region: str = ""
    year: int | None = None
    number: str = ""  # 发文字号, e.g. 教科技厅〔2020〕1号
    date: str = ""  # date of issue, ISO yyyy-mm-dd
    draft: bool = False  # 征求意见稿 and other drafts


@dataclass(frozen=True)
class Document:
    name: str  # file name, the key evaluations and citations use
    meta: DocMeta
    sha256: str  # of the raw bytes
    raw: str  # the text the loader read (for PDF/Word/HTML: the extracted text)
    clean: CleanText
    format: str = "text"
    pages: tuple[int, ...] = ()  # cleaned-text offset where each page starts (PDF)
    headings: dict[int, int] = field(default_factory=dict)  # cleaned line start -> level, from Word styles

    def page_at(self, offset: int) -> int | None:
        """The 1-based page of a cleaned-text offset, or None for formats without pages."""
        return bisect.bisect_right(self.pages, offset) if self.pages else None


@dataclass(frozen=True)
class SeedsScan:
    documents: list[Document]
    skipped: list[tuple[str, str]]  # (file name, reason)


_CATALOG_FIELDS = {"title", "issuer", "region", "year", "number", "date", "draft"}


def load_catalog_entries(folder: Path) -> tuple[dict[str, dict], str | None]:
    """Catalog entries (the known fields only) by file name, and a warning if the catalog could not be read."""
    path = folder / CATALOG_FILE
    if not path.is_file():
        return {}, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, f"{path.name} could not be read ({exc}); titles are taken from the documents"
    entries: dict[str, dict] = {}
    for name, entry in data.items():
        if not isinstance(entry, dict):
            continue
        kept: dict[str, object] = {}
        for key, value in entry.items():
            if key not in _CATALOG_FIELDS:
                continue
            if key == "year":
                if isinstance(value, int) and not isinstance(value, bool):
                    kept[key] = value
            elif key == "draft":
                if isinstance(value, bool):
                    kept[key] = value
            elif str(value).strip():
                kept[key] = str(value).strip()
        entries[name] = kept
    return entries, None


def load_catalog(folder: Path) -> tuple[dict[str, DocMeta], str | None]:
    """Catalog entries that give a title, as DocMeta, by file name; and a warning if the catalog is unreadable."""
    entries, warning = load_catalog_entries(folder)
    return {n: DocMeta(**{"title": "", **e}) for n, e in entries.items() if e.get("title")}, warning


def merged_meta(entry: dict, read: OfficialHeader, fallback_title: str) -> DocMeta:
    """What the catalog says, completed by what the document's own header says."""
    return DocMeta(
        title=str(entry.get("title") or read.title or fallback_title),
        issuer=str(entry.get("issuer") or read.issuer),
        region=str(entry.get("region", "")),
        year=entry.get("year") or read.year,  # type: ignore[arg-type]
        number=str(entry.get("number") or read.number),
        date=str(entry.get("date") or read.date),
        draft=bool(entry["draft"]) if "draft" in entry else read.draft,
    )


def _outside(path: Path, folder: Path) -> bool:
    """A symlink whose target is not inside ``folder``."""
    return path.is_symlink() and not path.resolve().is_relative_to(folder.resolve())


def candidate_files(folder: Path) -> list[Path]:
    """Every file the seeds folder offers as a document: all but the catalog and hidden files."""
    return sorted(p for p in folder.iterdir() if p.name != CATALOG_FILE and not p.name.startswith("."))


def read_document(name: str, data: bytes, entry: dict | None = None) -> Document:
    """One document from its file name and bytes; raises Unreadable with the reason it cannot be indexed."""
    loaded = load_bytes(name, data)
    cleaned = clean(loaded.text)
    if not cleaned.text.strip():
        raise Unreadable("empty")
    where = cleaned.raw_offsets
    pages = tuple(bisect.bisect_left(where, p) for p in loaded.pages)
    headings = {bisect.bisect_left(where, s): level for s, _, level in loaded.headings}
    meta = merged_meta(entry or {}, read_header(cleaned.text), Path(name).stem)
    return Document(name, meta, hashlib.sha256(data).hexdigest(), loaded.text, cleaned, loaded.format, pages, headings)


def read_seeds(folder: Path, *, allow_symlinks: bool = False) -> SeedsScan:
    """The documents of ``folder``; symlinks to files outside it are skipped unless ``allow_symlinks``."""
    if not folder.is_dir():
        raise FileNotFoundError(f"seeds folder not found: {folder}")
    catalog, catalog_warning = load_catalog_entries(folder)
    skipped: list[tuple[str, str]] = []
    if catalog_warning:
        skipped.append((CATALOG_FILE, catalog_warning))
    documents: list[Document] = []
    for path in candidate_files(folder):
        if not allow_symlinks and _outside(path, folder):
            skipped.append((path.name, f"symlink to a file outside the seeds folder{OUTSIDE_HINT}"))
            continue
        try:
            if not path.is_file():
                raise OSError("not a regular file")
            if path.stat().st_size > MAX_DOC_BYTES:
                skipped.append((path.name, f"larger than {MAX_DOC_BYTES // (1024 * 1024)} MiB"))
                continue
            data = path.read_bytes()
        except OSError as exc:
            skipped.append((path.name, f"unreadable ({exc.strerror or exc})"))
            continue
        try:
            documents.append(read_document(path.name, data, catalog.get(path.name)))
        except Unreadable as exc:
            skipped.append((path.name, str(exc)))
    for name, reason in skipped:
        log.warning("skipped %s: %s", name, reason)
    return SeedsScan(documents, skipped)
