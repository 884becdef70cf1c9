"""Read the seeds folder: documents, their catalog entries, and the files that had to be skipped."""

from __future__ import annotations

import hashlib
import logging
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from index.cleaning import CleanText, clean

log = logging.getLogger("policyqa.index")

DOC_SUFFIXES = (".txt", ".md")
CATALOG_FILE = "catalog.toml"
MAX_DOC_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class DocMeta:
    title: str
    issuer: str = ""
    region: str = ""
    year: int | None = None


@dataclass(frozen=True)
class Document:
    name: str  # file name, the key evaluations and citations use
    meta: DocMeta
    sha256: str  # of the raw bytes
    raw: str
    clean: CleanText


@dataclass(frozen=True)
class SeedsScan:
    documents: list[Document]
    skipped: list[tuple[str, str]]  # (file name, reason)


def load_catalog(folder: Path) -> tuple[dict[str, DocMeta], str | None]:
    """Catalog entries by file name, and a warning if the catalog could not be read."""
    path = folder / CATALOG_FILE
    if not path.is_file():
        return {}, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, f"{path.name} could not be read ({exc}); titles are taken from the documents"
    catalog = {}
    for name, entry in data.items():
        if isinstance(entry, dict) and entry.get("title"):
            year = entry.get("year")
            catalog[name] = DocMeta(
                title=str(entry["title"]),
                issuer=str(entry.get("issuer", "")),
                region=str(entry.get("region", "")),
                year=int(year) if isinstance(year, int) else None,
            )
    return catalog, None


_LETTERHEAD = re.compile(r"(文件|〔\d{4}〕\s*\d+\s*号)$")


def title_from_text(text: str, fallback: str) -> str:
    """The document's first heading-like line: short, with enough Chinese or letters to be a title.

    Letterheads ("教育部办公厅文件") and document numbers ("教科技厅〔2020〕1号") are not titles."""
    for line in text.split("\n")[:15]:
        line = line.strip().strip("#").strip()
        meaningful = sum(ch.isalpha() for ch in line)
        if _LETTERHEAD.search(line):
            continue
        if meaningful >= 4 and len(line) <= 60 and not line.endswith(("：", ":", "。")):
            return line
    return fallback


def _decode(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def read_seeds(folder: Path) -> SeedsScan:
    if not folder.is_dir():
        raise FileNotFoundError(f"seeds folder not found: {folder}")
    catalog, catalog_warning = load_catalog(folder)
    skipped: list[tuple[str, str]] = []
    if catalog_warning:
        skipped.append((CATALOG_FILE, catalog_warning))
    documents: list[Document] = []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in DOC_SUFFIXES):
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
        raw = _decode(data)
        if raw is None:
            skipped.append((path.name, "binary or not UTF-8/GB18030 text"))
            continue
        cleaned = clean(raw)
        if not cleaned.text.strip():
            skipped.append((path.name, "empty"))
            continue
        meta = catalog.get(path.name) or DocMeta(title=title_from_text(cleaned.text, path.stem))
        documents.append(Document(path.name, meta, hashlib.sha256(data).hexdigest(), raw, cleaned))
    for name, reason in skipped:
        log.warning("skipped %s: %s", name, reason)
    return SeedsScan(documents, skipped)
