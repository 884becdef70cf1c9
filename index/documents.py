"""Read the seeds folder: documents, their catalog entries, and the files that had to be skipped."""

from __future__ import annotations

import codecs
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
OUTSIDE_HINT = " (set POLICYQA_ALLOW_SEED_SYMLINKS=1 to follow it)"


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


# UTF-32 first: its little-endian mark begins with UTF-16's. The codecs drop the mark.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_TEXT_CHAR = re.compile(r"[\t\n\r\x20-\x7e\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _decode(data: bytes) -> str | None:
    for bom, encoding in _BOMS:  # Windows editors save "Unicode" text as UTF-16 with a byte-order mark
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _undecodable_reason(data: bytes) -> str:
    """Why a file could not be read as text: UTF-16 without a byte-order mark is named, not called binary."""
    sample = data[: 64 * 1024]
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = sample[: len(sample) // 2 * 2].decode(encoding)
        except UnicodeDecodeError:
            continue
        if text and len(_TEXT_CHAR.findall(text)) >= 0.9 * len(text):
            return f"{encoding.upper()} text without a byte-order mark; save it as UTF-8"
    return "binary or not UTF-8/GB18030 text"


def _outside(path: Path, folder: Path) -> bool:
    """A symlink whose target is not inside ``folder``."""
    return path.is_symlink() and not path.resolve().is_relative_to(folder.resolve())


def read_seeds(folder: Path, *, allow_symlinks: bool = False) -> SeedsScan:
    """The documents of ``folder``; symlinks to files outside it are skipped unless ``allow_symlinks``."""
    if not folder.is_dir():
        raise FileNotFoundError(f"seeds folder not found: {folder}")
    catalog, catalog_warning = load_catalog(folder)
    skipped: list[tuple[str, str]] = []
    if catalog_warning:
        skipped.append((CATALOG_FILE, catalog_warning))
    documents: list[Document] = []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in DOC_SUFFIXES):
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
        raw = _decode(data)
        if raw is None:
            skipped.append((path.name, _undecodable_reason(data)))
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
