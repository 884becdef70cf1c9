"""Read a document file of any supported format into plain text, chosen by content first and by name second.

Every loader returns a :class:`LoadedText`: the text a reader sees, line by line (cleaning, structure, chunking
and citations then work the same for every format), the offsets where pages start (PDF) and the lines the format
itself marks as headings (Word paragraph styles). A file that cannot be read raises :class:`Unreadable` with a
one-line reason that says what to do.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath
from typing import Protocol

SNIFF_BYTES = 4096


@dataclass(frozen=True)
class LoadedText:
    text: str
    format: str  # "pdf", "docx", "html", "text"
    encoding: str = ""  # text files: the encoding that was detected
    pages: tuple[int, ...] = ()  # offset in ``text`` where each page starts (page n starts at pages[n-1])
    headings: tuple[tuple[int, int, int], ...] = ()  # (start, end, level) of lines the format marks as headings


class Unreadable(Exception):
    """The file is skipped; ``str(exc)`` says why and what to do."""


class Loader(Protocol):
    format: str
    suffixes: tuple[str, ...]

    def sniff(self, head: bytes) -> bool:
        """The first bytes show this loader's format (whatever the file is called)."""
        ...

    def load(self, data: bytes) -> LoadedText: ...


# Formats that are recognised but not read: (magic bytes, what it is, how to convert it).
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGES = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"II*\x00": "a TIFF image",
    b"MM\x00*": "a TIFF image",
}
_OLE_KINDS = {
    ".doc": "a Word 97-2003 document (.doc)",
    ".wps": "a WPS Writer document (.wps)",
    ".xls": "an Excel 97-2003 workbook (.xls)",
    ".et": "a WPS spreadsheet (.et)",
    ".ppt": "a PowerPoint 97-2003 file (.ppt)",
    ".dps": "a WPS presentation (.dps)",
}
CONVERT_HINT = "open it in Word or WPS and save it as .docx or PDF"
SUPPORTED_HINT = "supported: PDF with a text layer, .docx, .html/.htm, .txt/.md"


def _unsupported_reason(suffix: str, head: bytes) -> str | None:
    """Why a file of a recognised but unsupported kind is skipped, or None if the kind is not recognised."""
    if head.startswith(_OLE):
        kind = _OLE_KINDS.get(suffix, "an old Office/WPS binary file")
        return f"{kind} is not supported; {CONVERT_HINT}"
    for magic, kind in _IMAGES.items():
        if head.startswith(magic):
            return f"{kind}, not text; run OCR on it and save the result as .docx, PDF with a text layer or .txt"
    if head.startswith(b"{\\rtf"):
        return f"an RTF document is not supported; {CONVERT_HINT}"
    return None


def _zip_members(data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            return set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return set()


def _loaders() -> tuple[Loader, ...]:
    # Imported here so that reading plain text never imports pypdf, python-docx or trafilatura.
    from index.load_docx import DocxLoader
    from index.load_html import HtmlLoader
    from index.load_pdf import PdfLoader
    from index.load_text import TextLoader

    return (PdfLoader(), DocxLoader(), HtmlLoader(), TextLoader())


def supported_suffixes() -> tuple[str, ...]:
    return tuple(s for loader in _loaders() for s in loader.suffixes)


def pick_loader(name: str, data: bytes) -> Loader:
    """The loader for this file: by what its bytes are, then by its name. Raises Unreadable otherwise."""
    suffix = PurePath(name).suffix.lower()
    head = data[:SNIFF_BYTES]
    reason = _unsupported_reason(suffix, head)
    if reason:
        return _Refuse(reason)
    loaders = _loaders()
    for loader in loaders:
        if loader.sniff(head):
            return loader
    if head.startswith(b"PK\x03\x04"):
        if "word/document.xml" in _zip_members(data):
            return next(loader for loader in loaders if loader.format == "docx")
        if suffix != ".docx":
            return _Refuse(f"a zip archive, not a document ({suffix or 'no extension'}); {SUPPORTED_HINT}")
    for loader in loaders:
        if suffix in loader.suffixes:
            return loader
    return _Refuse(f"unsupported format ({suffix or 'no extension'}); {SUPPORTED_HINT}")


def load_bytes(name: str, data: bytes) -> LoadedText:
    """The text of a file called ``name`` with contents ``data``; raises Unreadable with the reason."""
    if not data:
        raise Unreadable("empty (0 bytes)")
    loader = pick_loader(name, data)
    try:
        return loader.load(data)
    except Unreadable:
        raise
    except Exception as exc:  # a library's bug on a strange file skips that file, never the whole build
        raise Unreadable(f"the {loader.format} reader failed ({exc.__class__.__name__}: {str(exc)[:120]})") from exc


@dataclass(frozen=True)
class _Refuse:
    reason: str
    format: str = "unsupported"
    suffixes: tuple[str, ...] = ()

    def sniff(self, head: bytes) -> bool:
        return False

    def load(self, data: bytes) -> LoadedText:
        raise Unreadable(self.reason)
